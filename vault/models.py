"""ORM models of the vault database (SQLAlchemy 2 declarative).

The tables are created and changed by :mod:`vault.migrations`, never by
``Base.metadata.create_all``: the models describe the latest schema, the migrations are the
history that gets an old file there.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Setting(Base):
    """A JSON value under a key (see ``Vault.get_setting`` / ``Vault.set_setting``)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class Identity(Base):
    """One persona of the vault owner, with its own signing and encryption keys."""

    __tablename__ = "identity"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    display_name: Mapped[str] = mapped_column(String)
    avatar: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, default=None)
    avatar_mime: Mapped[str | None] = mapped_column(String, nullable=True, default=None)
    sign_seed: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 seed, 32 bytes
    box_secret: Mapped[bytes] = mapped_column(LargeBinary)  # X25519 secret key, 32 bytes
    developer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[float] = mapped_column(default=time.time)
    position: Mapped[int] = mapped_column(default=0)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="identity",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Contact.added_at",
    )


class Contact(Base):
    """Someone an identity talks to, known by their public keys."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("identity_id", "sign_public"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    identity_id: Mapped[str] = mapped_column(String(32), ForeignKey("identity.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String)
    sign_public: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 public key
    box_public: Mapped[bytes] = mapped_column(LargeBinary)  # X25519 public key
    eth_address: Mapped[str | None] = mapped_column(String(42), nullable=True, default=None)
    added_at: Mapped[float] = mapped_column(default=time.time)

    identity: Mapped[Identity] = relationship(back_populates="contacts")


class Wallet(Base):
    """An HD wallet (BIP-39 phrase) or one imported private key, owned by an identity."""

    __tablename__ = "wallet"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    identity_id: Mapped[str] = mapped_column(String(32), ForeignKey("identity.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)  # "hd" | "key"
    secret: Mapped[bytes] = mapped_column(LargeBinary)  # the phrase (utf-8) or the 32-byte key
    next_index: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[float] = mapped_column(default=time.time)


class Account(Base):
    """One address of a wallet (index i of m/44'/60'/0'/0/i, or the imported key's)."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("identity_id", "address"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    identity_id: Mapped[str] = mapped_column(String(32), ForeignKey("identity.id", ondelete="CASCADE"))
    wallet_id: Mapped[str] = mapped_column(String(32), ForeignKey("wallet.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(42))
    idx: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[float] = mapped_column(default=time.time)


class Token(Base):
    """An ERC-20 the user added by address on one chain."""

    __tablename__ = "token"
    __table_args__ = (UniqueConstraint("identity_id", "chain_id", "address"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    identity_id: Mapped[str] = mapped_column(String(32), ForeignKey("identity.id", ondelete="CASCADE"))
    chain_id: Mapped[int] = mapped_column()
    address: Mapped[str] = mapped_column(String(42))
    symbol: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    decimals: Mapped[int] = mapped_column()


class TxRecord(Base):
    """A transaction the node signed: kept from before it is broadcast until it is final."""

    __tablename__ = "tx_record"
    # one hash can be a "send" for one identity and a "receive" for another of the same vault
    __table_args__ = (UniqueConstraint("identity_id", "chain_id", "hash", "kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    identity_id: Mapped[str] = mapped_column(String(32), ForeignKey("identity.id", ondelete="CASCADE"))
    chain_id: Mapped[int] = mapped_column()
    hash: Mapped[str] = mapped_column(String(66))
    from_address: Mapped[str] = mapped_column(String(42))
    to_address: Mapped[str | None] = mapped_column(String(42), nullable=True)
    nonce: Mapped[int] = mapped_column()
    value: Mapped[str] = mapped_column(String)  # wei, decimal string
    kind: Mapped[str] = mapped_column(String)  # "send" | "token" | "swap" | "approve" | "contract"
    status: Mapped[str] = mapped_column(String)  # "pending" | "confirmed" | "failed" | "dropped"
    error: Mapped[str | None] = mapped_column(String, nullable=True, default=None)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    details: Mapped[Any] = mapped_column(JSON, nullable=True)
    block_number: Mapped[int | None] = mapped_column(nullable=True, default=None)
    fee: Mapped[str | None] = mapped_column(String, nullable=True, default=None)
    created_at: Mapped[float] = mapped_column(default=time.time)
    updated_at: Mapped[float] = mapped_column(default=time.time)


class AppInstall(Base):
    """An app an identity installed (files live on disk under apps/packages, verified)."""

    __tablename__ = "app_install"

    identity_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    app_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    developer_key: Mapped[str] = mapped_column(String)  # hex; "" for bundled apps
    source: Mapped[str] = mapped_column(String)  # "package" | "bundled"
    pseudonym_key: Mapped[bytes] = mapped_column(LargeBinary)  # keys per-app ids shown to the app
    installed_at: Mapped[float] = mapped_column(default=time.time)
    updated_at: Mapped[float] = mapped_column(default=time.time)


class AppGrant(Base):
    """A permanent decision ("always" | "never") on one permission key for one (identity, app)."""

    __tablename__ = "app_grant"
    __table_args__ = (
        ForeignKeyConstraint(
            ["identity_id", "app_id"], ["app_install.identity_id", "app_install.app_id"], ondelete="CASCADE"
        ),
    )

    identity_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)
    decision: Mapped[str] = mapped_column(String)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)  # e.g. domains, exposed accounts
    updated_at: Mapped[float] = mapped_column(default=time.time)


class AppData(Base):
    """An app's private data: `kind` "kv" (JSON text) or "file" (bytes with a MIME type)."""

    __tablename__ = "app_data"
    __table_args__ = (
        ForeignKeyConstraint(
            ["identity_id", "app_id"], ["app_install.identity_id", "app_install.app_id"], ondelete="CASCADE"
        ),
    )

    identity_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    mime: Mapped[str | None] = mapped_column(String, nullable=True, default=None)
    updated_at: Mapped[float] = mapped_column(default=time.time)


class FileEntry(Base):
    """One encrypted file of an identity (blocks live in the home's block store, by CID)."""

    __tablename__ = "file_entry"
    __table_args__ = (UniqueConstraint("identity_id", "folder", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    identity_id: Mapped[str] = mapped_column(String(32), ForeignKey("identity.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String)  # "/" or "/a/b": validated names joined by "/"
    name: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column()  # plaintext bytes
    mime: Mapped[str | None] = mapped_column(String, nullable=True, default=None)
    root_cid: Mapped[str] = mapped_column(String, index=True)  # of the ciphertext DAG
    stored_size: Mapped[int] = mapped_column()  # ciphertext bytes
    cipher: Mapped[str] = mapped_column(String)
    file_key: Mapped[bytes] = mapped_column(LargeBinary)  # never leaves the vault except to open the file
    added_at: Mapped[float] = mapped_column(default=time.time)


class CommsAccount(Base):
    """An identity's Olm account (vodozemac pickle, encrypted under a key derived from the identity)."""

    __tablename__ = "comms_account"

    identity_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    pickle: Mapped[str] = mapped_column(String)
    fallback_key: Mapped[bytes] = mapped_column(LargeBinary)  # published on the card, 32 bytes
    updated_at: Mapped[float] = mapped_column(default=time.time)


class CommsSession(Base):
    """One Olm session with a peer (a peer may have several while two starts cross)."""

    __tablename__ = "comms_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    identity_id: Mapped[str] = mapped_column(String(32), ForeignKey("identity.id", ondelete="CASCADE"))
    peer_sign: Mapped[bytes] = mapped_column(LargeBinary)
    session_id: Mapped[str] = mapped_column(String)
    pickle: Mapped[str] = mapped_column(String)
    updated_at: Mapped[float] = mapped_column(default=time.time)


class CommsPeer(Base):
    """What an identity knows of another for messaging: their latest card, the request state
    ("contact" | "incoming" | "outgoing" | "declined" | "blocked") and the holding agreements."""

    __tablename__ = "comms_peer"

    identity_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    sign_public: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    display_name: Mapped[str] = mapped_column(String)
    card: Mapped[str] = mapped_column(String)
    peer_id: Mapped[str | None] = mapped_column(String, nullable=True)
    state: Mapped[str] = mapped_column(String)
    message: Mapped[str | None] = mapped_column(String, nullable=True, default=None)
    hold_for_them: Mapped[bool] = mapped_column(default=False)
    holds_for_me: Mapped[bool] = mapped_column(default=False)
    # the Olm identity key the user confirmed by comparing SAS emoji; another key = not verified
    verified_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, default=None)
    created_at: Mapped[float] = mapped_column(default=time.time)
    updated_at: Mapped[float] = mapped_column(default=time.time)


class CommsMessage(Base):
    """A message in a conversation. Outgoing ones keep their sealed envelope until delivered."""

    __tablename__ = "comms_message"

    identity_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    peer_sign: Mapped[bytes] = mapped_column(LargeBinary)
    direction: Mapped[str] = mapped_column(String)  # "in" | "out"
    kind: Mapped[str] = mapped_column(String)  # "text" | "json" | "control" (receipts, accepts)
    body: Mapped[Any] = mapped_column(JSON, nullable=True)
    state: Mapped[str] = mapped_column(String)  # queued | sent | delivered | read | received
    group_id: Mapped[str | None] = mapped_column(String(32), nullable=True, default=None)
    envelope: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    next_try: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[float] = mapped_column(default=time.time)
    updated_at: Mapped[float] = mapped_column(default=time.time)


class CommsSeen(Base):
    """An envelope id already accepted: the same envelope again is a replay."""

    __tablename__ = "comms_seen"

    identity_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    envelope_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[float] = mapped_column(default=time.time)


class CommsHeld(Base):
    """A sealed envelope this node holds for an offline contact, until fetched and acknowledged."""

    __tablename__ = "comms_held"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient: Mapped[bytes] = mapped_column(LargeBinary)  # the recipient identity's Ed25519 key
    depositor: Mapped[str] = mapped_column(String)  # peer id that handed it over (for its quota)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column()
    expires_at: Mapped[float] = mapped_column()
    created_at: Mapped[float] = mapped_column(default=time.time)


class CommsGroup(Base):
    """A group conversation: its roster ({hex sign key: card}), owner, and our outbound Megolm
    session (pickled; dropped when someone is removed, so the next message starts a new one)."""

    __tablename__ = "comms_group"

    identity_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String)
    owner: Mapped[bytes] = mapped_column(LargeBinary)
    members: Mapped[Any] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String)  # "active" | "left" | "removed"
    outbound: Mapped[str | None] = mapped_column(String, nullable=True, default=None)
    created_at: Mapped[float] = mapped_column(default=time.time)
    updated_at: Mapped[float] = mapped_column(default=time.time)


class CommsGroupKey(Base):
    """Another member's Megolm session for a group, received over our Olm session with them."""

    __tablename__ = "comms_group_key"

    identity_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("identity.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sender: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    session_id: Mapped[str] = mapped_column(String, primary_key=True)
    pickle: Mapped[str] = mapped_column(String)


class FileShare(Base):
    """A file shared with a peer: while not revoked, that peer may fetch the file's blocks."""

    __tablename__ = "file_share"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    file_id: Mapped[str] = mapped_column(String(32), ForeignKey("file_entry.id", ondelete="CASCADE"))
    peer: Mapped[str] = mapped_column(String)
    created_at: Mapped[float] = mapped_column(default=time.time)
    revoked_at: Mapped[float | None] = mapped_column(nullable=True, default=None)
