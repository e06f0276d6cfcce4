"""Sends from a real dapp page (eth_sendTransaction over the QWebChannel bridge) racing the
launcher's own sends from the same account: each one lands once, with its own nonce and amount."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = [pytest.mark.webengine, pytest.mark.slow]

DEAD = "0x000000000000000000000000000000000000dEaD"
PERMS = {"required": ["STORAGE", "BLOCKCHAIN_SEND"], "optional": []}
PAGE_SENDS = 8
LAUNCHER_SENDS = 6


def test_page_and_launcher_sends_from_one_account_each_land_once(world, install_app, open_app, run) -> None:
    from eth_utils import to_checksum_address

    from mainframe_os.node.prompter import PromptResult
    from mainframe_os.node.wallet.chain import ChainService

    node, prompter = world["node"], world["prompter"]
    page = open_app(install_app(permissions=PERMS))
    chain = ChainService.of(node)
    prompter.default = PromptResult(True)
    try:
        (lower,) = page.ok("window.ethereum.request({method: 'eth_requestAccounts'})")
        me = to_checksum_address(lower)  # dapps get lowercase accounts, as from MetaMask; web3.py wants checksums
        n0 = run(chain.call(lambda c: c.w3.eth.get_transaction_count(me)))
        page_wei = [(i + 1) * 10**12 for i in range(PAGE_SENDS)]
        launcher_wei = [(i + 1) * 10**13 for i in range(LAUNCHER_SENDS)]
        ours = [
            asyncio.ensure_future(node.call("wallet_send", {"to": DEAD, "amount": f"0.0000{i + 1}"}))
            for i in range(LAUNCHER_SENDS)
        ]
        sends = ",".join(
            f"window.ethereum.request({{method: 'eth_sendTransaction', params: [{{from: '{me}', to: '{DEAD}',"
            f" value: '{hex(w)}'}}]}})"
            for w in page_wei
        )
        page_hashes = page.ok(f"Promise.all([{sends}])", timeout=120)
        launcher_hashes = [r["hash"] for r in run(asyncio.gather(*ours), timeout=120)]
    finally:
        prompter.default = PromptResult(False)

    def mined(c: Any, hashes: list[str]) -> list[tuple[int, int, int]]:
        out = []
        for h in hashes:
            rcpt = c.w3.eth.wait_for_transaction_receipt(h, timeout=60, poll_latency=0.05)
            tx = c.w3.eth.get_transaction(h)
            out.append((int(tx["nonce"]), int(tx["value"]), int(rcpt["status"])))
        return out

    from_page = run(chain.call(lambda c: mined(c, page_hashes)), timeout=90)
    from_launcher = run(chain.call(lambda c: mined(c, launcher_hashes)), timeout=90)
    assert [v for _, v, _ in from_page] == page_wei and [v for _, v, _ in from_launcher] == launcher_wei
    assert all(s == 1 for _, _, s in from_page + from_launcher)
    nonces = sorted(n for n, _, _ in from_page + from_launcher)
    assert nonces == list(range(n0, n0 + PAGE_SENDS + LAUNCHER_SENDS))
