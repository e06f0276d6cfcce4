"""Version 4: the file index. Each row is one encrypted file of an identity: where it sits in
the identity's folders, its size and type, the root CID of its ciphertext DAG in the block
store, and the key that opens it (kept only here, inside the encrypted vault); and the shares
of files with peers (a revoked share stops the peer's fetches)."""

from __future__ import annotations

from sqlalchemy import Connection

_DDL = (
    """
    CREATE TABLE file_entry (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        folder VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        size INTEGER NOT NULL,
        mime VARCHAR,
        root_cid VARCHAR NOT NULL,
        stored_size INTEGER NOT NULL,
        cipher VARCHAR NOT NULL,
        file_key BLOB NOT NULL,
        added_at FLOAT NOT NULL,
        UNIQUE (identity_id, folder, name)
    )
    """,
    "CREATE INDEX ix_file_entry_root ON file_entry (root_cid)",
    """
    CREATE TABLE file_share (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        file_id VARCHAR(32) NOT NULL REFERENCES file_entry (id) ON DELETE CASCADE,
        peer VARCHAR NOT NULL,
        created_at FLOAT NOT NULL,
        revoked_at FLOAT
    )
    """,
)


def upgrade(connection: Connection) -> None:
    for statement in _DDL:
        connection.exec_driver_sql(statement)
