"""Version 1: settings, identities and their contacts."""

from __future__ import annotations

from sqlalchemy import Connection

_DDL = (
    """
    CREATE TABLE setting (
        key VARCHAR NOT NULL PRIMARY KEY,
        value JSON
    )
    """,
    """
    CREATE TABLE identity (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        display_name VARCHAR NOT NULL,
        avatar BLOB,
        avatar_mime VARCHAR,
        sign_seed BLOB NOT NULL,
        box_secret BLOB NOT NULL,
        developer BOOLEAN NOT NULL DEFAULT 0,
        created_at FLOAT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE contact (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        display_name VARCHAR NOT NULL,
        sign_public BLOB NOT NULL,
        box_public BLOB NOT NULL,
        added_at FLOAT NOT NULL,
        UNIQUE (identity_id, sign_public)
    )
    """,
    "CREATE INDEX ix_contact_identity_id ON contact (identity_id)",
)


def upgrade(connection: Connection) -> None:
    for statement in _DDL:
        connection.exec_driver_sql(statement)
