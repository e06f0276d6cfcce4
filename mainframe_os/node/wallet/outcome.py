"""A send's broadcast, its receipt read as an outcome and the status written after it, on the
chain thread (txs.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..faults import crash_point
from . import rpc
from .chain import NetworkDown, _translated
from .fill import revert_reason
from .history import sent_status

if TYPE_CHECKING:
    from eth_typing import HexStr

    from .chain import Connection

log = logging.getLogger("mainframe_os.wallet")

# A receipt read on the chain thread: (status, revert reason, block, fee), status "pending"
# while the transaction is not mined yet.
Outcome = tuple[str, "str | None", "int | None", "int | None"]


def receipt_outcome(c: Connection, tx_hash: str) -> Outcome:
    """The receipt of `tx_hash` as (status, revert reason, block, fee); "pending" without one."""
    rcpt = rpc.receipt(c, tx_hash)
    if rcpt is None:
        return "pending", None, None, None
    fee = rcpt["gasUsed"] * rcpt["effectiveGasPrice"]
    if rcpt["status"] == 1:
        return "confirmed", None, rcpt["blockNumber"], fee
    from .revert import failure_reason  # the reason, read at the transaction's own position

    full = c.w3.eth.get_transaction_receipt(cast("HexStr", tx_hash))
    return "failed", failure_reason(c, tx_hash, full), rcpt["blockNumber"], fee


def broadcast(c: Connection, raw: bytes, receipt_of: str | None = None) -> Outcome | None:
    """Send the signed bytes; then, with `receipt_of`, its receipt outcome (None when that read
    fails: the broadcast happened, the tracker finds out later)."""
    try:
        rpc.send_raw(c, raw)
    except Exception as exc:
        if "already known" not in str(exc).lower() and "known transaction" not in str(exc).lower():
            raise
        # these exact bytes are in the pool already: that is a success
    if receipt_of is None:
        return None
    try:
        return receipt_outcome(c, receipt_of)
    except Exception:  # noqa: BLE001 - sent; the receipt is read again by the tracker
        log.debug("receipt read after a broadcast failed", exc_info=True)
        return None


@dataclass
class Sent:
    """What one send's call on the chain thread did, for the loop to announce and answer."""

    hash: str
    nonce: int  # 0 until known to the loop
    status: str  # after the broadcast: "pending", "confirmed" or "failed"
    error: str | None = None
    refused: bool = False  # the network refused the signed bytes (status "failed")
    down: str | None = None  # the network dropped mid-broadcast: why (status "pending")
    what: str | None = None  # the record's summary when the status write changed it


def broadcast_and_record(
    c: Connection,
    vault: Any,
    chain_id: int,
    tx_hash: str,
    raw: bytes,
    wait: bool,
    record: tuple[str, str, dict[str, Any]],
) -> Sent:
    """On the chain thread: broadcast the recorded bytes (and read the receipt with `wait`), then
    write the status that left in the vault into the `record` (identity, kind, details) the send
    wrote; the loop announces it."""
    sent = Sent(tx_hash, 0, "pending")
    block = fee = None
    try:
        outcome = _translated(lambda c: broadcast(c, raw, tx_hash if wait else None), c)
    except NetworkDown as exc:  # it may have reached the network: pending, re-checked later
        sent.down = exc.message
    except Exception as exc:  # noqa: BLE001 - a refusal by the node: record it as failed
        sent.status, sent.error, sent.refused = "failed", revert_reason(exc), True
    else:
        if outcome is not None and outcome[0] != "pending":
            sent.status, sent.error, block, fee = outcome
    crash_point("tx-broadcast")  # fault-injection tests: killed between the broadcast and this write
    # Not fsynced (one fsync per send, the "signed" record's): this write only says what the
    # chain says. Lost to a power cut, the record is still "signed", and the next start settles
    # it from the chain (interrupted.py: sent or not, mined or not); a killed process loses nothing.
    identity_id, kind, details = record
    with vault.sql(durable=False) as conn:
        sent.what = sent_status(
            conn, identity_id, chain_id, tx_hash, kind, details, sent.status, sent.error, block, fee
        )
    return sent
