"""EIP-712 typed-data hashing, byte for byte what MetaMask signs (@metamask/eth-sig-util v4/v3).

A dapp checks a signature on chain or on its server with the hash MetaMask computes, so this
module follows eth-sig-util's `TypedDataUtils.eip712Hash` exactly where it is sound:

- the domain separator is hashed with the `EIP712Domain` type the dapp *declared* (its field
  order and types), or an empty `EIP712Domain()` when `types` has none; domain keys the type
  does not list are ignored;
- `encodeType` lists the primary type, then its dependencies sorted; unused types are allowed;
- v4: a `null` or missing struct field hashes as 32 zero bytes, a `null` string as keccak("");
- integers are read as JavaScript's `BigInt()` reads them ("0X1F", "0b101", " 12 ", 1e+21);
- hex is `0x`/`0X` + digits, odd lengths get a leading zero; `bytes` that are not hex are UTF-8.

Where eth-sig-util signs something a contract would never compute, or reads a value in a way
the user would not expect, this module refuses with a message naming the field (the reasons are
written beside each check, and tests/integration/wallet/test_signatures_metamask.py lists them):
booleans must be JSON booleans (JS truthiness signs "false" as true); integers must fit their
declared size; `bytesN` takes at most N bytes; addresses are 20 bytes of hex; fixed-size arrays
have their declared length; numbers are not accepted for strings, bytes or addresses.

Every refusal is a `TypedDataError` (JSON-RPC -32602). Nothing here does I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from eth_utils import keccak

from .. import errors as E

__all__ = ["TypedDataError", "hash_typed_data", "loads_js", "parse_typed_data", "to_bigint"]

ZERO32 = bytes(32)
MAX_DEPTH = 64  # nesting of structs and arrays; deeper data is refused before Python's stack is

_MISSING: Any = object()  # a key absent from the message (JavaScript's `undefined`)

_UINT = re.compile(
    r"^(u?)int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184"
    r"|192|200|208|216|224|232|240|248|256)?$"
)
_BYTES_N = re.compile(r"^bytes([1-9]|[12][0-9]|3[0-2])$")
_STRICT_HEX = re.compile(r"^0[xX][0-9a-fA-F]+$")
_WORD_PREFIX = re.compile(r"^[A-Za-z0-9_]*")  # JavaScript's /^\w*/u: ASCII word characters
# JavaScript's StrWhiteSpaceChar: what BigInt(" 12 ") trims
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SAFE_INT = 2**53


class TypedDataError(E.InvalidParams):
    """Malformed or refused typed data; the message names the field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"typed data: '{where}' {problem}"[:300])


# -- JSON and numbers as JavaScript sees them ---------------------------------------------------


def _js_int(text: str) -> int | float:
    """JSON.parse reads every number as a double: a literal beyond 2^53 is rounded the same way."""
    value = int(text)
    return value if abs(value) <= _SAFE_INT else float(text)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_js(text: str) -> Any:
    """Parse JSON the way a dapp's JSON.parse does (numbers as doubles, no NaN)."""
    return json.loads(text, parse_int=_js_int, parse_constant=_no_constants)


def to_bigint(value: Any, where: str) -> int:
    """A value read as JavaScript's BigInt() reads it: integers, integral doubles, and strings in
    decimal (signed) or 0x/0o/0b form, surrounding whitespace ignored."""
    if isinstance(value, bool):  # BigInt(true) is 1n, but a flag is not an amount
        raise TypedDataError(where, "must be a number or a numeric string, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise TypedDataError(where, f"must be a whole number (got {value!r})")
        return int(value)
    if not isinstance(value, str):
        raise TypedDataError(where, "must be a number or a numeric string")
    text = value.strip(_JS_SPACE)
    if not text:  # BigInt("") is 0n: a blank amount would be signed as zero
        raise TypedDataError(where, "is empty (MetaMask would sign it as 0; write the number)")
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text, 10)
    for prefix, base, digits in (("0x", 16, "0-9a-fA-F"), ("0o", 8, "0-7"), ("0b", 2, "01")):
        if text[:2].lower() == prefix and re.fullmatch(f"[{digits}]+", text[2:]):
            return int(text[2:], base)
    raise TypedDataError(where, f"is not a number: {value[:40]!r}")


def _utf8(text: str) -> bytes:
    """UTF-8 as TextEncoder writes it: a lone UTF-16 surrogate becomes U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")


def _hex_bytes(text: str) -> bytes:
    """0x/0X hex to bytes, an odd number of digits padded with a leading zero (@metamask/utils)."""
    digits = text[2:]
    return bytes.fromhex(digits if len(digits) % 2 == 0 else "0" + digits)


# -- the typed-data object ----------------------------------------------------------------------


def parse_typed_data(raw: Any) -> dict[str, Any]:
    """The typed-data parameter (an object, or its JSON text) checked against eth-sig-util's
    TYPED_MESSAGE_SCHEMA, as MetaMask checks it before hashing."""
    data = raw
    if isinstance(raw, str):
        try:
            data = loads_js(raw)
        except (ValueError, RecursionError):
            raise E.InvalidParams("typed data is not valid JSON") from None
    if not isinstance(data, dict):
        raise E.InvalidParams("typed data must be an object (or its JSON text)")
    for key in ("types", "primaryType", "domain", "message"):
        if key not in data:
            raise TypedDataError(key, "is missing (typed data needs types, primaryType, domain and message)")
    types = data["types"]
    if not isinstance(types, dict):
        raise TypedDataError("types", "must be an object")
    for name, fields in types.items():
        if not isinstance(fields, list):
            raise TypedDataError(f"types.{name}", "must be a list of {name, type}")
        for i, f in enumerate(fields):
            if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not isinstance(f.get("type"), str):
                raise TypedDataError(f"types.{name}[{i}]", "must be {name: string, type: string}")
    if not isinstance(data["primaryType"], str) or not data["primaryType"]:
        raise TypedDataError("primaryType", "must be a type name")
    for key in ("domain", "message"):
        if not isinstance(data[key], dict):
            raise TypedDataError(key, "must be an object")
    return data


def hash_typed_data(data: Mapping[str, Any], version: str = "V4") -> bytes:
    """The 32-byte EIP-712 digest MetaMask signs for `eth_signTypedData_v4` (or `_v3`)."""
    if version not in ("V3", "V4"):
        raise ValueError(version)
    enc = _Encoder(version == "V4")
    types = {"EIP712Domain": [], **data["types"]}  # eth-sig-util's sanitizeData: an empty domain type
    domain_hash = keccak(enc.struct("domain", "EIP712Domain", data["domain"], {"EIP712Domain": types["EIP712Domain"]}))
    parts = b"\x19\x01" + domain_hash
    primary = data["primaryType"]
    if primary != "EIP712Domain":
        if primary not in types:
            raise TypedDataError("primaryType", f"names no type in 'types': {primary[:60]!r}")
        parts += keccak(enc.struct("message", primary, data["message"], types))
    return keccak(parts)


def encode_type(primary: str, types: Mapping[str, Any]) -> str:
    """`Primary(t1 n1,...)Dep1(...)...`, dependencies sorted (eth-sig-util's encodeType)."""
    deps = _dependencies(primary, types, [])
    ordered = [primary] + sorted(d for d in dict.fromkeys(deps) if d != primary)
    out = []
    for name in ordered:
        if name not in types:
            raise TypedDataError(f"types.{name}", "is used but not defined")
        out.append(f"{name}({','.join(f['type'] + ' ' + f['name'] for f in types[name])})")
    return "".join(out)


def _dependencies(type_name: str, types: Mapping[str, Any], found: list[str]) -> list[str]:
    base = _WORD_PREFIX.match(type_name).group(0)  # type: ignore[union-attr]  # always matches
    if base in found or base not in types:
        return found
    found.append(base)
    for f in types[base]:
        _dependencies(f["type"], types, found)
    return found


class _Encoder:
    def __init__(self, v4: bool) -> None:
        self.v4 = v4
        self._type_hashes: dict[tuple[int, str], bytes] = {}

    def type_hash(self, name: str, types: Mapping[str, Any]) -> bytes:
        key = (id(types), name)
        if key not in self._type_hashes:
            self._type_hashes[key] = keccak(_utf8(encode_type(name, types)))
        return self._type_hashes[key]

    def struct(self, where: str, name: str, data: Any, types: Mapping[str, Any], depth: int = 0) -> bytes:
        """encodeData: the type hash, then one 32-byte word per declared field."""
        if depth > MAX_DEPTH:
            raise TypedDataError(where, f"is nested deeper than {MAX_DEPTH} levels")
        if not isinstance(data, dict):
            raise TypedDataError(where, f"must be an object of type {name}")
        words = [self.type_hash(name, types)]
        for f in types[name]:
            value = data.get(f["name"], _MISSING)
            if value is _MISSING and not self.v4:
                # v3 leaves a missing field out of the hash, a hash no contract computes
                raise TypedDataError(f"{where}.{f['name']}", f"is missing (type {f['type']})")
            words.append(self.field(f"{where}.{f['name']}", f["type"], value, types, depth + 1))
        return b"".join(words)

    def field(self, where: str, typ: str, value: Any, types: Mapping[str, Any], depth: int) -> bytes:
        """encodeField: one 32-byte word for a value of type `typ`."""
        if typ in types:
            if value is None or value is _MISSING:
                if self.v4:
                    return ZERO32  # eth-sig-util v4: an absent struct hashes as zero
                raise TypedDataError(where, f"is missing (type {typ})")
            return keccak(self.struct(where, typ, value, types, depth))
        if typ.endswith("]"):
            return self._array(where, typ, value, types, depth)
        if value is _MISSING:
            raise TypedDataError(where, f"is missing (type {typ})")
        return _atomic(where, typ, value)

    def _array(self, where: str, typ: str, value: Any, types: Mapping[str, Any], depth: int) -> bytes:
        if not self.v4:
            raise TypedDataError(where, "is an array: arrays need eth_signTypedData_v4")
        cut = typ.rfind("[")
        size = typ[cut + 1 : -1]
        if cut <= 0 or not (size == "" or re.fullmatch(r"[1-9][0-9]*", size)):
            raise TypedDataError(where, f"has a malformed array type {typ[:60]!r}")
        if value is _MISSING or not isinstance(value, list):
            raise TypedDataError(where, f"must be an array ({typ})")
        if size and len(value) != int(size):  # eth-sig-util does not check; a contract's T[n] has n items
            raise TypedDataError(where, f"must have {size} items, not {len(value)}")
        if depth > MAX_DEPTH:
            raise TypedDataError(where, f"is nested deeper than {MAX_DEPTH} levels")
        inner = typ[:cut]
        return keccak(b"".join(self.field(f"{where}[{i}]", inner, v, types, depth + 1) for i, v in enumerate(value)))


def _atomic(where: str, typ: str, value: Any) -> bytes:
    if typ == "string":
        if value is None:
            return keccak(b"")  # eth-sig-util: `value ?? ''`
        if not isinstance(value, str):  # a number would be hashed as its big-endian bytes, not its text
            raise TypedDataError(where, "must be a string")
        return keccak(_utf8(value))
    if typ == "bytes":
        return keccak(_dynamic_bytes(where, value))
    if typ == "address":
        return _address(where, value)
    if typ == "bool":
        if not isinstance(value, bool):  # eth-sig-util's Boolean(value) would sign "false" as true
            raise TypedDataError(where, "must be true or false")
        return int(value).to_bytes(32, "big")
    m = _BYTES_N.match(typ)
    if m:
        return _fixed_bytes(where, int(m.group(1)), value)
    m = _UINT.match(typ)
    if m:
        return _integer(where, typ, not m.group(1), int(m.group(2) or 256), value)
    raise TypedDataError(where, f"has an unknown type {typ[:60]!r}")


def _dynamic_bytes(where: str, value: Any) -> bytes:
    if not isinstance(value, str):  # null would be hashed as nothing, a number as its bytes
        raise TypedDataError(where, "must be 0x-hex (or text)")
    if value == "0x":
        return b""
    if _STRICT_HEX.match(value):
        return _hex_bytes(value)
    return _utf8(value)  # eth-sig-util hashes any other string as its UTF-8 bytes


def _fixed_bytes(where: str, size: int, value: Any) -> bytes:
    if not isinstance(value, str):  # a number would be written big-endian and right-padded
        raise TypedDataError(where, f"must be 0x-hex of at most {size} bytes")
    if value.lower() == "0x":
        raw = b""
    elif _STRICT_HEX.match(value):
        raw = _hex_bytes(value)
    else:
        raise TypedDataError(where, f"must be 0x-hex of at most {size} bytes")
    if len(raw) > size:  # eth-sig-util accepts up to 32 bytes for every bytesN
        raise TypedDataError(where, f"has {len(raw)} bytes, more than bytes{size} holds")
    return raw.ljust(32, b"\0")


def _address(where: str, value: Any) -> bytes:
    # eth-sig-util pads short hex and reads non-hex strings as decimal digits: refuse both
    if not isinstance(value, str) or not _STRICT_HEX.match(value) or len(value) != 42:
        raise TypedDataError(where, "must be a 0x address of 20 bytes")
    return bytes(12) + bytes.fromhex(value[2:])


def _integer(where: str, typ: str, signed: bool, bits: int, value: Any) -> bytes:
    if value is None:
        raise TypedDataError(where, f"is null (type {typ})")
    n = to_bigint(value, where)
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if not low <= n <= high:  # eth-sig-util lets intN reach 2^N-1 (it encodes as uint256)
        raise TypedDataError(where, f"is out of range for {typ}")
    return n.to_bytes(32, "big", signed=True) if n < 0 else n.to_bytes(32, "big")
