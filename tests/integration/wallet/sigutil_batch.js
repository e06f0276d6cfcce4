// Signs a batch of cases with MetaMask's @metamask/eth-sig-util: JSON in (stdin), JSON out (stdout).
// Input:  {"privateKey": "<hex>", "cases": [{"kind": "v4"|"v3"|"v1"|"personal"|"recover", ...}]}
// Output: [{"sig": "0x..."} | {"address": "0x..."} | {"error": "..."}], one per case, in order.
'use strict';
const sigUtil = require('@metamask/eth-sig-util');

// MetaMask's signature controller turns personal_sign's message into hex before signing
// (normalizeMessageData in @metamask/message-manager and @metamask/signature-controller).
function normalizeMessageData(data) {
  try {
    const stripped = data.startsWith('0x') || data.startsWith('0X') ? data.substring(2) : data;
    if (stripped.match(/^[0-9A-Fa-f]+$/gu)) return '0x' + stripped;
  } catch (e) { /* not a string: falls through like MetaMask's */ }
  return '0x' + Buffer.from(data, 'utf8').toString('hex');
}

function run(privateKey, c) {
  if (c.kind === 'v4' || c.kind === 'v3' || c.kind === 'v1') {
    const data = JSON.parse(c.data);  // what MetaMask does with a JSON-text parameter
    return { sig: sigUtil.signTypedData({ privateKey, data, version: c.kind.toUpperCase() }) };
  }
  if (c.kind === 'personal') {
    if (!c.message || typeof c.message !== 'string') throw new Error('Invalid message "data"');
    return { sig: sigUtil.personalSign({ privateKey, data: normalizeMessageData(c.message) }) };
  }
  if (c.kind === 'recover') {
    return { address: sigUtil.recoverPersonalSignature({ data: c.message, signature: c.signature }) };
  }
  throw new Error('unknown case kind ' + c.kind);
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { privateKey, cases } = JSON.parse(input);
  const key = Buffer.from(privateKey.replace(/^0x/, ''), 'hex');
  const out = cases.map((c) => {
    try { return run(key, c); } catch (e) { return { error: String(e && e.message || e).slice(0, 300) }; }
  });
  process.stdout.write(JSON.stringify(out));
});
