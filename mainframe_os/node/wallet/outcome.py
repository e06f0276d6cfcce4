"""A send's broadcast and its receipt read as an outcome, on the chain thread (txs.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from . import rpc

if TYPE_CHECKING:
    from eth_typing import HexStr

    from .chain import Connection

log = logging.getLogger("mainframe_os.wallet")

# A receipt read on the chain thread: (status, revert reason, block, fee), status "pending"
# while the transaction is not mined yet.
Outcome = tuple[str, "str | None", "int | None", "int | None"]


def receipt_outcome(c: Connection, tx_hash: str) -> Outcome:
    """The receipt of `tx_hash` as (status, revert reason, block, fee); "pending" without one."""
    from web3.exceptions import TransactionNotFound

    try:
        rcpt = rpc.receipt(c, tx_hash)
    except TransactionNotFound:  # what some providers raise instead of answering null
        rcpt = None
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
