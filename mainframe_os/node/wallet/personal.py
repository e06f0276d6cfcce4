"""personal_sign's message bytes and parameter order, as MetaMask reads them.

MetaMask's signature controller turns the message into bytes before eth-sig-util signs it
(`normalizeMessageData`): strip a `0x`/`0X` prefix; if what is left is one or more hex digits,
the message is those bytes (an odd count gets a leading zero: "0x123" is 0x0123, and "1234"
without a prefix is 0x1234 too); anything else ("0x12 34", "0x1234\\n", "hello") is the UTF-8
text as typed. `personal_ecRecover` reads its message with eth-sig-util's older rule
(`legacyToBuffer`: hex only with a lowercase `0x` prefix), so the two are kept apart here.
"""

from __future__ import annotations

import re
from typing import Any

from .. import errors as E
from .eip712 import _utf8

_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]+")
_LEGACY_HEX = re.compile(r"0x[0-9A-Fa-f]*")
_ADDRESS = re.compile(r"0x[0-9A-Fa-f]{40}")


def _padded_hex(digits: str) -> bytes:
    return bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits)


def personal_message_bytes(message: Any) -> bytes:
    """The bytes personal_sign signs for `message` (MetaMask's normalizeMessageData)."""
    if not isinstance(message, str) or not message:
        raise E.InvalidParams("personal_sign: 'message' must be a non-empty string (0x-hex or text)")
    stripped = message[2:] if message[:2] in ("0x", "0X") else message
    if _HEX_DIGITS.fullmatch(stripped):  # fullmatch: "0x1234\n" is text, as in JavaScript
        return _padded_hex(stripped)
    return _utf8(message)


def recover_message_bytes(message: Any) -> bytes:
    """The bytes personal_ecRecover checks a signature against (eth-sig-util's legacyToBuffer)."""
    if not isinstance(message, str):
        raise E.InvalidParams("personal_ecRecover: 'message' must be a string (0x-hex or text)")
    if _LEGACY_HEX.fullmatch(message):
        return _padded_hex(message[2:])
    return _utf8(message)


def resembles_address(value: Any) -> bool:
    """eth-json-rpc-middleware's resemblesAddress: 40 hex digits, with or without 0x."""
    if not isinstance(value, str):
        return False
    return bool(_ADDRESS.fullmatch(value if value.startswith("0x") else "0x" + value))


def message_and_address(params: list[Any]) -> tuple[Any, Any]:
    """[message, address]; MetaMask also takes [address, message] when that order is unmistakable
    (the first is an address and the second is not)."""
    if len(params) < 2:
        raise E.InvalidParams("personal_sign takes [message, address]")
    first, second = params[0], params[1]
    if resembles_address(first) and not resembles_address(second):
        return second, first
    return first, second
