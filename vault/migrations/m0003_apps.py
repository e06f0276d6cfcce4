"""Version 3: installed apps per identity, their permission grants, and their private data
(key-value entries and files)."""

from __future__ import annotations

from sqlalchemy import Connection

_DDL = (
    """
    CREATE TABLE app_install (
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        app_id VARCHAR(40) NOT NULL,
        version VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        developer_key VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        pseudonym_key BLOB NOT NULL,
        installed_at FLOAT NOT NULL,
        updated_at FLOAT NOT NULL,
        PRIMARY KEY (identity_id, app_id)
    )
    """,
    """
    CREATE TABLE app_grant (
        identity_id VARCHAR(32) NOT NULL,
        app_id VARCHAR(40) NOT NULL,
        key VARCHAR NOT NULL,
        decision VARCHAR NOT NULL,
        value JSON,
        updated_at FLOAT NOT NULL,
        PRIMARY KEY (identity_id, app_id, key),
        FOREIGN KEY (identity_id, app_id) REFERENCES app_install (identity_id, app_id) ON DELETE CASCADE
    )
    """,
    """
    CREATE TABLE app_data (
        identity_id VARCHAR(32) NOT NULL,
        app_id VARCHAR(40) NOT NULL,
        kind VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        value BLOB NOT NULL,
        mime VARCHAR,
        updated_at FLOAT NOT NULL,
        PRIMARY KEY (identity_id, app_id, kind, key),
        FOREIGN KEY (identity_id, app_id) REFERENCES app_install (identity_id, app_id) ON DELETE CASCADE
    )
    """,
)


def upgrade(connection: Connection) -> None:
    for statement in _DDL:
        connection.exec_driver_sql(statement)
