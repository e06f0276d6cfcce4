"""Dapp-facing methods seen from a real page: prompts that name the app, subscriptions pushed to
the page, and every method MetaMask documents either working or refused clearly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytestmark = pytest.mark.webengine

ICON = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'>"
    "<rect width='64' height='64' rx='12' fill='#e4572e'/></svg>"
)
SEND = {"required": ["STORAGE", "BLOCKCHAIN_SEND", "BLOCKCHAIN_SIGN"], "optional": []}


def connect(page, world) -> str:
    world["prompter"].will(True)
    return page.ok("ethereum.request({method: 'eth_requestAccounts'})")[0]


def test_transaction_and_signature_prompts_name_the_app(install_app, open_app, world, tmp_path: Path) -> None:
    from mainframe_os.gui.prompter import ApprovalDialog, GuiPrompter

    page = open_app(install_app("Pay Pal Lookalike", permissions=SEND, files={"icon.svg": ICON}, icon="icon.svg"))
    account = connect(page, world)
    prompter = world["prompter"]
    before = len(prompter.asked)
    page.err(
        f"ethereum.request({{method: 'eth_sendTransaction', params: [{{from: '{account}', to: '{account}', value: '0x1'}}]}})"
    )
    page.err(f"ethereum.request({{method: 'personal_sign', params: ['0x6869', '{account}']}})")
    tx, sig = prompter.asked[before:]
    for req in (tx, sig):
        assert req.title.startswith("Pay Pal Lookalike asks"), req.title  # not "app:<40 hex>"
        assert req.details["app"] == "Pay Pal Lookalike" and req.details["appId"] == page.app.ctx.app_id
        assert req.details["developer"].startswith("Alice Dev (key ") and len(req.details["developer"]) > 30
    # the launcher's dialog: the app's own icon beside its name, the developer key on hover
    gui = GuiPrompter(node=world["node"])
    icon = page.run(gui.app_icon(tx))
    assert icon is not None and b"<svg" in icon
    dlg = ApprovalDialog(tx, None, icon=icon)
    assert "Pay Pal Lookalike" in dlg.caller_label.text() and dlg.caller_icon.pixmap() is not None
    assert not dlg.caller_icon.pixmap().isNull()
    assert "key " in dlg.caller_label.toolTip() and page.app.ctx.app_id in dlg.caller_label.toolTip()
    dlg.grab().save(str(tmp_path / "tx-prompt.png"))
    dlg.deleteLater()


def test_subscriptions_reach_the_page(install_app, open_app, world) -> None:
    page = open_app(install_app(permissions=SEND))
    page.ok(
        """(window.__subs = [], ethereum.on('message', m => { if (m.type === 'eth_subscription') window.__subs.push(m.data); }), 1)"""
    )
    heads = page.ok("ethereum.request({method: 'eth_subscribe', params: ['newHeads']})")
    logs = page.ok("ethereum.request({method: 'eth_subscribe', params: ['logs', {topics: [null]}]})")
    assert heads.startswith("0x") and logs.startswith("0x") and heads != logs
    node = world["node"]

    async def token_transfer() -> dict:
        from mainframe_os.node.wallet.chain import ChainService

        conn = await ChainService.of(node).connection()
        sender = (await node.call("wallet_list"))[0]["accounts"][0]["address"]
        data = "0xa9059cbb" + "0" * 24 + "de" * 20 + "0" * 64
        tx = await node.call("eth_sendTransaction", [{"from": sender, "to": conn.network.contracts.mft, "data": data}])
        return await node.call("eth_getTransactionReceipt", [tx])

    world["prompter"].will(True)  # the launcher's own send, approved
    receipt = page.run(token_transfer())

    async def wait_for_both() -> list:
        for _ in range(100):
            got = await page.eval_async("window.__subs")
            subs = got.get("ok") or []
            if {s["subscription"] for s in subs} >= {heads, logs}:
                return subs
            await asyncio.sleep(0.1)
        return subs

    subs = page.run(wait_for_both(), 20)
    head = next(s["result"] for s in subs if s["subscription"] == heads)
    log = next(s["result"] for s in subs if s["subscription"] == logs)
    assert head["hash"] == receipt["blockHash"] and head["number"] == receipt["blockNumber"]
    assert log["transactionHash"] == receipt["transactionHash"]
    # unsubscribing ends it; another app's subscription id means nothing here
    assert page.ok(f"ethereum.request({{method: 'eth_unsubscribe', params: ['{heads}']}})") is True
    other = open_app(install_app())
    assert other.ok(f"ethereum.request({{method: 'eth_unsubscribe', params: ['{logs}']}})") is False


# Every method in MetaMask's JSON-RPC reference (docs.metamask.io/wallet/reference/json-rpc-methods),
# with plausible parameters. Each must answer: a result, a reasoned refusal (user rejected,
# unauthorized, invalid params, a revert), or 4200 naming the method. Never -32603, never silence.
METAMASK_METHODS = {
    "eth_accounts": "[]",
    "eth_blobBaseFee": "[]",
    "eth_blockNumber": "[]",
    "eth_call": "[{to: ZERO, data: '0x'}, 'latest']",
    "eth_chainId": "[]",
    "eth_coinbase": "[]",
    "eth_decrypt": "['0x00', ZERO]",
    "eth_estimateGas": "[{to: ZERO, value: '0x0'}]",
    "eth_feeHistory": "['0x1', 'latest', []]",
    "eth_gasPrice": "[]",
    "eth_getBalance": "[ZERO, 'latest']",
    "eth_getBlockByHash": "[HASH, false]",
    "eth_getBlockByNumber": "['latest', false]",
    "eth_getBlockTransactionCountByHash": "[HASH]",
    "eth_getBlockTransactionCountByNumber": "['latest']",
    "eth_getCode": "[ZERO, 'latest']",
    "eth_getEncryptionPublicKey": "[ZERO]",
    "eth_getFilterChanges": "['0x1']",
    "eth_getFilterLogs": "['0x1']",
    "eth_getLogs": "[{address: ZERO}]",
    "eth_getProof": "[ZERO, [], 'latest']",
    "eth_getStorageAt": "[ZERO, '0x0', 'latest']",
    "eth_getTransactionByBlockHashAndIndex": "[HASH, '0x0']",
    "eth_getTransactionByBlockNumberAndIndex": "['latest', '0x0']",
    "eth_getTransactionByHash": "[HASH]",
    "eth_getTransactionCount": "[ZERO, 'latest']",
    "eth_getTransactionReceipt": "[HASH]",
    "eth_getUncleCountByBlockHash": "[HASH]",
    "eth_getUncleCountByBlockNumber": "['latest']",
    "eth_maxPriorityFeePerGas": "[]",
    "eth_newBlockFilter": "[]",
    "eth_newFilter": "[{}]",
    "eth_newPendingTransactionFilter": "[]",
    "eth_requestAccounts": "[]",
    "eth_sendRawTransaction": "['0x00']",
    "eth_sendTransaction": "[{from: ZERO, to: ZERO}]",
    "eth_signTypedData_v4": "[ZERO, '{}']",
    "eth_subscribe": "['newHeads']",
    "eth_syncing": "[]",
    "eth_uninstallFilter": "['0x1']",
    "eth_unsubscribe": "['0x1']",
    "net_version": "[]",
    "personal_sign": "['0x00', ZERO]",
    "wallet_addEthereumChain": "[{chainId: '0x1'}]",
    "wallet_getCallsStatus": "['0x00']",
    "wallet_getCapabilities": "[ZERO]",
    "wallet_getPermissions": "[]",
    "wallet_registerOnboarding": "[]",
    "wallet_requestPermissions": "[{eth_accounts: {}}]",
    "wallet_revokePermissions": "[{eth_accounts: {}}]",
    "wallet_scanQRCode": "[]",
    "wallet_sendCalls": "[{version: '1.0', from: ZERO, calls: []}]",
    "wallet_switchEthereumChain": "[{chainId: '0x1'}]",
    "wallet_watchAsset": "{type: 'ERC20', options: {address: ZERO, symbol: 'X', decimals: 18}}",
    "web3_clientVersion": "[]",
}


def test_every_metamask_method_works_or_is_clearly_unsupported(install_app, open_app) -> None:
    page = open_app(install_app(permissions=SEND))
    answers = page.ok(
        "(async () => { const ZERO = '0x' + '0'.repeat(40), HASH = '0x' + '0'.repeat(64); const out = {};"
        f" const calls = {{{', '.join(f'{name!r}: {params}' for name, params in METAMASK_METHODS.items())}}};"
        " for (const [method, params] of Object.entries(calls)) {"
        "   out[method] = await Promise.race([ethereum.request({method, params}).then(r => ({ok: true}),"
        "     e => ({code: e.code, message: String(e.message)})), new Promise(r => setTimeout(() => r({hang: true}), 5000))]);"
        " } return out; })()",
        timeout=120,
    )
    bad = {}
    for name, a in answers.items():
        if a.get("ok"):
            continue
        if a.get("code") == 4200 and name in a["message"]:
            continue  # unsupported, and the message says which method
        if isinstance(a.get("code"), int) and a["code"] not in (4200, -32603) and a["message"]:
            continue  # a reasoned refusal: user rejected, unauthorized, bad params, a revert, ...
        bad[name] = a
    assert not bad, bad
    supported = sorted(n for n, a in answers.items() if a.get("code") != 4200)
    print(f"{len(supported)} of {len(answers)} MetaMask methods answered: {supported}")
