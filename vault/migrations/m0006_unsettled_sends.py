"""Version 6: an index of the sends that may still be settled or retried (wallet/interrupted.py).

Before each send the node looks for an interrupted record of the same payment: one still
"signed" (the process stopped between the record and the broadcast) or one marked as settled
after an interruption. Those are rare, but without an index the look-up read (and parsed the
JSON details of) every send of the account in the last hour. The index holds only those rows.
Its WHERE must stay identical, word for word, to `interrupted.UNSETTLED`: SQLite uses a partial
index only for a query that repeats its condition."""

from __future__ import annotations

from sqlalchemy import Connection

UNSETTLED = "status = 'signed' OR json_extract(details, '$._interrupted') IS NOT NULL"


def upgrade(connection: Connection) -> None:
    connection.exec_driver_sql(
        f"CREATE INDEX ix_tx_record_unsettled ON tx_record (chain_id, from_address) WHERE {UNSETTLED}"
    )
