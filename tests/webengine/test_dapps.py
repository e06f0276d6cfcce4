"""MetaMask-style dapps on our provider: pages built on ethers v6 and on viem (installed from npm
by the test, not committed) connect, read a balance, send a transaction and sign typed data, the
user approving each step in the launcher's prompter."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.webengine, pytest.mark.slow]

NPM_DIR = Path(os.environ.get("MFOS_NPM_CACHE", Path.home() / ".cache" / "mainframe-os-tests" / "dapp-libs"))
PACKAGES = ["ethers@6", "viem@2.21.0", "esbuild@0.28"]  # viem pinned: newer ones need an ox the mirror may lack
DEAD = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture(scope="session")
def libs() -> dict[str, str]:
    from mainframe_os.node.registry import REGISTRY

    if REGISTRY.get("eth_sendTransaction") is None:
        pytest.skip("eth_sendTransaction is not in the registry yet (the wallet's Ethereum methods)")
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    ethers = NPM_DIR / "node_modules" / "ethers" / "dist" / "ethers.umd.min.js"
    bundle = NPM_DIR / "viem.bundle.js"
    if not ethers.exists() or not (NPM_DIR / "node_modules" / ".bin" / "esbuild").exists():
        (NPM_DIR / "package.json").write_text('{"name": "mfos-dapp-test-libs", "private": true}')
        r = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", *PACKAGES],
            cwd=NPM_DIR,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr[-2000:]
    if not bundle.exists():
        (NPM_DIR / "entry.mjs").write_text(
            "import { createWalletClient, createPublicClient, custom, parseEther, verifyTypedData, verifyMessage }"
            " from 'viem';\nwindow.viem = { createWalletClient, createPublicClient, custom, parseEther,"
            " verifyTypedData, verifyMessage };\n"
        )
        r = subprocess.run(
            [
                str(NPM_DIR / "node_modules" / ".bin" / "esbuild"),
                "entry.mjs",
                "--bundle",
                "--format=iife",
                "--outfile=viem.bundle.js",
            ],
            cwd=NPM_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr[-2000:]
    return {"ethers": ethers.read_text(), "viem": bundle.read_text()}


PERMS = {"required": ["STORAGE", "BLOCKCHAIN_SEND", "BLOCKCHAIN_SIGN"], "optional": []}
TYPED = (
    """
  const domain = {name: 'Mainframe', version: '1', chainId: CHAIN, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC'};
  const types = {Mail: [{name: 'to', type: 'address'}, {name: 'contents', type: 'string'}]};
  const message = {to: '%s', contents: 'hello from a dapp'};
"""
    % DEAD
)

ETHERS_FLOW = """(async () => {
  const provider = new ethers.BrowserProvider(window.ethereum);
  const signer = await provider.getSigner();             // eth_requestAccounts: the user connects
  const addr = await signer.getAddress();
  const net = await provider.getNetwork();
  const CHAIN = net.chainId;
  const before = await provider.getBalance(addr);
  // what any dapp does: ethers estimates gas, sends, and waits for the receipt
  const tx = await signer.sendTransaction({to: '%s', value: ethers.parseEther('0.01')});
  const receipt = await tx.wait();
  %s
  const sig = await signer.signTypedData(domain, types, message);
  const msgSig = await signer.signMessage('hello');
  await new Promise(r => setTimeout(r, 300));  // past ethers' 250 ms request cache
  const after = await provider.getBalance(addr);
  return {addr, chainId: CHAIN.toString(), funded: before > 0n, paid: before - after >= ethers.parseEther('0.01'),
          before: before.toString(), after: after.toString(), status: Number(receipt.status), typedOk: ethers.verifyTypedData(domain, types, message, sig) === addr,
          msgOk: ethers.verifyMessage('hello', msgSig) === addr};
})()""" % (DEAD, TYPED)

VIEM_FLOW = """(async () => {
  const { createWalletClient, createPublicClient, custom, parseEther, verifyTypedData, verifyMessage } = window.viem;
  const wallet = createWalletClient({ transport: custom(window.ethereum) });
  const client = createPublicClient({ transport: custom(window.ethereum) });
  const [addr] = await wallet.requestAddresses();
  const CHAIN = await client.getChainId();
  const before = await client.getBalance({ address: addr });
  const chain = { id: CHAIN, name: 'mainframe', nativeCurrency: {name: 'Ether', symbol: 'ETH', decimals: 18},
                  rpcUrls: { default: { http: [] } } };
  const hash = await wallet.sendTransaction({ account: addr, chain, to: '%s', value: parseEther('0.01') });
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  %s
  const sig = await wallet.signTypedData({ account: addr, domain, types, primaryType: 'Mail', message });
  const msgSig = await wallet.signMessage({ account: addr, message: 'hello' });
  return {addr, chainId: String(CHAIN), funded: before > 0n, status: receipt.status,
          typedOk: await verifyTypedData({ address: addr, domain, types, primaryType: 'Mail', message, signature: sig }),
          msgOk: await verifyMessage({ address: addr, message: 'hello', signature: msgSig })};
})()""" % (DEAD, TYPED)


def _run_flow(world: dict[str, Any], install_app, open_app, lib_name: str, lib: str, flow: str) -> dict[str, Any]:
    from mainframe_os.node.prompter import PromptResult

    app_id = install_app(permissions=PERMS, files={"lib.js": lib})
    page = open_app(app_id)  # the library is one of the app's signed files, loaded like any script
    assert (
        page.ok(
            "new Promise((ok, ko) => { const s = document.createElement('script'); s.src = 'lib.js';"
            " s.onload = () => ok(1); s.onerror = ko; document.head.appendChild(s); })"
        )
        == 1
    )
    prompter = world["prompter"]
    prompter.default = PromptResult(True)
    before = len(prompter.asked)
    try:
        result = page.ok(flow, timeout=90)
    finally:
        prompter.default = PromptResult(False)
    kinds = [r.kind for r in prompter.asked[before:]]
    assert all(r.caller.app_id == app_id for r in prompter.asked[before:])
    assert kinds.count("permission") == 1, kinds  # connecting, once
    assert "transaction" in kinds and kinds.count("signature") >= 2, kinds
    return result


def test_ethers_v6_dapp(world, install_app, open_app, libs) -> None:
    r = _run_flow(world, install_app, open_app, "ethers", libs["ethers"], ETHERS_FLOW)
    assert r["funded"] and r["paid"] and r["status"] == 1 and r["typedOk"] and r["msgOk"], repr(r)


def test_viem_dapp(world, install_app, open_app, libs) -> None:
    r = _run_flow(world, install_app, open_app, "viem", libs["viem"], VIEM_FLOW)
    assert r["funded"] and r["status"] == "success" and r["typedOk"] and r["msgOk"], r


def _reverting_contract(revert: bytes) -> str:
    """Creation code of a contract whose every call reverts with exactly `revert`."""
    n = len(revert)
    runtime = bytes([0x60, n, 0x60, 12, 0x60, 0, 0x39, 0x60, n, 0x60, 0, 0xFD]) + revert
    init = bytes([0x60, len(runtime), 0x60, 12, 0x60, 0, 0x39, 0x60, len(runtime), 0x60, 0, 0xF3])
    return "0x" + (init + runtime).hex()


ETHERS_EVENTS_AND_ERRORS = """(async () => {
  const provider = new ethers.BrowserProvider(window.ethereum);
  const signer = await provider.getSigner();
  const me = await signer.getAddress();
  // a contract that reverts with a custom error: ethers decodes it from the error's data
  const guarded = new ethers.Contract('%(guarded)s', ['function f()', 'error Unauthorized(address who)'], provider);
  const err = await guarded.f.staticCall().then(() => null, e => e);
  // token events: queryFilter with a single address and an indexed-topic filter (eth_getLogs)
  const mft = new ethers.Contract('%(mft)s', ['event Transfer(address indexed from, address indexed to, uint256 value)',
                                             'function transfer(address to, uint256 value) returns (bool)'], signer);
  const sent = await (await mft.transfer('%(dead)s', 0)).wait();
  const mine = await mft.queryFilter(mft.filters.Transfer(me), sent.blockNumber);
  const notMine = await mft.queryFilter(mft.filters.Transfer(null, me), sent.blockNumber);
  const byHash = await provider.getLogs({blockHash: sent.blockHash, address: '%(mft)s'});
  return {revert: err && err.revert ? {name: err.revert.name, who: err.revert.args[0]} : String(err && err.message),
          code: err && err.code, mine: mine.length, to: mine.length && mine[0].args.to, notMine: notMine.length,
          byHash: byHash.length};
})()"""


def test_ethers_events_and_custom_errors(world, install_app, open_app, libs, run) -> None:
    from mainframe_os.node.prompter import PromptResult
    from mainframe_os.node.wallet.chain import ChainService

    node = world["node"]
    conn = run(ChainService.of(node).connection())
    who = "0x" + "11" * 20
    revert = bytes.fromhex("8e4a23d6") + bytes(12) + bytes.fromhex(who[2:])  # Unauthorized(address)

    async def deploy() -> str:  # by the launcher (a page's deployment receipt is issue 16's)
        sender = (await node.call("wallet_list"))[0]["accounts"][0]["address"]
        tx = await node.call("eth_sendTransaction", [{"from": sender, "data": _reverting_contract(revert)}])
        return str((await node.call("eth_getTransactionReceipt", [tx]))["contractAddress"])

    page = open_app(install_app(permissions=PERMS, files={"lib.js": libs["ethers"]}))
    page.ok(
        "new Promise((ok, ko) => { const s = document.createElement('script'); s.src = 'lib.js';"
        " s.onload = () => ok(1); s.onerror = ko; document.head.appendChild(s); })"
    )
    world["prompter"].default = PromptResult(True)
    try:
        flow = ETHERS_EVENTS_AND_ERRORS % {
            "guarded": run(deploy()),
            "mft": conn.network.contracts.mft,
            "dead": DEAD,
        }
        r = page.ok(flow, timeout=90)
    finally:
        world["prompter"].default = PromptResult(False)
    assert r["revert"] == {"name": "Unauthorized", "who": "0x1111111111111111111111111111111111111111"}, r
    assert r["code"] == "CALL_EXCEPTION", r
    assert r["mine"] == 1 and r["to"].lower() == DEAD.lower() and r["notMine"] == 0 and r["byHash"] == 1, r
