"""Calldata read back into a function call, from the ABIs the project ships (no I/O, no web3).

    call = decode_call("0x095ea7b3...")
    call.name, call.signature, call.args      # "approve", "approve(address,uint256)", {"spender": ...}

Known: ERC-20 (transfer, approve, transferFrom, increase/decreaseAllowance), WETH deposit and
withdraw, ERC-721/1155 approvals and transfers, every state-changing Uniswap V2 router function.
`known_signature(selector)` names a few more selectors the wallet cannot decode argument by
argument, so that unknown calldata at least says what it probably is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["DecodedCall", "decode_call", "encode_call", "known_signature", "selector_of"]


def _fn(name: str, *inputs: tuple[str, str], payable: bool = False) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "stateMutability": "payable" if payable else "nonpayable",
        "inputs": [{"name": n, "type": t} for n, t in inputs],
    }


# Standard functions the compiled artifacts do not carry. transferFrom/approve of ERC-721 share
# their selectors with ERC-20's: which one it is depends on the contract, decided when described.
_EXTRA_ABI = [
    _fn("increaseAllowance", ("spender", "address"), ("addedValue", "uint256")),
    _fn("decreaseAllowance", ("spender", "address"), ("subtractedValue", "uint256")),
    _fn("setApprovalForAll", ("operator", "address"), ("approved", "bool")),
    _fn("safeTransferFrom", ("from", "address"), ("to", "address"), ("tokenId", "uint256")),
    _fn("safeTransferFrom", ("from", "address"), ("to", "address"), ("tokenId", "uint256"), ("data", "bytes")),
    _fn(
        "safeTransferFrom",
        ("from", "address"),
        ("to", "address"),
        ("id", "uint256"),
        ("amount", "uint256"),
        ("data", "bytes"),
    ),
    _fn(
        "safeBatchTransferFrom",
        ("from", "address"),
        ("to", "address"),
        ("ids", "uint256[]"),
        ("amounts", "uint256[]"),
        ("data", "bytes"),
    ),
]

# Selectors recognised by name only (popular calls whose effect the wallet cannot spell out).
_SIGNATURES_ONLY = (
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
    "multicall(bytes[])",
    "multicall(uint256,bytes[])",
    "execute(bytes,bytes[],uint256)",
    "execute(bytes,bytes[])",
    "mint(address,uint256)",
    "burn(uint256)",
    "transferOwnership(address)",
    "renounceOwnership()",
    "setValue(uint256)",
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
    "approve(address,address,uint160,uint48)",
)

_ARTIFACTS = ("MFT", "WETH9", "UniswapV2Router02")

# Standard calls get standard argument names, whatever a contract's source called them
# (WETH9 says `guy`/`wad`, OpenZeppelin `spender`/`value`).
_STANDARD_NAMES = {
    "transfer(address,uint256)": ("to", "amount"),
    "approve(address,uint256)": ("spender", "amount"),
    "transferFrom(address,address,uint256)": ("from", "to", "amount"),
    "withdraw(uint256)": ("wad",),
}


@dataclass(frozen=True)
class DecodedCall:
    name: str
    signature: str
    selector: str  # "0x" + 8 hex digits
    args: dict[str, Any]  # by parameter name, in ABI order; addresses checksummed, bytes as 0x-hex


def _signature(fn: dict[str, Any]) -> str:
    return f"{fn['name']}({','.join(_canonical(i) for i in fn['inputs'])})"


def _canonical(param: dict[str, Any]) -> str:
    t = str(param["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param.get("components", [])) + ")" + t[5:]
    return t


def selector_of(signature: str) -> str:
    from eth_utils import function_signature_to_4byte_selector

    return "0x" + bytes(function_signature_to_4byte_selector(signature)).hex()


@cache
def _table() -> dict[str, dict[str, Any]]:
    """selector -> ABI fragment; the first ABI that declares a selector wins (ERC-20 over 721)."""
    from ..chain.contracts import abi_of

    fragments: list[dict[str, Any]] = []
    for name in _ARTIFACTS:
        fragments += [f for f in abi_of(name) if f.get("type") == "function"]
    fragments += _EXTRA_ABI
    table: dict[str, dict[str, Any]] = {}
    for f in fragments:
        if f.get("stateMutability") in ("view", "pure"):
            continue
        table.setdefault(selector_of(_signature(f)), f)
    return table


@cache
def _names_only() -> dict[str, str]:
    return {selector_of(s): s for s in _SIGNATURES_ONLY}


def known_signature(selector: str) -> str | None:
    """The text signature of a selector the project knows, decodable or not."""
    sel = selector.lower()
    fn = _table().get(sel)
    return _signature(fn) if fn else _names_only().get(sel)


def _plain(value: Any, abi_type: str) -> Any:
    from .addresses import to_checksum_address

    if isinstance(value, (list, tuple)):
        inner = abi_type[: abi_type.rindex("[")] if abi_type.endswith("]") else abi_type
        return [_plain(v, inner) for v in value]
    if abi_type == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def decode_call(data: str | bytes | None) -> DecodedCall | None:
    """The call `data` makes, when its selector is known and its arguments decode; else None."""
    raw = _bytes(data)
    if raw is None or len(raw) < 4:
        return None
    sel = "0x" + raw[:4].hex()
    fn = _table().get(sel)
    if fn is None:
        return None
    from eth_abi import decode

    types = [_canonical(i) for i in fn["inputs"]]
    try:
        values = decode(types, raw[4:], strict=False)
    except Exception:  # noqa: BLE001 - truncated or malformed arguments: not this call after all
        return None
    sig = _signature(fn)
    names = _STANDARD_NAMES.get(sig) or [i["name"] or f"arg{n}" for n, i in enumerate(fn["inputs"])]
    args = {name: _plain(v, t) for name, v, t in zip(names, values, types, strict=True)}
    return DecodedCall(str(fn["name"]), sig, sel, args)


def encode_call(signature: str, args: list[Any]) -> str:
    """0x-hex calldata for `signature` (e.g. "approve(address,uint256)") and its arguments."""
    from eth_abi import encode

    types = signature[signature.index("(") + 1 : -1].split(",") if not signature.endswith("()") else []
    return selector_of(signature) + encode(types, args).hex()


def selector(data: str | bytes | None) -> str | None:
    raw = _bytes(data)
    return None if raw is None or len(raw) < 4 else "0x" + raw[:4].hex()


def _bytes(data: str | bytes | None) -> bytes | None:
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    text = data[2:] if data[:2] in ("0x", "0X") else data
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None
