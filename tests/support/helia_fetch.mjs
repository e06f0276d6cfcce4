// A Helia node (js-libp2p: TCP, noise, yamux, identify; bitswap) that fetches one file from a
// peer it is told about, as a Kubo or Helia user would: no DHT, no HTTP gateways, no bootstrap.
// Usage: node helia_fetch.mjs OUT_FILE   -> prints its peer id, then reads "MULTIADDR CID" on
// stdin, dials, `unixfs.cat`s the CID over bitswap into OUT_FILE and prints "done <bytes>";
// then reads a file path, adds that file and prints "added <cid>" (served until stdin closes).
import { createWriteStream, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import path from 'node:path'
import { createLibp2p } from 'libp2p'
import { withBitswap } from '@helia/bitswap'
import { unixfs } from '@helia/unixfs'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'

// Node 20 (Debian's) has no Promise.withResolvers; js-libp2p 3 calls it at run time
Promise.withResolvers ??= function () {
  let resolve, reject
  const promise = new Promise((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}
const out = process.argv[2]
// Helia's class without `helia`'s index, which loads an HTTP client needing a newer Node (and
// the HTTP routers it brings would reach out to the internet)
const modules = path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules')
const { Helia } = await import(pathToFileURL(path.join(modules, 'helia/dist/src/helia.js')).href)
const libp2p = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify() },
})
const helia = new Helia({ name: 'helia', version: '7' })
Object.defineProperty(helia, 'libp2p', { value: libp2p })
helia.addMixin({ name: 'libp2p', start: async () => libp2p.start(), stop: async () => libp2p.stop() })
withBitswap(helia)
await helia.start()
console.log(helia.libp2p.peerId.toString())
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
// 1. fetch: "MULTIADDR CID" -> the file into OUT_FILE over bitswap, then "done <bytes>"
const [addr, cid] = (await lines.next()).value.trim().split(' ')
await helia.libp2p.dial(multiaddr(addr))
const sink = createWriteStream(out)
let n = 0
for await (const chunk of unixfs(helia).cat(CID.parse(cid), { signal: AbortSignal.timeout(120000) })) {
  sink.write(chunk)
  n += chunk.length
}
await new Promise((resolve) => sink.end(resolve))
console.log(`done ${n}`)
// 2. serve: "FILE" -> add it (Kubo's settings: CIDv1, raw leaves) and print "added <cid>";
// then keep serving it over bitswap until stdin closes
const file = (await lines.next()).value.trim()
const added = await unixfs(helia).addBytes(readFileSync(file), { cidVersion: 1, rawLeaves: true })
console.log(`added ${added.toString()}`)
await lines.next()
await helia.stop()
process.exit(0)
