"""What the user reads before approving: dapp transactions and typed data decoded on the dev chain.

Calldata is encoded with the project's own contracts (web3's contract encoder, not the decoder
under test) and goes through the real node methods; the prompt's `description` is checked.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.prompter import PromptRequest, PromptResult
from mainframe_os.node.wallet.chain import ChainService

from .conftest import Env

MAX = 2**256 - 1
STRANGER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


async def _dep(env: Env) -> Any:
    conn = await ChainService.of(env.node).connection()
    return conn.devchain.deployment, conn.w3


def _encode(w3: Any, address: str, name: str, fn: str, args: list[Any]) -> str:
    return str(w3.eth.contract(address=address, abi=abi_of(name)).encode_abi(fn, args=args))


def _row(desc: dict[str, Any], label: str) -> dict[str, Any]:
    return next(r for r in desc["rows"] if r["label"] == label)


class EditingPrompter:
    """Approves, answering each transaction prompt with the allowance the user typed."""

    def __init__(self, allowance: str | None) -> None:
        self.allowance, self.asked = allowance, []  # type: list[PromptRequest]

    async def ask(self, request: PromptRequest) -> PromptResult:
        self.asked.append(request)
        return PromptResult(True, "once", {"allowance": self.allowance} if self.allowance else None)


async def test_unlimited_approve_to_a_stranger_is_flagged_and_can_be_lowered(env: Env) -> None:
    dep, w3 = await _dep(env)
    data = _encode(w3, dep.mft, "MFT", "approve", [STRANGER, MAX])
    env.node.prompter = prompter = EditingPrompter("25.5")
    await env.call("eth_sendTransaction", [{"from": env.address, "to": dep.mft, "data": data}])
    desc = prompter.asked[-1].description
    assert desc is not None and desc["action"] == "approve"
    spender = _row(desc, "Spender")["party"]
    assert spender["address"] == STRANGER and spender["kind"] == "account" and spender["seen"] is False
    amount = _row(desc, "Allowance")["amount"]
    assert amount["unlimited"] is True and amount["formatted"] == "Unlimited" and amount["symbol"] == "MFT"
    assert _row(desc, "Token")["party"]["kind"] == "network"  # the network's own MFT
    assert [w["level"] for w in desc["warnings"]] == ["danger"]  # one banner says it all
    assert "an address you never used before" in desc["warnings"][0]["text"]
    assert "Unlimited allowance" in desc["warnings"][0]["text"]
    assert desc["edit"]["decimals"] == 18 and desc["edit"]["spender"] == STRANGER
    mft = w3.eth.contract(address=dep.mft, abi=abi_of("MFT"))
    # The user lowered it to 25.5 MFT: that is what the chain holds, not 2^256-1.
    assert mft.functions.allowance(env.address, STRANGER).call() == 255 * 10**17
    last = (await env.call("wallet_history"))[0]
    assert last["kind"] == "approve" and last["details"]["allowance"] == "25.5 MFT"


async def test_an_edited_allowance_that_is_not_a_number_sends_nothing(env: Env) -> None:
    dep, w3 = await _dep(env)
    data = _encode(w3, dep.mft, "MFT", "approve", [STRANGER, MAX])
    env.node.prompter = EditingPrompter("lots")
    with pytest.raises(E.InvalidParams, match="allowance"):
        await env.call("eth_sendTransaction", [{"from": env.address, "to": dep.mft, "data": data}])
    assert await env.call("wallet_history") == []


async def test_token_transfer_to_a_contact_names_them(env: Env) -> None:
    dep, w3 = await _dep(env)
    me = env.info["identity"]
    bob = await env.call("identity_create", {"displayName": "Bob"})
    phrase = (await env.call("wallet_generatePhrase"))["phrase"]
    bob_addr = (await env.call("wallet_create", {"phrase": phrase, "identityId": bob["id"]}))["accounts"][0]["address"]
    card = (await env.call("identity_getCard", {"id": bob["id"]}))["card"]
    await env.call("identity_select", {"id": me})
    await env.call("contacts_add", {"card": card})
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "1"})
    data = _encode(w3, dep.mft, "MFT", "transfer", [bob_addr, 3 * 10**18])
    await env.call("eth_sendTransaction", [{"from": env.address, "to": dep.mft, "data": data}])
    desc = env.prompter.asked[-1].description
    assert desc["action"] == "transfer" and desc["headline"] == "Send 3 MFT to Bob"
    assert _row(desc, "Recipient")["party"] == {
        "address": bob_addr,
        "kind": "contact",
        "name": "Bob",
        "seen": True,
        "label": "Bob (contact)",
    }
    assert _row(desc, "Amount")["amount"]["text"] == "3 MFT"
    assert desc["warnings"] == []
    # The wallet's own send is described the same way (every approved transaction is).
    await env.call("wallet_send", {"to": bob_addr, "amount": "1", "token": "MFT"})
    assert env.prompter.asked[-1].description["headline"] == "Send 1 MFT to Bob"


async def test_swap_and_its_approval_are_decoded(env: Env) -> None:
    dep, _ = await _dep(env)
    await env.call("swap_run", {"from": "ETH", "to": "MFT", "amount": "2"})
    desc = env.prompter.asked[-1].description
    assert desc["action"] == "swap" and desc["headline"] == "Swap 2 ETH for MFT"
    assert _row(desc, "You pay")["amount"]["text"] == "2 ETH"
    assert _row(desc, "Route")["text"] == "ETH → MFT (Uniswap V2)"
    assert _row(desc, "Recipient")["party"]["kind"] == "own"
    assert _row(desc, "Router")["party"]["name"] == "Uniswap V2 router"
    assert "UTC" in _row(desc, "Deadline")["date"]["text"] and desc["warnings"] == []
    await env.call("swap_run", {"from": "MFT", "to": "ETH", "amount": "10"})
    approval = env.prompter.asked[-2].description
    assert approval["action"] == "approve" and approval["headline"] == "Allow Uniswap V2 router to spend 10 MFT"
    assert approval["warnings"] == []  # exact amount, known spender
    assert _row(env.prompter.asked[-1].description, "You receive at least")["amount"]["symbol"] == "ETH"


async def test_unknown_calldata_says_so_and_shows_the_selector(env: Env) -> None:
    dep, w3 = await _dep(env)
    from mainframe_os.node.wallet.describe import describe_transaction

    ident = env.info["identity"]
    desc = await describe_transaction(env.node, ident, {"to": dep.mft, "value": 0, "data": "0xdeadbeef" + "00" * 32})
    assert desc["action"] == "unknown" and desc["decoded"] is False
    assert desc["selector"] == "0xdeadbeef" and desc["signature"] is None
    assert "cannot decode" in desc["warnings"][0]["text"]
    # a selector the project knows by name only: shown with its signature
    permit = "0xd505accf" + "00" * 224
    desc = await describe_transaction(env.node, ident, {"to": dep.mft, "value": 0, "data": permit})
    assert desc["action"] == "unknown"
    assert (
        _row(desc, "Function")["text"] == "0xd505accf — permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"
    )


async def test_weth_and_router_liquidity_calls(env: Env) -> None:
    dep, w3 = await _dep(env)
    from mainframe_os.node.wallet.describe import describe_transaction

    ident = env.info["identity"]
    deposit = _encode(w3, dep.weth, "WETH9", "deposit", [])
    desc = await describe_transaction(env.node, ident, {"to": dep.weth, "value": 10**18, "data": deposit})
    assert desc["headline"] == "Wrap 1 ETH into WETH"
    withdraw = _encode(w3, dep.weth, "WETH9", "withdraw", [5 * 10**17])
    desc = await describe_transaction(env.node, ident, {"to": dep.weth, "value": 0, "data": withdraw})
    assert desc["headline"] == "Unwrap 0.5 WETH into ETH" and _row(desc, "Amount")["amount"]["text"] == "0.5 WETH"
    add = _encode(w3, dep.router, "UniswapV2Router02", "addLiquidityETH", [dep.mft, 10**18, 0, 0, STRANGER, 2**32])
    desc = await describe_transaction(env.node, ident, {"to": dep.router, "value": 10**17, "data": add})
    assert desc["headline"] == "Add liquidity to the MFT/ETH pool"
    assert _row(desc, "Token")["amount"]["text"] == "1 MFT" and _row(desc, "ETH")["amount"]["text"] == "0.1 ETH"
    assert any("not to your account" in w["text"] for w in desc["warnings"])


async def test_set_approval_for_all_is_a_danger(env: Env) -> None:
    from mainframe_os.node.wallet.calldata import encode_call
    from mainframe_os.node.wallet.describe import describe_transaction

    dep, _ = await _dep(env)
    nft = dep.pair_eth_mft  # any contract: what matters is the call
    data = encode_call("setApprovalForAll(address,bool)", [STRANGER, True])
    desc = await describe_transaction(env.node, env.info["identity"], {"to": nft, "value": 0, "data": data})
    assert desc["action"] == "setApprovalForAll"
    assert desc["warnings"][0]["level"] == "danger" and "every item" in desc["warnings"][0]["text"]
    assert _row(desc, "Operator")["party"]["address"] == STRANGER and desc["edit"] is None


async def test_permit_typed_data_is_spelled_out(env: Env) -> None:
    dep, _ = await _dep(env)
    chain_id = int(await env.call("eth_chainId"), 16)
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {"name": "Mainframe Token", "version": "1", "chainId": chain_id, "verifyingContract": dep.mft},
        "message": {"owner": env.address, "spender": STRANGER, "value": str(MAX), "nonce": 0, "deadline": 1893456000},
    }
    await env.call("eth_signTypedData_v4", [env.address, json.dumps(typed)])
    desc = env.prompter.asked[-1].description
    assert desc["action"] == "permit" and desc["primaryType"] == "Permit"
    assert desc["domain"]["name"] == "Mainframe Token" and desc["domain"]["chainId"] == chain_id
    assert desc["domain"]["verifyingContract"]["address"] == dep.mft
    assert _row(desc, "Spender")["party"]["address"] == STRANGER
    assert _row(desc, "Allowance")["amount"]["formatted"] == "Unlimited"
    assert _row(desc, "Allowance")["amount"]["symbol"] == "MFT"
    assert _row(desc, "Deadline")["date"]["text"] == "2030-01-01 00:00 UTC"
    assert _row(desc, "Owner")["party"]["kind"] == "own"
    assert desc["warnings"][0]["level"] == "danger"
    # Any other typed data: its fields, flattened, with addresses identified.
    typed["primaryType"] = "Mail"
    del typed["types"]["Permit"]
    typed["types"]["Mail"] = [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}]
    typed["message"] = {"to": env.address, "contents": "hello"}
    await env.call("eth_signTypedData_v4", [env.address, typed])
    desc = env.prompter.asked[-1].description
    assert desc["action"] == "sign-typed" and _row(desc, "to")["party"]["kind"] == "own"
    assert _row(desc, "contents")["text"] == "hello"
