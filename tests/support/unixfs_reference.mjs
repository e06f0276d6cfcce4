// The CIDs ipfs-unixfs-importer (what @helia/unixfs uses) gives files, with Kubo's settings:
// CIDv1, raw leaves, fixed 256 KiB chunks, balanced layout of at most 174 links per node.
// Usage: node unixfs_reference.mjs <node_modules folder> FILE...   -> JSON list of CID strings.
// UNIXFS_CHUNK and UNIXFS_WIDTH override the chunk size and links per node (to test deep trees).
import { createReadStream } from 'node:fs'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

const [modules, ...files] = process.argv.slice(2)
const load = (name) => import(pathToFileURL(path.join(modules, name)).href)
const { importer } = await load('ipfs-unixfs-importer/dist/src/index.js')
const { fixedSize } = await load('ipfs-unixfs-importer/dist/src/chunker/index.js')
const { balanced } = await load('ipfs-unixfs-importer/dist/src/layout/index.js')

const blackhole = { put: async (cid) => cid, get: async () => { throw new Error('write-only') }, has: async () => false }
const options = {
  cidVersion: 1,
  rawLeaves: true,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: Number(process.env.UNIXFS_CHUNK ?? 262144) }),
  layout: balanced({ maxChildrenPerNode: Number(process.env.UNIXFS_WIDTH ?? 174) }),
}
const out = []
for (const file of files) {
  let root
  for await (const entry of importer([{ content: createReadStream(file, { highWaterMark: 1 << 20 }) }], blackhole, options)) {
    root = entry.cid.toString()
  }
  out.push(root)
}
console.log(JSON.stringify(out))
