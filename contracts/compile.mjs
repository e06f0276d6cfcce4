// Compiles every contracts/*.sol with the pinned solc (npm) into
// mainframe_os/node/chain/artifacts/<Name>.json = {"abi": [...], "bytecode": "0x..."}.
// Deterministic: fixed compiler version, sorted inputs, no metadata hash, stable JSON output.
// Usage: cd contracts && npm install && node compile.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

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
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
const written = [];
for (const file of Object.keys(output.contracts).sort()) {
  for (const [name, c] of Object.entries(output.contracts[file]).sort()) {
    if (!c.evm.bytecode.object) continue; // abstract contracts and interfaces
    const artifact = { contractName: name, compiler: `solc-${solc.version()}`, abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(artifact, null, 1) + '\n');
    written.push(`${name} (${c.evm.bytecode.object.length / 2} bytes)`);
  }
}
console.log(`solc ${solc.version()} -> ${path.relative(process.cwd(), outDir)}: ${written.join(', ')}`);
