"""Version 7: an index of the addresses each identity has paid (wallet/parties.py, "paid before").

Before each prompt the node asks, for every address the transaction names that it has not seen
paid yet (a token's contract, a new recipient), whether the identity has a confirmed send to it.
Without an index that read every send of the identity, each time: a send slowed as its history
grew (~0.4 ms a send after 600 sends, on the way to milliseconds for a long-used wallet). The
index holds only confirmed sends. Its expression and WHERE must stay identical, word for word,
to `parties._PAID_BEFORE`'s: SQLite uses such an index only for a query that repeats them."""

from __future__ import annotations

from sqlalchemy import Connection

PAID = "status = 'confirmed'"


def upgrade(connection: Connection) -> None:
    connection.exec_driver_sql(
        f"CREATE INDEX ix_tx_record_paid ON tx_record (identity_id, lower(to_address)) WHERE {PAID}"
    )
