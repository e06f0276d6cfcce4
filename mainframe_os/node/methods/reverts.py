"""A reverted call's revert bytes, for the `data` of its JSON-RPC error (code 3).

ethers (`staticCall`, `estimateGas`), viem and web3.js decode `data` themselves: `Error(string)`,
`Panic(uint256)` and the contract's custom errors. The embedded chain (web3's eth-tester
provider) hands the node only a message: "execution reverted: <reason>" when the bytes were an
`Error(string)`, or "execution reverted: b'...'" (Python's repr of the bytes) otherwise. Both are
turned back into the exact bytes: an `Error(string)` encoding is canonical for its string.
"""

from __future__ import annotations

import ast
from typing import Any

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # keccak("Error(string)")[:4]
_PREFIX = "execution reverted"


def encode_error_string(reason: str) -> bytes:
    from eth_abi import encode

    return ERROR_STRING_SELECTOR + encode(["string"], [reason])


def revert_data(message: str, data: Any = None) -> str:
    """The 0x-hex revert bytes of a reverted call ("0x" when it reverted without data)."""
    if isinstance(data, (bytes, bytearray)):
        return "0x" + bytes(data).hex()
    if isinstance(data, str) and data.startswith("0x"):
        return data
    rest = message[len(_PREFIX) :] if message.startswith(_PREFIX) else message
    rest = rest[2:] if rest.startswith(": ") else rest.lstrip(":").strip()
    if not rest:
        return "0x"
    if rest.startswith(("b'", 'b"')):
        try:
            raw = ast.literal_eval(rest)
        except (ValueError, SyntaxError):
            raw = None
        if isinstance(raw, bytes):
            return "0x" + raw.hex()
    return "0x" + encode_error_string(rest).hex()
