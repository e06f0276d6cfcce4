"""Version 2: contacts' Ethereum addresses; wallets (HD phrases, imported keys), their accounts, custom tokens, and the
history of transactions the node sent (with the raw signed bytes, so a send interrupted by a
network failure can be re-checked and re-broadcast)."""

from __future__ import annotations

from sqlalchemy import Connection

_DDL = (
    """
    CREATE TABLE wallet (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        secret BLOB NOT NULL,
        next_index INTEGER NOT NULL DEFAULT 0,
        created_at FLOAT NOT NULL
    )
    """,
    "CREATE INDEX ix_wallet_identity_id ON wallet (identity_id)",
    """
    CREATE TABLE account (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        wallet_id VARCHAR(32) NOT NULL REFERENCES wallet (id) ON DELETE CASCADE,
        address VARCHAR(42) NOT NULL,
        idx INTEGER NOT NULL,
        name VARCHAR NOT NULL,
        is_default BOOLEAN NOT NULL DEFAULT 0,
        created_at FLOAT NOT NULL,
        UNIQUE (identity_id, address)
    )
    """,
    "CREATE INDEX ix_account_wallet_id ON account (wallet_id)",
    """
    CREATE TABLE token (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        chain_id INTEGER NOT NULL,
        address VARCHAR(42) NOT NULL,
        symbol VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        decimals INTEGER NOT NULL,
        UNIQUE (identity_id, chain_id, address)
    )
    """,
    """
    CREATE TABLE tx_record (
        id VARCHAR(32) NOT NULL PRIMARY KEY,
        identity_id VARCHAR(32) NOT NULL REFERENCES identity (id) ON DELETE CASCADE,
        chain_id INTEGER NOT NULL,
        hash VARCHAR(66) NOT NULL,
        from_address VARCHAR(42) NOT NULL,
        to_address VARCHAR(42),
        nonce INTEGER NOT NULL,
        value VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        error VARCHAR,
        raw BLOB,
        details JSON,
        block_number INTEGER,
        fee VARCHAR,
        created_at FLOAT NOT NULL,
        updated_at FLOAT NOT NULL,
        UNIQUE (identity_id, chain_id, hash, kind)
    )
    """,
    "CREATE INDEX ix_tx_record_from ON tx_record (chain_id, from_address)",
    "CREATE INDEX ix_tx_record_hash ON tx_record (chain_id, hash)",
    # contacts learn an Ethereum address from version-2 cards, so they can be paid
    "ALTER TABLE contact ADD COLUMN eth_address VARCHAR(42)",
)


def upgrade(connection: Connection) -> None:
    for statement in _DDL:
        connection.exec_driver_sql(statement)
