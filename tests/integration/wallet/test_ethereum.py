"""Standard Ethereum methods answered by the node: signatures that verify, sends that land,
and refusals for requests a caller may not make."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import PromptResult, RejectAllPrompter

from .conftest import PASSWORD, Env


class AllowAllPolicy:
    """A permission layer that grants everything: isolates the node's own checks for these tests."""

    async def require(self, ctx: Any, method: Any, params: Any) -> None:
        return None


async def test_personal_sign_recovers_to_the_account(env: Env) -> None:
    from eth_account import Account
    from eth_account.messages import encode_defunct

    msg = "Log in to Example: nonce 42"
    sig = await env.call("personal_sign", ["0x" + msg.encode().hex(), env.address])
    assert Account.recover_message(encode_defunct(text=msg), signature=sig) == env.address
    asked = env.prompter.asked[-1]
    assert asked.kind == "signature" and asked.details["message"] == msg  # shown decoded


async def test_sign_typed_data_v4(env: Env) -> None:
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    chain_id = int(await env.call("eth_chainId"), 16)
    typed = {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}],
        },
        "primaryType": "Mail",
        "domain": {"name": "Ether Mail", "chainId": chain_id},
        "message": {"to": "0x" + "11" * 20, "contents": "hello"},
    }
    sig = await env.call("eth_signTypedData_v4", [env.address, json.dumps(typed)])
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=sig) == env.address
    # data bound to another chain is refused: a signature for mainnet must not be made here
    typed["domain"]["chainId"] = 1
    with pytest.raises(E.InvalidParams, match="chain"):
        await env.call("eth_signTypedData_v4", [env.address, typed])


async def test_eth_send_transaction_and_reads(env: Env) -> None:
    to = "0x" + "22" * 20
    tx_hash = await env.call("eth_sendTransaction", [{"from": env.address, "to": to, "value": hex(10**15)}])
    receipt = await env.call("eth_getTransactionReceipt", [tx_hash])
    assert receipt["status"] in ("0x1", 1)
    assert int(await env.call("eth_getBalance", [to, "latest"]), 16) == 10**15
    assert int(await env.call("eth_blockNumber"), 16) > 0


async def test_rejection_is_4001(env: Env) -> None:
    env.node.prompter = RejectAllPrompter()
    with pytest.raises(E.UserRejected) as exc:
        await env.call("personal_sign", ["0x68656c6c6f", env.address])
    assert exc.value.code == 4001


async def test_apps_cannot_use_another_identitys_account(env: Env) -> None:
    env.node.permissions = AllowAllPolicy()
    other = await env.call("identity_create", {"displayName": "Mallory"})
    app = CallerContext.app("some-app", other["id"])
    # Mallory's app asks to sign with Alice's account: refused before any prompt
    asked_before = len(env.prompter.asked)
    with pytest.raises(E.Unauthorized):
        await env.node.call("personal_sign", ["0x68656c6c6f", env.address], app)
    with pytest.raises(E.Unauthorized):
        await env.node.call("eth_sendTransaction", [{"from": env.address, "to": env.address, "value": "0x1"}], app)
    assert len(env.prompter.asked) == asked_before


async def test_apps_without_grants_are_refused(env: Env) -> None:
    app = CallerContext.app("some-app", env.info["identity"])
    for method, params in [
        ("eth_sendTransaction", [{"from": env.address, "to": env.address}]),
        ("personal_sign", ["0x00", env.address]),
        ("wallet_exportKeystore", {"address": env.address, "password": "whatever123"}),
        ("wallet_send", {"to": env.address, "amount": "1"}),
    ]:
        with pytest.raises(E.Unauthorized):
            await env.node.call(method, params, app)
    # reads need no grant
    assert await env.node.call("eth_chainId", [], app) == hex(61453)


async def test_watch_asset_and_switch_chain(env: Env) -> None:
    from mainframe_os.node.wallet.chain import ChainService

    conn = await ChainService.of(env.node).connection()
    assert await env.call("wallet_watchAsset", {"type": "ERC20", "options": {"address": conn.network.contracts.dai}})
    with pytest.raises(E.RpcError, match="no contract"):
        await env.call("wallet_watchAsset", {"type": "ERC20", "options": {"address": "0x" + "33" * 20}})
    with pytest.raises(E.RpcError) as exc:
        await env.call("wallet_switchEthereumChain", [{"chainId": "0x12345"}])
    assert exc.value.code == 4902
    assert await env.call("wallet_switchEthereumChain", [{"chainId": hex(61453)}]) is None


async def test_keystore_export_round_trips(env: Env) -> None:
    import eth_keyfile
    from eth_account import Account

    ks = (
        await env.call(
            "wallet_exportKeystore", {"address": env.address, "password": "keystore-pass", "vaultPassword": PASSWORD}
        )
    )["keystore"]
    key = eth_keyfile.decode_keyfile_json(ks, b"keystore-pass")
    assert Account.from_key(key).address == env.address


async def test_prompt_shows_decoded_transaction(env: Env) -> None:
    class Recorder:
        def __init__(self) -> None:
            self.req: Any = None

        async def ask(self, req: Any) -> PromptResult:
            self.req = req
            return PromptResult(False)

    rec = Recorder()
    env.node.prompter = rec
    with pytest.raises(E.UserRejected):
        await env.call("wallet_send", {"to": env.address, "amount": "0.5"})
    d = rec.req.details
    assert d["amount"] == "0.5 ETH" and env.address in d["to"] and "max fee" in d and "network" in d


async def test_reads_come_back_in_wire_form(env: Env) -> None:
    """What a dapp library (ethers, viem) expects: hex quantities, camelCase keys, hex params accepted."""
    to = "0x" + "44" * 20
    gas = await env.call("eth_estimateGas", [{"from": env.address, "to": to, "value": "0x1"}])
    assert gas == "0x5208"
    tx_hash = await env.call("eth_sendTransaction", [{"from": env.address, "to": to, "value": "0x2"}])
    tx = await env.call("eth_getTransactionByHash", [tx_hash])
    assert tx["value"] == "0x2" and tx["from"] == env.address and "yParity" in tx and "y_parity" not in tx
    assert tx["blockNumber"].startswith("0x")
    block = await env.call("eth_getBlockByNumber", ["latest", False])
    assert block["number"].startswith("0x") and isinstance(block["transactions"], list)
    with pytest.raises(E.RpcError) as exc:
        await env.call("eth_call", [{"to": env.address, "data": "0x12"}, "0xffffffff"])
    assert exc.value.code != -32603
    assert await env.call("eth_getTransactionReceipt", ["0x" + "ab" * 32]) is None
    assert await env.call("eth_getBlockByNumber", ["0xffffff", False]) is None
