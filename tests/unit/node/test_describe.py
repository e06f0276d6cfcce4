"""Calldata and typed data read back into words, without a chain: decoding every function the
project ships an ABI for, the description's facts and warnings, and the allowance edit."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from mainframe_os.node import errors as E
from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.wallet.calldata import decode_call, encode_call, known_signature
from mainframe_os.node.wallet.describe import apply_edit, build, lines
from mainframe_os.node.wallet.describe_typed import _flatten, build_typed
from mainframe_os.node.wallet.parties import Party
from mainframe_os.node.wallet.tokens import TokenInfo

TOKEN = "0x" + "22" * 20
SPENDER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
ME = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
MFT = TokenInfo("MFT", "Mainframe Token", 18, TOKEN)
USD = TokenInfo("TUSD", "Test USD", 6, TOKEN)
PARTIES = {ME: Party(ME, "own", "Main"), TOKEN: Party(TOKEN, "network", "MFT token")}


def _describe(data: str, token: TokenInfo | None = MFT, value: int = 0, **tokens: Any) -> dict[str, Any]:
    return build(TOKEN, value, data, decode_call(data), PARTIES, {TOKEN: token, **tokens})


def _row(desc: dict[str, Any], label: str) -> dict[str, Any]:
    return next(r for r in desc["rows"] if r["label"] == label)


def test_every_router_function_the_project_ships_decodes() -> None:
    router = Web3().eth.contract(abi=abi_of("UniswapV2Router02"))
    for fn in abi_of("UniswapV2Router02"):
        if fn["type"] != "function" or fn["stateMutability"] in ("view", "pure"):
            continue
        args = [[TOKEN, ME] if i["type"] == "address[]" else ME if i["type"] == "address" else 7 for i in fn["inputs"]]
        call = decode_call(router.encode_abi(fn["name"], args=args))
        assert call is not None and call.name == fn["name"], fn["name"]
        desc = build(TOKEN, 0, router.encode_abi(fn["name"], args=args), call, PARTIES, {})
        assert desc["action"] != "unknown" and desc["headline"], fn["name"]


def test_standard_names_whatever_the_source_called_them() -> None:
    weth = Web3().eth.contract(abi=abi_of("WETH9"))
    call = decode_call(weth.encode_abi("approve", args=[SPENDER, 5]))
    assert call is not None and call.args == {"spender": SPENDER, "amount": 5}  # WETH9 says guy/wad


def test_amounts_use_the_token_decimals() -> None:
    desc = _describe(encode_call("transfer(address,uint256)", [ME, 1_500_000]), USD)
    assert _row(desc, "Amount")["amount"]["text"] == "1.5 TUSD"
    assert desc["headline"] == "Send 1.5 TUSD to Main" and _row(desc, "Recipient")["party"]["kind"] == "own"


def test_increase_allowance_unlimited_is_flagged_and_editable() -> None:
    data = encode_call("increaseAllowance(address,uint256)", [SPENDER, 2**256 - 1])
    desc = _describe(data)
    assert desc["warnings"][0]["level"] == "danger" and desc["edit"]["signature"].startswith("increaseAllowance")
    new, shown = apply_edit(desc, data, {"allowance": "12.5"}) or ("", "")
    assert decode_call(new).args == {"spender": SPENDER, "addedValue": 125 * 10**17}  # type: ignore[union-attr]
    assert shown == "12.5 MFT"
    assert apply_edit(desc, data, None) is None and apply_edit(desc, data, {"allowance": ""}) is None
    with pytest.raises(E.InvalidParams, match="more than 18 decimal places"):
        apply_edit(desc, data, {"allowance": "0.0000000000000000001"})
    other = encode_call("transfer(address,uint256)", [SPENDER, 1])
    with pytest.raises(E.InvalidParams, match="only be changed on the call"):
        apply_edit(desc, other, {"allowance": "1"})


def test_nft_calls() -> None:
    desc = _describe(encode_call("setApprovalForAll(address,bool)", [SPENDER, True]), None)
    assert desc["action"] == "setApprovalForAll" and desc["warnings"][0]["level"] == "danger"
    desc = _describe(encode_call("setApprovalForAll(address,bool)", [SPENDER, False]), None)
    assert desc["warnings"] == [] and _row(desc, "Access")["text"] == "Revoked"
    desc = _describe(encode_call("approve(address,uint256)", [SPENDER, 42]), None)  # ERC-721: an item id
    assert desc["action"] == "approve-item" and _row(desc, "Item")["text"] == "#42"
    desc = _describe(encode_call("safeTransferFrom(address,address,uint256,uint256,bytes)", [ME, SPENDER, 3, 2, b""]))
    assert desc["headline"] == "Send item #3 to 0x5aAe…eAed" and _row(desc, "Item")["text"] == "#3 × 2"


def test_unknown_calls_say_so() -> None:
    desc = _describe("0x12345678" + "00" * 32, value=10**18)
    assert desc["action"] == "unknown" and desc["signature"] is None
    assert _row(desc, "Function")["text"] == "0x12345678 (unknown function)"
    assert _row(desc, "Sends")["amount"]["text"] == "1 ETH"
    assert known_signature("0x095ea7b3") == "approve(address,uint256)"
    assert decode_call("0x095ea7b3" + "00" * 10) is None  # truncated arguments: not decoded
    assert lines(desc)["action"] == "Unknown contract call" and "cannot decode" in lines(desc)["WARNING"]


def test_permit2_single_is_spelled_out() -> None:
    typed = {
        "types": {
            "PermitSingle": [
                {"name": "details", "type": "PermitDetails"},
                {"name": "spender", "type": "address"},
                {"name": "sigDeadline", "type": "uint256"},
            ],
            "PermitDetails": [
                {"name": "token", "type": "address"},
                {"name": "amount", "type": "uint160"},
                {"name": "expiration", "type": "uint48"},
                {"name": "nonce", "type": "uint48"},
            ],
        },
        "primaryType": "PermitSingle",
        "domain": {"name": "Permit2", "chainId": 1, "verifyingContract": "0x" + "33" * 20},
        "message": {
            "details": {"token": TOKEN, "amount": str(2**160 - 1), "expiration": 1893456000, "nonce": 0},
            "spender": SPENDER,
            "sigDeadline": 1893456000,
        },
    }
    rows = _flatten(typed["types"], "PermitSingle", typed["message"])
    assert [r[0] for r in rows] == [
        "details.token",
        "details.amount",
        "details.expiration",
        "details.nonce",
        "spender",
        "sigDeadline",
    ]
    desc = build_typed(typed, rows, PARTIES, {TOKEN.lower(): MFT})
    assert desc["action"] == "permit" and desc["headline"] == "Permit 0x5aAe…eAed to spend all your MFT"
    assert _row(desc, "Allowance")["amount"]["formatted"] == "Unlimited"
    assert _row(desc, "Expires")["date"]["text"] == "2030-01-01 00:00 UTC"
    assert desc["warnings"][0]["level"] == "danger" and desc["domain"]["name"] == "Permit2"
