"""The project's own token artifacts (contracts/*.sol, compiled with `runtimeCodeHash` and
`storage` by contracts/compile.mjs): which code they run and where they keep their state, so the
embedded chain's token facts can be read from its state without the EVM (stored_balances.py for
a cold balance read, rpc.py on the open chain) when an account's code hash is one of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

# The project's ERC-20 artifacts whose state this module may read, with their `decimals`: a
# `constant` in their code (nothing in storage says it). tests/integration/wallet/test_stored_balances.py
# checks each against the contract's own decimals() (and the slots against balanceOf()) on a chain.
TOKEN_ARTIFACTS = {"MFT": 18, "DAI": 18, "WETH9": 18, "TestUSD": 6}
# (symbol, name) of those whose symbol and name are `constant`s in their code, not in storage.
CONSTANT_NAMES = {"WETH9": ("WETH", "Wrapped Ether"), "TestUSD": ("TUSD", "Test USD")}


@dataclass(frozen=True)
class TokenCode:
    """Where one known token artifact keeps its state."""

    artifact: str
    decimals: int
    balance_slot: int
    name_slot: int | None  # None: name and symbol are constants in the code, not in storage
    symbol_slot: int | None
    constant_names: tuple[str, str] | None = None  # (symbol, name) when they are constants


@cache
def token_code() -> dict[bytes, TokenCode]:
    """The known token artifacts by the keccak of their runtime code."""
    from ..chain.contracts import load_artifact

    out = {}
    for name, decimals in TOKEN_ARTIFACTS.items():
        art = load_artifact(name)
        code_hash, storage = art.get("runtimeCodeHash"), art.get("storage") or {}
        if code_hash and "balanceOf" in storage:
            out[bytes.fromhex(code_hash[2:])] = TokenCode(
                name,
                decimals,
                storage["balanceOf"],
                storage.get("name"),
                storage.get("symbol"),
                CONSTANT_NAMES.get(name),
            )
    return out


def short_string(word: int) -> str | None:
    """A Solidity `string` state variable of under 32 bytes: its bytes left-aligned in the slot
    and twice its length in the lowest byte. A longer one (lowest bit set: its bytes are
    elsewhere) or bytes that are not UTF-8 give None."""
    raw = word.to_bytes(32, "big")
    if raw[31] & 1:
        return None
    length = raw[31] // 2
    if length > 31 or any(raw[length:31]):  # bytes past the length: not a string Solidity wrote
        return None
    try:
        return raw[:length].decode("utf-8")
    except UnicodeDecodeError:
        return None
