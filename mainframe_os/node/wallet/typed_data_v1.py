"""MetaMask's `eth_signTypedData` (v1): the early EIP-712 draft, a list of {type, name, value},
hashed as eth-sig-util's `typedSignatureHash`:

    keccak( keccak(concat("type name" ...)) || keccak(encodePacked(types, values)) )

Only atomic types are taken (`string`, `bytes`, `bytesN`, `address`, `bool`, `uintN`, `intN`);
arrays are refused, as are the values eth-sig-util would wrap or truncate (a negative JS number
for a uint becomes its absolute value there, a too-long `bytesN` is cut). Errors are -32602.
"""

from __future__ import annotations

import re
from typing import Any

from eth_utils import keccak

from .eip712 import _STRICT_HEX, _UINT, TypedDataError, _hex_bytes, _utf8, to_bigint

_BYTES_N = re.compile(r"^bytes([1-9]|[12][0-9]|3[0-2])$")
_LEGACY_HEX = re.compile(r"^0x[0-9A-Fa-f]*$")


def hash_typed_data_v1(data: Any) -> bytes:
    """The 32-byte digest MetaMask signs for eth_signTypedData (v1)."""
    if not isinstance(data, list) or not data:
        raise TypedDataError("typedData", "must be a non-empty list of {type, name, value}")
    schema, values = b"", b""
    for i, entry in enumerate(data):
        where = f"typedData[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str) or not entry.get("name"):
            raise TypedDataError(where, "must be {type, name, value} with a name")
        if not isinstance(entry["name"], str):
            raise TypedDataError(f"{where}.name", "must be a string")
        if "value" not in entry:
            raise TypedDataError(f"{where}.value", "is missing")
        schema += _utf8(f"{entry['type']} {entry['name']}")
        values += _packed(f"{where}.value", entry["type"], entry["value"])
    return keccak(keccak(schema) + keccak(values))


def _packed(where: str, typ: str, value: Any) -> bytes:
    if typ == "string":
        if not isinstance(value, str):
            raise TypedDataError(where, "must be a string")
        return _utf8(value)
    if typ == "bytes":
        if not isinstance(value, str):
            raise TypedDataError(where, "must be 0x-hex (or text)")
        return _hex_bytes(value) if _LEGACY_HEX.match(value) else _utf8(value)  # eth-sig-util's legacyToBuffer
    if typ == "bool":
        if not isinstance(value, bool):
            raise TypedDataError(where, "must be true or false")
        return b"\x01" if value else b"\x00"
    if typ == "address":
        if not isinstance(value, str) or not _STRICT_HEX.match(value) or len(value) != 42:
            raise TypedDataError(where, "must be a 0x address of 20 bytes")
        return bytes.fromhex(value[2:])
    m = _BYTES_N.match(typ)
    if m:
        size = int(m.group(1))
        if not isinstance(value, str) or not (_STRICT_HEX.match(value) or value.lower() == "0x"):
            raise TypedDataError(where, f"must be 0x-hex of at most {size} bytes")
        raw = b"" if value.lower() == "0x" else _hex_bytes(value)
        if len(raw) > size:
            raise TypedDataError(where, f"has {len(raw)} bytes, more than bytes{size} holds")
        return raw.ljust(size, b"\0")
    m = _UINT.match(typ)
    if m:
        signed, bits = not m.group(1), int(m.group(2) or 256)
        n = to_bigint(value, where)
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        if not low <= n <= high:
            raise TypedDataError(where, f"is out of range for {typ}")
        return n.to_bytes(bits // 8, "big", signed=signed)
    raise TypedDataError(where, f"has a type eth_signTypedData (v1) does not take here: {typ[:60]!r}")
