"""Who an address is, to the user about to approve something: one of their accounts, a contact,
a contract the network configures (the Uniswap router, WETH, MFT), another contract, or an
address never seen before.

    parties = await identify(node, ident, ["0xabc...", "0xdef..."])
    parties["0xAbC..."].label    # "Bob (contact)" | "Unknown contract, never used before" | ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..node import Node

__all__ = ["Known", "Party", "identify", "parties_from", "vault_facts", "wanted_addresses", "with_vault_facts"]

Known = tuple["str | None", "str | None", bool]  # what the vault says of an address: (kind, name, seen)

# kind: own | contact | network (a contract the network configures) | contract | account
_NETWORK_NAMES = {"router": "Uniswap V2 router", "weth": "WETH (wrapped ETH)", "mft": "MFT token", "dai": "DAI token"}


T = TypeVar("T")


@dataclass(frozen=True)
class Party:
    address: str
    kind: str
    name: str | None = None
    seen: bool = False  # this identity sent a transaction to it before

    @property
    def label(self) -> str:
        if self.kind == "own":
            return f"Your account “{self.name}”" if self.name else "Your account"
        if self.kind == "contact":
            return f"{self.name} (contact)"
        if self.kind == "network":
            return str(self.name)
        what = self.name or ("Unknown contract" if self.kind == "contract" else "Address")
        return f"{what}, used before" if self.seen else f"{what}, never used before"

    @property
    def phrase(self) -> str:
        """Who it is, to put inside a sentence: "an unknown contract you never used before"."""
        if self.kind == "own":
            return f"your own account “{self.name}”" if self.name else "your own account"
        if self.kind == "contact":
            return f"your contact {self.name}"
        if self.kind == "network":
            return f"the {self.name}"
        what = self.name or ("an unknown contract" if self.kind == "contract" else "an address")
        if self.name:
            what = f"the {what} contract"
        return f"{what} you used before" if self.seen else f"{what} you never used before"

    @property
    def trusted(self) -> bool:
        return self.kind in ("own", "contact", "network")

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "kind": self.kind,
            "name": self.name,
            "seen": self.seen,
            "label": self.label,
        }


async def identify(node: Node, ident: str | None, addresses: list[str]) -> dict[str, Party]:
    """Each address (checksummed) -> Party, from the vault (accounts, contacts, history) and
    the chain (code present, configured contracts, token symbols)."""
    wanted = wanted_addresses(addresses)
    if not wanted:
        return {}
    return await with_vault_facts(node, ident, wanted, lambda c, known: parties_from(c, wanted, known))


async def with_vault_facts(
    node: Node, ident: str | None, wanted: list[str], then: Callable[[Any, dict[str, Known]], T]
) -> T:
    """`then(chain, known)` in one call on the chain thread, `known` being what the identity's
    vault knows of the `wanted` addresses (the vault's connections serve any thread: a hop less)."""
    vault = node.require_vault() if ident and wanted else None

    def run(c: Any) -> T:
        known: dict[str, Known] = {}
        if vault is not None and ident:
            with vault.sql(write=False) as conn:
                known = vault_facts(conn, ident, wanted)
        return then(c, known)

    return await node.session.chain.call(run)


def wanted_addresses(addresses: list[Any]) -> list[str]:
    """The valid addresses among `addresses`, checksummed, each once, sorted."""
    from .addresses import is_address, to_checksum_address

    return sorted({to_checksum_address(a) for a in addresses if isinstance(a, str) and is_address(a)})


def parties_from(c: Any, wanted: list[str], known: dict[str, Known]) -> dict[str, Party]:
    """The parties of `wanted` (from wanted_addresses), given what the vault knows of them
    (vault_facts, read first: the vault's write lock is not held during chain reads).
    On the chain thread."""
    chain = _chain_facts(c, wanted)
    out: dict[str, Party] = {}
    for a in wanted:
        kind, name, seen = known.get(a, (None, None, False))
        if kind is None:
            kind, name = chain[a]
        out[a] = Party(a, kind, name, seen)
    return out


# One row is enough to know it was paid before, found through the vault's index of confirmed
# sends (migration m0007; its expression and condition word for word): without it, every send
# read the identity's whole history once per address not yet seen paid.
_PAID_BEFORE = (
    "SELECT 1 FROM tx_record INDEXED BY ix_tx_record_paid"
    " WHERE identity_id = ? AND lower(to_address) = ? AND status = 'confirmed' LIMIT 1"
)


def vault_facts(
    conn: Any, ident: str, wanted: list[str], seen: set[str] | None = None, accounts: list[Any] | None = None
) -> dict[str, Known]:
    """What the vault knows of each wanted address: (kind "own"/"contact" or None, name, seen),
    read in plain SQL on a DB-API connection (Vault.sql: a send reads this before every prompt).

    `seen`: addresses (lowercase) this identity is known to have paid, kept by the caller across
    calls; found ones are added. Only "paid before" is remembered: it never becomes false again
    (history rows go only with their identity), whereas a contact or an account may be renamed
    or removed at any time, so those are read every time."""
    from .store import account_rows

    lower = {a.lower(): a for a in wanted}
    out: dict[str, Known] = {}
    for low, a in lower.items():
        if seen is not None and low in seen:
            out[a] = (None, None, True)
            continue
        if conn.execute(_PAID_BEFORE, (ident, low)).fetchone() is not None:
            out[a] = (None, None, True)
            if seen is not None:
                seen.add(low)
    marks = ", ".join("?" * len(lower))
    contacts = (
        "SELECT eth_address, display_name FROM contact"
        f" WHERE identity_id = ? AND lower(eth_address) IN ({marks})"  # only "?" marks go in
    )
    for address, name in conn.execute(contacts, (ident, *lower)):
        out[lower[str(address).lower()]] = ("contact", name, True)
    for acct in account_rows(conn, ident) if accounts is None else accounts:  # `accounts`: read by the caller
        own = lower.get(acct.address.lower())
        if own is not None:
            out[own] = ("own", acct.name, True)
    return out


def _chain_facts(conn: Any, wanted: list[str]) -> dict[str, tuple[str, str | None]]:
    from . import rpc
    from .tokens import maybe_token

    configured = {str(v).lower(): k for k, v in vars(conn.network.contracts).items() if v}
    out: dict[str, tuple[str, str | None]] = {}
    for a in wanted:
        slot = configured.get(a.lower())
        if slot is not None:
            out[a] = ("network", _NETWORK_NAMES.get(slot, slot))
            continue
        key = ("has-code", a)  # only "has code" is cached: code may yet be deployed at an address
        if not conn.cache.get(key):
            conn.cache[key] = rpc.has_code(conn, a)
        if not conn.cache[key]:
            out[a] = ("account", None)
            continue
        token = maybe_token(conn, a)
        out[a] = ("contract", f"{token.symbol} token" if token else None)
    return out
