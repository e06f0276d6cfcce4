"""Version 5: peer-to-peer messaging. Per identity an Olm account and its sessions (pickles,
encrypted again with a key derived from the identity), what is known of each peer (network
address, keys, request state, holding), the message history with its outbox, the envelope ids
already seen (replay refusal), the envelopes this node holds for offline contacts, and groups
(roster, our outbound Megolm session, the inbound sessions of the other members)."""

from __future__ import annotations

from sqlalchemy import Connection

_DDL = (
    """
    CREATE TABLE comms_account (
        identity_id VARCHAR(32) NOT NULL PRIMARY KEY REFERENCES identity (id) ON DELETE CASCADE,
        pickle VARCHAR NOT NULL,
        fallback_key BLOB NOT NULL,
        updated_at FLOAT NOT NULL
    )
    """,
    """
    CREATE TABLE comms_session (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        peer_sign BLOB NOT NULL,
        session_id VARCHAR NOT NULL,
        pickle VARCHAR NOT NULL,
        updated_at FLOAT NOT NULL
    )
    """,
    "CREATE INDEX ix_comms_session_peer ON comms_session (identity_id, peer_sign)",
    """
    CREATE TABLE comms_peer (
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        sign_public BLOB NOT NULL,
        display_name VARCHAR NOT NULL,
        card VARCHAR NOT NULL,
        peer_id VARCHAR,
        state VARCHAR NOT NULL,
        message VARCHAR,
        hold_for_them BOOLEAN NOT NULL,
        holds_for_me BOOLEAN NOT NULL,
        verified_key BLOB,
        created_at FLOAT NOT NULL,
        updated_at FLOAT NOT NULL,
        PRIMARY KEY (identity_id, sign_public)
    )
    """,
    """
    CREATE TABLE comms_message (
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        id VARCHAR(32) NOT NULL,
        peer_sign BLOB NOT NULL,
        direction VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        body JSON,
        state VARCHAR NOT NULL,
        group_id VARCHAR(32),
        envelope BLOB,
        attempts INTEGER NOT NULL,
        next_try FLOAT NOT NULL,
        created_at FLOAT NOT NULL,
        updated_at FLOAT NOT NULL,
        PRIMARY KEY (identity_id, id)
    )
    """,
    "CREATE INDEX ix_comms_message_peer ON comms_message (identity_id, peer_sign, created_at)",
    """
    CREATE TABLE comms_seen (
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        envelope_id VARCHAR(32) NOT NULL,
        seen_at FLOAT NOT NULL,
        PRIMARY KEY (identity_id, envelope_id)
    )
    """,
    """
    CREATE TABLE comms_held (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        recipient BLOB NOT NULL,
        depositor VARCHAR NOT NULL,
        data BLOB NOT NULL,
        size INTEGER NOT NULL,
        expires_at FLOAT NOT NULL,
        created_at FLOAT NOT NULL
    )
    """,
    "CREATE INDEX ix_comms_held_recipient ON comms_held (recipient, created_at)",
    """
    CREATE TABLE comms_group (
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        id VARCHAR(32) NOT NULL,
        name VARCHAR NOT NULL,
        owner BLOB NOT NULL,
        members JSON NOT NULL,
        state VARCHAR NOT NULL,
        outbound VARCHAR,
        created_at FLOAT NOT NULL,
        updated_at FLOAT NOT NULL,
        PRIMARY KEY (identity_id, id)
    )
    """,
    """
    CREATE TABLE comms_group_key (
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        group_id VARCHAR(32) NOT NULL,
        sender BLOB NOT NULL,
        session_id VARCHAR NOT NULL,
        pickle VARCHAR NOT NULL,
        PRIMARY KEY (identity_id, group_id, sender, session_id)
    )
    """,
)


def upgrade(connection: Connection) -> None:
    for statement in _DDL:
        connection.exec_driver_sql(statement)
