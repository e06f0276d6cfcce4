"""Sends interrupted between their history record and their broadcast (a kill, a power cut).

A send is recorded as "signed" (with its raw bytes) before it is broadcast, and becomes
"pending" once the network took it. A "signed" record that no running send owns was interrupted.
It is settled on the next start (`wallet_recheck`) or at the next send from that account:

- the network knows its hash: it did go out before the interruption -> "pending" (tracked);
- its nonce is used by another transaction: it can never go out -> "dropped";
- otherwise it is broadcast now: the user approved it -> "pending", or "failed" if refused.

Each outcome is announced (TransactionRecovered + a notification) and marked in the record, so
that a retry of the same payment (same account, recipient, value and data, within an hour) is
recognised as that payment and answered with it, never sent a second time.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..events import TransactionRecovered  # noqa: F401 - wallet/txs.py emits it as I.TransactionRecovered

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .chain import Connection

RETRY_WINDOW = 3600.0  # seconds: a retry later than this is a new payment
REQUEST_KEY = "_request"  # details keys starting with "_" are the node's own, never shown
INTERRUPTED_KEY = "_interrupted"
CLAIMED_KEY = "_claimed"

OUTCOME_TEXT = {
    "sent before": "it had reached the network before the interruption",
    "sent": "it was sent after the interruption",
    "dropped": "it was not sent: another transaction took its place",
    "failed": "it was not sent: the network refused it",
}


def request_key(sender: str, tx: dict[str, Any]) -> str:
    """What makes two requests the same payment: account, recipient, value and call data."""
    data = tx.get("data") or "0x"
    if isinstance(data, bytes):
        data = "0x" + data.hex()
    text = "|".join([sender.lower(), str(tx.get("to") or "").lower(), str(int(tx.get("value") or 0)), data.lower()])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def public_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """The details a user or an API caller sees (the node's own bookkeeping keys removed)."""
    return {k: v for k, v in (details or {}).items() if not k.startswith("_")}


@dataclass(frozen=True)
class Interrupted:
    hash: str
    identity_id: str
    sender: str
    nonce: int
    raw: bytes | None


def interrupted_records(s: Session, chain_id: int, sender: str | None, skip: set[str]) -> list[Interrupted]:
    from sqlalchemy import select

    from vault.models import TxRecord

    stmt = select(TxRecord).where(TxRecord.chain_id == chain_id, TxRecord.status == "signed")
    if sender is not None:
        stmt = stmt.where(TxRecord.from_address == sender)
    return [
        Interrupted(r.hash, r.identity_id, r.from_address, r.nonce, r.raw)
        for r in s.scalars(stmt.order_by(TxRecord.nonce))
        if r.hash not in skip
    ]


@dataclass(frozen=True)
class Retry:
    """An earlier, interrupted request for the same payment."""

    hash: str
    status: str
    nonce: int


# The condition of the vault's partial index ix_tx_record_unsettled (vault migration m0006), word
# for word: SQLite uses a partial index only for a query that repeats its condition.
UNSETTLED = "status = 'signed' OR json_extract(details, '$._interrupted') IS NOT NULL"
_RETRY_CANDIDATES = (
    "SELECT hash, status, nonce, details, identity_id, created_at FROM tx_record INDEXED BY ix_tx_record_unsettled"
    f" WHERE chain_id = :chain_id AND from_address = :sender AND ({UNSETTLED})"
)


def find_retry(conn: Any, identity_id: str, chain_id: int, sender: str, key: str, skip: set[str]) -> Retry | None:
    """The interrupted record this request repeats, if any (unclaimed, recent), read on a DB-API
    connection (Vault.sql: this runs before every send)."""
    since = time.time() - RETRY_WINDOW
    # Read through the partial index of interrupted records (m0006): a handful of rows at most,
    # where the account's whole last hour of sends (each one's JSON details parsed) was read on
    # every send. INDEXED BY makes a query that could not use it an error, never a slow scan.
    rows = conn.execute(_RETRY_CANDIDATES, {"chain_id": chain_id, "sender": sender})
    for tx_hash, status, nonce, details, identity, created_at in rows:
        if identity != identity_id or created_at < since or status not in ("signed", "pending", "confirmed"):
            continue
        d = _details(details)
        if d.get(REQUEST_KEY) != key or d.get(CLAIMED_KEY) or tx_hash in skip:
            continue
        if status == "signed" or d.get(INTERRUPTED_KEY):
            return Retry(tx_hash, status, nonce)
    return None


def _details(raw: Any) -> dict[str, Any]:
    """A record's details as text SQL returns them (the JSON text; the ORM's JSON type decodes it)."""
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return raw
    import json

    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


def claim(s: Session, chain_id: int, tx_hash: str) -> tuple[str, int, str | None] | None:
    """Mark an interrupted record as answered by a retry; its (status, nonce, error)."""
    from sqlalchemy import select

    from vault.models import TxRecord

    r = s.scalars(select(TxRecord).where(TxRecord.chain_id == chain_id, TxRecord.hash == tx_hash)).first()
    if r is None:
        return None
    r.details = {**(r.details or {}), CLAIMED_KEY: True}
    return r.status, r.nonce, r.error


def settle_on_chain(c: Connection, rec: Interrupted) -> tuple[str, str | None]:
    """(outcome, error) for one interrupted record: runs on the chain thread."""
    from eth_typing import ChecksumAddress, HexAddress, HexStr
    from web3.exceptions import TransactionNotFound

    from .fill import revert_reason

    try:
        c.w3.eth.get_transaction(HexStr(rec.hash))
        return "sent before", None
    except TransactionNotFound:
        pass
    sender = ChecksumAddress(HexAddress(HexStr(rec.sender)))  # web3's NewTypes: no conversion
    if c.w3.eth.get_transaction_count(sender, "pending") > rec.nonce or not rec.raw:
        return "dropped", "The app stopped before this reached the network; another transaction took its place"
    try:
        c.w3.eth.send_raw_transaction(rec.raw)
    except Exception as exc:  # noqa: BLE001 - a refusal by the node (funds, fee too low)
        if "already known" in str(exc).lower():
            return "sent before", None
        return "failed", "The app stopped before this reached the network, and the network refused it later: " + (
            revert_reason(exc)
        )
    return "sent", None


def mark_settled(s: Session, chain_id: int, tx_hash: str, outcome: str, error: str | None) -> str | None:
    """Write the outcome into the record; the payment in words ("0.5 ETH to Bob")."""
    from sqlalchemy import select

    from vault.models import TxRecord

    status = {"sent before": "pending", "sent": "pending"}.get(outcome, outcome)
    what = None
    for r in s.scalars(select(TxRecord).where(TxRecord.chain_id == chain_id, TxRecord.hash == tx_hash)):
        d = dict(r.details or {})
        d[INTERRUPTED_KEY] = True
        d["interrupted"] = OUTCOME_TEXT[outcome]
        r.details, r.status, r.error, r.updated_at = d, status, error, time.time()
        if status != "pending":
            r.raw = None
        what = _what(d) or f"transaction {tx_hash[:10]}…"
    return what


def _what(d: dict[str, Any]) -> str | None:
    amount, to = d.get("amount") or d.get("you pay"), d.get("to")
    if not amount:
        return None
    return f"{amount}" + (f" to {str(to).split(' (')[0]}" if to else "")
