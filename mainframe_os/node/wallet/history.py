"""The wallet's history rows (TxRecord): what a send writes before its broadcast and how its
status changes after. Plain functions over a vault session; TxService (txs.py) calls them on
the vault thread and emits the events.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from ..events import TransactionStatusChanged

__all__ = ["TransactionStatusChanged", "record_signed", "sent_status", "set_status", "summary"]


def summary(kind: str, details: dict[str, Any]) -> str | None:
    """A transaction in words, for notifications and history: "Sent 0.5 ETH to Bob"."""
    amount, to = details.get("amount"), details.get("to")
    if kind in ("send", "token") and amount:
        who = str(to).split(" (")[0] if to else None
        return f"Sent {amount}" + (f" to {who}" if who else "")
    if kind == "receive" and amount:
        return f"Received {amount}" + (f" from {details.get('from')}" if details.get("from") else "")
    if kind == "swap" and details.get("you pay"):
        return f"Swap of {details['you pay']}"
    if kind == "approve":
        return "Token approval"
    if details.get("call"):
        return f"Contract call {details['call']}"
    return None


# The send path writes its record and its status as plain SQL on the vault's DB-API connection
# (Vault.sql): through the ORM the same two statements cost ~10x more than SQLite's own work.
# `details` is stored as SQLAlchemy's JSON type stores it (json.dumps), so the ORM reads it back.
_RECORD_SIGNED = (
    "INSERT INTO tx_record (id, identity_id, chain_id, hash, from_address, to_address, nonce, value, kind,"
    " status, error, raw, details, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'signed', NULL, ?, ?, ?, ?)"
    " ON CONFLICT (identity_id, chain_id, hash, kind) DO UPDATE SET"
    " status = 'signed', error = NULL, raw = excluded.raw, details = excluded.details, updated_at = excluded.updated_at"
)
# By the unique (identity, chain, hash, kind) index: a look-up, where (chain, hash) alone read the
# whole history on every send.
_SENT_STATUS = (
    "UPDATE tx_record SET status = ?, error = ?, updated_at = ?,"
    " block_number = coalesce(?, block_number), fee = coalesce(?, fee),"
    " raw = CASE WHEN ? = 'pending' THEN raw ELSE NULL END"
    " WHERE identity_id = ? AND chain_id = ? AND hash = ? AND kind = ? AND status != ?"
)


def record_signed(
    conn: Any,
    identity_id: str,
    chain_id: int,
    tx_hash: str,
    tx: dict[str, Any],
    kind: str,
    d: dict[str, Any],
    raw: bytes,
) -> None:
    """Write the "signed" record (before the broadcast) on a DB-API connection in a transaction
    (Vault.sql). A byte-identical transaction refused or dropped before is re-used, so a retry
    never trips the (identity, chain, hash, kind) uniqueness."""
    now = time.time()
    to = tx.get("to")
    conn.execute(
        _RECORD_SIGNED,
        (
            uuid.uuid4().hex,
            identity_id,
            chain_id,
            tx_hash,
            tx["from"],
            None if to is None else str(to),
            int(tx["nonce"]),
            str(tx.get("value", 0)),
            kind,
            raw,
            json.dumps(d),
            now,
            now,
        ),
    )


def sent_status(
    conn: Any,
    identity_id: str,
    chain_id: int,
    tx_hash: str,
    kind: str,
    details: dict[str, Any],
    status: str,
    error: str | None = None,
    block: int | None = None,
    fee: int | None = None,
) -> str | None:
    """`set_status` for the record a send just wrote (its identity, kind and details known), on a
    DB-API connection (Vault.sql): the record's summary, or None when it had that status already."""
    args = (status, error, time.time(), block, None if fee is None else str(fee), status)
    cur = conn.execute(_SENT_STATUS, (*args, identity_id, chain_id, tx_hash, kind, status))
    if cur.rowcount == 0:
        return None
    return summary(kind, details) or f"Transaction {tx_hash[:10]}…"


def set_status(
    s: Any,
    chain_id: int,
    tx_hash: str,
    status: str,
    error: str | None = None,
    block: int | None = None,
    fee: int | None = None,
) -> str | None:
    """Move the records of `tx_hash` (not receipts of it) to `status`: the changed record's
    summary ("Sent 0.5 ETH to Bob"), or None when nothing changed."""
    from sqlalchemy import select

    from vault.models import TxRecord

    recs = s.scalars(
        select(TxRecord).where(TxRecord.chain_id == chain_id, TxRecord.hash == tx_hash, TxRecord.kind != "receive")
    ).all()
    changed = None
    for rec in recs:
        if rec.status == status:
            continue
        rec.status, rec.error, rec.updated_at = status, error, time.time()
        if block is not None:
            rec.block_number = block
        if fee is not None:
            rec.fee = str(fee)
        if status != "pending":
            rec.raw = None  # final: nothing left to re-broadcast
        changed = summary(rec.kind, rec.details or {}) or f"Transaction {tx_hash[:10]}…"
    return changed
