"""Signature cases compared with MetaMask's @metamask/eth-sig-util: the EIP-712 spec example, the
payloads of issue 16, refusals, and a seeded generator of random typed data.

A case either matches (node and eth-sig-util sign the same bytes), or the node refuses it with
-32602. A refusal carries `stricter` when eth-sig-util would sign it: the reason the node refuses
anyway is written there (the test checks that eth-sig-util does sign those, so no reason goes stale).
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import Any

MAIL_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
    "Mail": [
        {"name": "from", "type": "Person"},
        {"name": "to", "type": "Person"},
        {"name": "contents", "type": "string"},
    ],
}
SPEC_MAIL = {
    "types": MAIL_TYPES,
    "primaryType": "Mail",
    "domain": {
        "name": "Ether Mail",
        "version": "1",
        "chainId": 1,
        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
    },
    "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!",
    },
}
# EIP-712's own test vector for SPEC_MAIL
SPEC_MAIL_DIGEST = "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"

ADDR = "0x" + "ab" * 20
SCHEMA = "MetaMask's own schema check (TYPED_MESSAGE_SCHEMA) refuses this before eth-sig-util hashes it"


@dataclass
class Case:
    name: str
    kind: str  # "v4" | "v3" | "v1" | "personal" | "personal_swapped"
    data: Any  # typed data (sent as JSON text to both) or the personal_sign message
    stricter: str | None = None  # eth-sig-util signs it; why the node refuses
    refused: bool = False  # both refuse (MetaMask refuses too)

    def text(self) -> str:
        return self.data if isinstance(self.data, str) else json.dumps(self.data)


def _mail(chain: int) -> dict[str, Any]:
    d = copy.deepcopy(SPEC_MAIL)
    d["domain"]["chainId"] = chain
    return d


def _one(chain: int, typ: str, value: Any, *, missing: bool = False) -> dict[str, Any]:
    """A one-field message of type `typ` (the field left out when `missing`)."""
    return {
        "types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"}], "T": [{"name": "v", "type": typ}]},
        "primaryType": "T",
        "domain": {"chainId": chain},
        "message": {} if missing else {"v": value},
    }


def handmade_cases(chain: int) -> list[Case]:
    m = _mail
    cases: list[Case] = [Case("spec Mail", "v4", m(chain)), Case("spec Mail v3", "v3", m(chain))]

    def domain_case(name: str, fields: list[tuple[str, str]], domain: dict[str, Any]) -> Case:
        d = m(chain)
        d["types"] = {**d["types"], "EIP712Domain": [{"name": n, "type": t} for n, t in fields]}
        d["domain"] = domain
        return Case(name, "v4", d)

    cases += [
        domain_case(
            "domain declared (chainId,name,version)",
            [("chainId", "uint256"), ("name", "string"), ("version", "string")],
            {"name": "X", "version": "1", "chainId": chain},
        ),
        domain_case(
            "domain declared (salt,name)",
            [("salt", "bytes32"), ("name", "string")],
            {"name": "X", "salt": "0x" + "01" * 32},
        ),
        domain_case(
            "domain chainId as uint64", [("name", "string"), ("chainId", "uint64")], {"name": "X", "chainId": chain}
        ),
        domain_case(
            "domain version as uint256", [("name", "string"), ("version", "uint256")], {"name": "X", "version": "2"}
        ),
        domain_case("domain keys the type lacks", [("name", "string")], {"name": "X", "extra": 5, "chainId": chain}),
        domain_case("domain chainId as hex string", [("chainId", "uint256")], {"chainId": hex(chain)}),
        domain_case("domain chainId as decimal string", [("chainId", "uint256")], {"chainId": str(chain)}),
    ]
    no_domain_type = m(chain)
    no_domain_type["types"] = {k: v for k, v in no_domain_type["types"].items() if k != "EIP712Domain"}
    cases.append(Case("EIP712Domain absent from types", "v4", no_domain_type))
    domain_only = m(chain)
    domain_only["primaryType"] = "EIP712Domain"
    cases.append(Case("primaryType EIP712Domain", "v4", domain_only))

    null_string = m(chain)
    null_string["message"]["contents"] = None
    cases.append(Case("null string hashes as keccak('')", "v4", null_string))
    unused = m(chain)
    unused["types"] = {**unused["types"], "Unused": [{"name": "x", "type": "uint8"}]}
    cases.append(Case("unused type listed", "v4", unused))
    two_roots = m(chain)
    two_roots["types"] = {**two_roots["types"], "Other": [{"name": "p", "type": "Person"}]}
    cases.append(Case("two root types", "v4", two_roots))
    dep_primary = m(chain)
    dep_primary["primaryType"] = "Person"
    dep_primary["message"] = {"name": "Cow", "wallet": ADDR}
    cases.append(Case("primaryType another type depends on", "v4", dep_primary))
    missing_struct = m(chain)
    del missing_struct["message"]["to"]
    cases.append(Case("missing struct field hashes as zero (v4)", "v4", missing_struct))
    cases.append(
        Case(
            "missing struct field (v3)",
            "v3",
            missing_struct,
            stricter="eth-sig-util v3 leaves the field out of the hash, which no contract computes",
        )
    )

    one = lambda typ, value, **kw: _one(chain, typ, value, **kw)  # noqa: E731
    ok = [
        ("uint256 1e+21 (a JS number)", "uint256", 1e21),
        ("uint256 1.2345678901234568e+29", "uint256", 1.2345678901234568e29),
        ("uint hex 0X1F", "uint256", "0X1F"),
        ("uint hex 0x1f", "uint", "0x1f"),
        ("uint decimal string", "uint64", "18446744073709551615"),
        ("uint with spaces", "uint32", " 12 "),
        ("uint 0b101", "uint8", "0b101"),
        ("uint 0o17", "uint8", "0o17"),
        ("uint +5", "uint8", "+5"),
        ("int8 min", "int8", -128),
        ("int8 max", "int8", 127),
        ("int256 min string", "int256", str(-(2**255))),
        ("int hex", "int64", "0x10"),
        ("bytes32 0X hex", "bytes32", "0X" + "ab" * 32),
        ("bytes4 short (right-padded)", "bytes4", "0x1234"),
        ("bytes4 0x", "bytes4", "0x"),
        ("bytes2 odd hex", "bytes2", "0x123"),
        ("bytes odd hex", "bytes", "0x123"),
        ("bytes empty 0x", "bytes", "0x"),
        ("bytes as text", "bytes", "hello"),
        ("address 0X", "address", "0X" + "ab" * 20),
        ("address checksummed", "address", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"),
        ("string emoji", "string", "gm \U0001f600 \u4e16\u754c"),
        ("string lone surrogate", "string", "a\ud800b"),
        ("string empty", "string", ""),
        ("bool true", "bool", True),
        ("bool false", "bool", False),
        ("uint8[3] fixed", "uint8[3]", [1, 2, 3]),
        ("uint256[][] nested", "uint256[][]", [[1, 2], [], ["0x3"]]),
        ("string[2][] nested", "string[2][]", [["a", "b"], ["c", None]]),
        ("address[] empty", "address[]", []),
    ]
    cases += [Case(n, "v4", one(t, v)) for n, t, v in ok]

    both_refuse = [
        ("bytes8 given text", "bytes8", "hello"),
        ("uint with underscore", "uint256", "1_000"),
        ("uint in Arabic-Indic digits", "uint256", "\u0661\u0662\u0663"),
        ("null bytes", "bytes", None),
        ("uint negative", "uint256", "-1"),
        ("uint256 1.5", "uint256", 1.5),
        ("uint8 256", "uint8", 256),
        ("unknown type", "Foo", 1),
        ("uint7", "uint7", 1),
        ("function type", "function", "0x" + "00" * 24),
        ("uint null", "uint256", None),
        ("array given a string", "uint8[]", "abc"),
        ("array null", "uint8[]", None),
    ]
    cases += [Case(n, "v4", one(t, v), refused=True) for n, t, v in both_refuse]
    cases += [
        Case("missing string field", "v4", one("string", None, missing=True), refused=True),
        Case("missing bytes field", "v4", one("bytes", None, missing=True), refused=True),
        Case("missing uint field", "v4", one("uint256", None, missing=True), refused=True),
        Case("array in v3", "v3", one("uint8[]", [1]), refused=True),
    ]

    truthy = 'eth-sig-util reads a bool with JavaScript truthiness (it would sign "false" and "0x0" as true)'
    stricter = [
        ("bool 1", "bool", 1, truthy),
        ("bool 0", "bool", 0, truthy),
        ("bool 'False'", "bool", "False", truthy),
        ("bool 'yes'", "bool", "yes", truthy),
        ("bool 'false'", "bool", "false", truthy),
        ("bool null", "bool", None, truthy),
        ("int8 out of range", "int8", 200, "eth-sig-util lets intN reach 2^N-1 and encodes it as uint256"),
        ("int8 too negative", "int8", -200, "eth-sig-util lets intN reach -(2^N-1)"),
        ("bytes4 given 8 bytes", "bytes4", "0x" + "11" * 8, "eth-sig-util takes up to 32 bytes for any bytesN"),
        ("address padded from 0x1234", "address", "0x1234", "eth-sig-util left-pads a short address"),
        ("address as text", "address", "hello", "eth-sig-util reads a non-hex address as decimal digits"),
        ("address as number", "address", 5, "an address is 20 bytes of hex, not a number"),
        ("string as number", "string", 5, "eth-sig-util hashes a number's big-endian bytes, not its text"),
        ("bytes as number", "bytes", 5, "eth-sig-util hashes a number's big-endian bytes"),
        ("bytes32 as number", "bytes32", 1, "eth-sig-util writes the number's bytes left-aligned"),
        ("uint empty string", "uint256", "", "BigInt('') is 0: a blank amount would be signed as zero"),
        ("int true", "int256", True, "BigInt(true) is 1: a flag is not an amount"),
        ("bytes33 type", "bytes33", "0x01", "bytes33 is not a Solidity type; eth-sig-util treats it as bytes32"),
        ("uint8[2] given 3 items", "uint8[2]", [1, 2, 3], "eth-sig-util ignores a fixed array's declared length"),
    ]
    cases += [Case(n, "v4", one(t, v), stricter=r) for n, t, v, r in stricter]

    deep: dict[str, Any] = {"next": None}
    for _ in range(70):
        deep = {"next": deep}
    cases.append(
        Case(
            "recursive struct nested 70 deep",
            "v4",
            {
                "types": {"EIP712Domain": [], "Node": [{"name": "next", "type": "Node"}]},
                "primaryType": "Node",
                "domain": {},
                "message": deep,
            },
            stricter="nesting deeper than 64 levels is refused (the node's stack); eth-sig-util has no limit",
        )
    )
    shallow: dict[str, Any] = {"next": None}
    for _ in range(5):
        shallow = {"next": shallow}
    cases.append(
        Case(
            "recursive struct with null end",
            "v4",
            {
                "types": {"EIP712Domain": [], "Node": [{"name": "next", "type": "Node"}]},
                "primaryType": "Node",
                "domain": {},
                "message": shallow,
            },
        )
    )

    cases += [
        Case(
            "field entry without type",
            "v4",
            {**m(chain), "types": {**MAIL_TYPES, "Person": [{"name": "name"}]}},
            refused=True,
        ),
        Case("message is an array", "v4", {**m(chain), "message": []}, refused=True),
        Case(
            "domain is an array",
            "v4",
            {**m(chain), "domain": [], "types": {**MAIL_TYPES, "EIP712Domain": []}},
            stricter=SCHEMA,
        ),
        Case(
            "field name is a number",
            "v4",
            {
                **_one(chain, "string", "x"),
                "message": {"5": "x"},
                "types": {"EIP712Domain": [], "T": [{"name": 5, "type": "string"}]},
            },
            stricter=SCHEMA,
        ),
    ]
    cases += [
        Case("primaryType not in types", "v4", {**m(chain), "primaryType": "Nope"}, refused=True),
        Case("primaryType empty", "v4", {**m(chain), "primaryType": ""}, refused=True),
        Case("not JSON", "v4", "{not json", refused=True),
    ]
    cases += v1_cases()
    cases += _real_world(chain)
    cases += personal_cases()
    return cases


def _real_world(chain: int) -> list[Case]:
    permit = {
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
        "domain": {"name": "USD Coin", "version": "2", "chainId": chain, "verifyingContract": ADDR},
        "message": {
            "owner": ADDR,
            "spender": "0x" + "cd" * 20,
            "value": "1000000",
            "nonce": 0,
            "deadline": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
        },
    }
    permit2 = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "PermitDetails": [
                {"name": "token", "type": "address"},
                {"name": "amount", "type": "uint160"},
                {"name": "expiration", "type": "uint48"},
                {"name": "nonce", "type": "uint48"},
            ],
            "PermitSingle": [
                {"name": "details", "type": "PermitDetails"},
                {"name": "spender", "type": "address"},
                {"name": "sigDeadline", "type": "uint256"},
            ],
        },
        "primaryType": "PermitSingle",
        "domain": {
            "name": "Permit2",
            "chainId": chain,
            "verifyingContract": "0x000000000022D473030F116dDEE9F6B43aC78BA3",
        },
        "message": {
            "details": {
                "token": ADDR,
                "amount": "1461501637330902918203684832716283019655932542975",
                "expiration": 1700000000,
                "nonce": 0,
            },
            "spender": "0x" + "ef" * 20,
            "sigDeadline": 1700000000,
        },
    }
    item = [
        {"name": "itemType", "type": "uint8"},
        {"name": "token", "type": "address"},
        {"name": "identifierOrCriteria", "type": "uint256"},
        {"name": "startAmount", "type": "uint256"},
        {"name": "endAmount", "type": "uint256"},
    ]
    seaport = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "OrderComponents": [
                {"name": "offerer", "type": "address"},
                {"name": "offer", "type": "OfferItem[]"},
                {"name": "consideration", "type": "ConsiderationItem[]"},
                {"name": "salt", "type": "uint256"},
                {"name": "conduitKey", "type": "bytes32"},
                {"name": "counter", "type": "uint256"},
            ],
            "OfferItem": item,
            "ConsiderationItem": [*item, {"name": "recipient", "type": "address"}],
        },
        "primaryType": "OrderComponents",
        "domain": {"name": "Seaport", "version": "1.5", "chainId": chain, "verifyingContract": ADDR},
        "message": {
            "offerer": ADDR,
            "offer": [
                {"itemType": 2, "token": ADDR, "identifierOrCriteria": "42", "startAmount": "1", "endAmount": "1"}
            ],
            "consideration": [
                {
                    "itemType": 0,
                    "token": "0x" + "00" * 20,
                    "identifierOrCriteria": "0",
                    "startAmount": "975000000000000000",
                    "endAmount": "975000000000000000",
                    "recipient": ADDR,
                }
            ],
            "salt": "0x" + "5a" * 32,
            "conduitKey": "0x" + "00" * 32,
            "counter": 0,
        },
    }
    return [
        Case("ERC-2612 Permit", "v4", permit),
        Case("Permit2 PermitSingle", "v4", permit2),
        Case("Seaport-like order", "v4", seaport),
    ]


def v1_cases() -> list[Case]:
    """eth_signTypedData (v1): a list of {type, name, value}."""
    every = [
        {"type": "string", "name": "Message", "value": "Hi, Alice! \u4e16"},
        {"type": "uint32", "name": "A number", "value": "1337"},
        {"type": "uint256", "name": "big", "value": "0x" + "f" * 64},
        {"type": "int8", "name": "neg", "value": -5},
        {"type": "int256", "name": "neg256", "value": str(-(2**255))},
        {"type": "bool", "name": "flag", "value": True},
        {"type": "address", "name": "who", "value": ADDR},
        {"type": "bytes", "name": "raw", "value": "0x0102ab"},
        {"type": "bytes", "name": "text", "value": "hello"},
        {"type": "bytes4", "name": "sel", "value": "0xa9059cbb"},
        {"type": "bytes32", "name": "short", "value": "0x1234"},
    ]
    cases = [Case("v1 every atomic type", "v1", every)]
    cases += [Case(f"v1 {e['type']} {e['name']}", "v1", [e]) for e in every]
    cases += [
        Case("v1 uint negative number", "v1", [{"type": "uint8", "name": "n", "value": -3}],
             stricter="eth-sig-util signs a negative JS number for a uint as its absolute value"),
        Case("v1 bytes4 given 8 bytes", "v1", [{"type": "bytes4", "name": "b", "value": "0x" + "11" * 8}],
             stricter="eth-sig-util cuts a too-long bytesN to its size"),
        Case("v1 bool as string", "v1", [{"type": "bool", "name": "b", "value": "false"}],
             stricter="eth-sig-util reads a bool with JavaScript truthiness"),
        Case("v1 empty list", "v1", [], refused=True),
        Case("v1 entry without a name", "v1", [{"type": "string", "value": "x"}], refused=True),
    ]  # fmt: skip
    return cases


def personal_cases() -> list[Case]:
    ok = [
        "0x123",
        "0x12 34",
        "0x1234\n",
        "1234",
        "0X1234",
        "deadbeef",
        "hello",
        "0x",
        "0xZZ",
        "0x" + "ab" * 32,
        "Log in \u4e16\u754c \U0001f600",
        "lone \ud800 surrogate",
        "line\nbreak",
        "0x68656c6c6f",
    ]
    cases = [Case(f"personal_sign {m!r}", "personal", m) for m in ok]
    cases.append(Case("personal_sign [address, message] swapped", "personal_swapped", "0x68656c6c6f"))
    cases.append(Case("personal_sign empty", "personal", "", refused=True))
    return cases


# -- the seeded generator ---------------------------------------------------------------------------

ATOMIC = (
    [f"uint{n}" for n in range(8, 257, 8)]
    + [f"int{n}" for n in range(8, 257, 8)]
    + [f"bytes{n}" for n in range(1, 33)]
    + ["uint", "int", "bytes", "string", "bool", "address"]
)


class Generator:
    """Random typed data: several struct types, every atomic type, nesting, arrays of arrays."""

    def __init__(self, seed: int, chain: int) -> None:
        self.r = random.Random(seed)
        self.chain = chain

    def typed_data(self, v4: bool) -> dict[str, Any]:
        r = self.r
        names = [f"S{i}_{r.choice(['Order', 'Item', 'Person', 'x', 'Data'])}" for i in range(r.randint(1, 5))]
        types: dict[str, Any] = {}
        for i, name in enumerate(names):
            fields = []
            for j in range(r.randint(1, 6)):
                fields.append(
                    {
                        "name": f"f{j}{r.choice(['', 'Amount', 'to', '_id'])}",
                        "type": self.field_type(names[i + 1 :], v4),
                    }
                )
            types[name] = fields
        domain_fields, domain = self.domain()
        if domain_fields is not None:
            types["EIP712Domain"] = domain_fields
        message = self.value(names[0], types, v4, 0)
        return {"types": types, "primaryType": names[0], "domain": domain, "message": message}

    def field_type(self, later: list[str], v4: bool) -> str:
        r = self.r
        base = r.choice(later) if later and r.random() < 0.3 else r.choice(ATOMIC)
        if v4 and r.random() < 0.3:
            for _ in range(r.choice([1, 1, 2])):
                base += r.choice(["[]", "[]", f"[{r.randint(1, 3)}]"])
        return base

    def domain(self) -> tuple[list[dict[str, str]] | None, dict[str, Any]]:
        r = self.r
        pool = [
            ("name", "string", "Dapp \u00e9"),
            ("version", "string", str(r.randint(1, 9))),
            (
                "chainId",
                r.choice(["uint256", "uint256", "uint64"]),
                r.choice([self.chain, hex(self.chain), str(self.chain)]),
            ),
            ("verifyingContract", "address", self.address()),
            ("salt", "bytes32", self.hex_bytes(32)),
        ]
        chosen = [p for p in pool if r.random() < 0.6]
        if r.random() < 0.3:
            r.shuffle(chosen)
        domain = {n: v for n, _, v in chosen}
        if r.random() < 0.1:
            domain["extra"] = "not in the type"
        if r.random() < 0.1:
            return None, domain
        return [{"name": n, "type": t} for n, t, _ in chosen], domain

    def address(self) -> str:
        raw = bytes(self.r.getrandbits(8) for _ in range(20)).hex()
        return "0x" + self.r.choice([raw, raw.upper(), raw.lower()])

    def hex_bytes(self, n: int) -> str:
        return "0x" + bytes(self.r.getrandbits(8) for _ in range(n)).hex()

    def value(self, typ: str, types: dict[str, Any], v4: bool, depth: int) -> Any:
        r = self.r
        if typ.endswith("]"):
            cut = typ.rfind("[")
            size = typ[cut + 1 : -1]
            n = int(size) if size else r.randint(0, 3)
            return [self.value(typ[:cut], types, v4, depth + 1) for _ in range(n)]
        if typ in types:
            if v4 and depth > 0 and r.random() < 0.1:
                return None
            return {f["name"]: self.value(f["type"], types, v4, depth + 1) for f in types[typ]}
        return self.atomic(typ)

    def atomic(self, typ: str) -> Any:
        r = self.r
        if typ == "string":
            return r.choice(["", "hello", "Ünïcödé \u4e16\u754c", "emoji \U0001f680", "x" * r.randint(0, 80), None])
        if typ == "bool":
            return r.random() < 0.5
        if typ == "address":
            return self.address()
        if typ == "bytes":
            return r.choice([self.hex_bytes(r.randint(0, 70)), "0x", "text as bytes", "0x" + "a" * r.choice([1, 3, 5])])
        if typ.startswith("bytes"):
            n = int(typ[5:])
            return r.choice([self.hex_bytes(n), self.hex_bytes(r.randint(0, n)), "0x"])
        signed = typ.startswith("int")
        bits = int(typ[3 + (not signed) :] or 256)
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        n = r.choice([low, high, 0, 1, r.randint(low, high), r.randint(max(low, -1000), min(high, 1000))])
        spellings: list[Any] = [str(n)]
        if n >= 0:
            spellings += [hex(n), "0X" + format(n, "X")]
        if abs(n) <= 2**53:
            spellings.append(n)
        if n > 2**53 and float(n) <= high and float(n).is_integer() and int(float(n)) <= high:
            spellings.append(float(n))  # a big JS number, written 1.2e+21 in JSON
        return r.choice(spellings)


def random_cases(seed: int, chain: int, count_v4: int, count_v3: int) -> list[Case]:
    gen = Generator(seed, chain)
    cases = [Case(f"random v4 #{i}", "v4", gen.typed_data(True)) for i in range(count_v4)]
    cases += [Case(f"random v3 #{i}", "v3", gen.typed_data(False)) for i in range(count_v3)]
    return cases
