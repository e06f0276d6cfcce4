// Compiles every contracts/*.sol with the pinned solc (npm) into
// mainframe_os/node/chain/artifacts/<Name>.json = {"abi": [...], "bytecode": "0x...", "runtimeCodeHash": "0x...",
// "storage": {label: slot}}: the hash of the code a deployment leaves on chain and where its state
// variables live, so the node can read a known token's balance straight from the chain's state
// (node/chain/state_reader.py) when the code at an address is exactly this contract's.
// Deterministic: fixed compiler version, sorted inputs, no metadata hash, stable JSON output.
// Usage: cd contracts && npm install && node compile.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';
import jsSha3 from 'js-sha3';

const { keccak256 } = jsSha3;

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '..', 'mainframe_os', 'node', 'chain', 'artifacts');

const sources = {};
for (const file of fs.readdirSync(here).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(here, file), 'utf8') };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 999999 },
    evmVersion: 'cancun',
    // No IPFS/Swarm hash in the bytecode: the same sources give byte-identical artifacts
    // whatever the checkout path or machine.
    metadata: { bytecodeHash: 'none', appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode', 'storageLayout'] } },
  },
};

// keccak256 of the runtime code, or null when the deployed code is not fixed by the sources: an
// immutable is written into the code by the constructor, so each deployment's code differs.
function runtimeCodeHash(deployed) {
  if (Object.keys(deployed.immutableReferences || {}).length) return null;
  return '0x' + keccak256(Buffer.from(deployed.object, 'hex'));
}

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
const written = [];
for (const file of Object.keys(output.contracts).sort()) {
  for (const [name, c] of Object.entries(output.contracts[file]).sort()) {
    if (!c.evm.bytecode.object) continue; // abstract contracts and interfaces
    const artifact = {
      contractName: name,
      compiler: `solc-${solc.version()}`,
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      runtimeCodeHash: runtimeCodeHash(c.evm.deployedBytecode),
      storage: Object.fromEntries(c.storageLayout.storage.map((v) => [v.label, Number(v.slot)])),
    };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(artifact, null, 1) + '\n');
    written.push(`${name} (${c.evm.bytecode.object.length / 2} bytes)`);
  }
}
console.log(`solc ${solc.version()} -> ${path.relative(process.cwd(), outDir)}: ${written.join(', ')}`);
