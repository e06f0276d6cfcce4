"""The wallet's history rows (TxRecord): what a send writes before its broadcast and how its
status changes after. Plain functions over a vault session; TxService (txs.py) calls them on
the vault thread and emits the events.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from ..events import TransactionStatusChanged

__all__ = ["TransactionStatusChanged", "record_signed", "set_status", "summary"]


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


def record_signed(
    s: Any, identity_id: str, chain_id: int, tx_hash: str, tx: dict[str, Any], kind: str, d: dict[str, Any], raw: bytes
) -> None:
    """Write the "signed" record (before the broadcast). A byte-identical transaction refused or
    dropped before is re-used, so a retry never trips the (identity, chain, hash) uniqueness."""
    from sqlalchemy import select

    from vault.models import TxRecord

    now = time.time()
    old = s.scalars(
        select(TxRecord).where(
            TxRecord.identity_id == identity_id,
            TxRecord.chain_id == chain_id,
            TxRecord.hash == tx_hash,
            TxRecord.kind == kind,
        )
    ).first()
    if old is not None:
        old.status, old.error, old.raw, old.details, old.updated_at = "signed", None, raw, d, now
        return
    s.add(
        TxRecord(
            id=uuid.uuid4().hex,
            identity_id=identity_id,
            chain_id=chain_id,
            hash=tx_hash,
            from_address=tx["from"],
            to_address=tx.get("to"),
            nonce=tx["nonce"],
            value=str(tx.get("value", 0)),
            kind=kind,
            status="signed",
            raw=raw,
            details=d,
            created_at=now,
            updated_at=now,
        )
    )


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
