"""Comms state in the vault, as functions over one SQLAlchemy session (run with `node.db`).

Every function here runs on the vault thread inside one transaction, so a session pickle, the
message it opened and the envelope id that must not be accepted twice are committed together.
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

import vodozemac as vz
from nacl.signing import SigningKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import CommsAccount, CommsPeer, CommsSession, Contact, Identity, Setting

from ..cards import ContactCard, PeerBlock
from ..text import safe_text
from . import e2e

HOST_KEY_SETTING = "comms.hostKey"
PORT_SETTING = "comms.port"
ONLINE_SETTING = "comms.online"
LUMINOSITY_SETTING = "comms.luminosity"  # its rules: routing.write_settings
MAX_SESSIONS_PER_PEER = 4  # crossing starts make a second one; older ones are dropped


def sign_public(identity: Identity) -> bytes:
    return bytes(SigningKey(identity.sign_seed).verify_key.encode())


def identities_by_key(s: Session) -> dict[bytes, str]:
    return {sign_public(i): i.id for i in s.scalars(select(Identity))}


# -- settings --------------------------------------------------------------------------------


def get_setting(s: Session, key: str, default: Any = None) -> Any:
    row = s.get(Setting, key)
    return default if row is None else row.value


def set_setting(s: Session, key: str, value: Any) -> None:
    s.merge(Setting(key=key, value=value))


def host_seed(s: Session) -> bytes:
    """The libp2p host key of this vault: one peer id for all its identities, stable across starts."""
    seed = get_setting(s, HOST_KEY_SETTING)
    if seed is None:
        seed = os.urandom(32).hex()
        set_setting(s, HOST_KEY_SETTING, seed)
    return bytes.fromhex(seed)


# -- Olm account and sessions ----------------------------------------------------------------


def load_account(s: Session, identity: Identity) -> tuple[vz.Account, CommsAccount]:
    key = e2e.pickle_key(identity.box_secret)
    row = s.get(CommsAccount, identity.id)
    if row is None:
        account, fallback = e2e.new_account()
        row = CommsAccount(identity_id=identity.id, pickle=account.pickle(key), fallback_key=fallback)
        s.add(row)
        return account, row
    return vz.Account.from_pickle(row.pickle, key), row


def save_account(identity: Identity, account: vz.Account, row: CommsAccount) -> None:
    row.pickle = account.pickle(e2e.pickle_key(identity.box_secret))
    row.updated_at = time.time()


def load_sessions(s: Session, identity: Identity, peer: bytes) -> list[tuple[vz.Session, CommsSession]]:
    key = e2e.pickle_key(identity.box_secret)
    rows = s.scalars(
        select(CommsSession)
        .where(CommsSession.identity_id == identity.id, CommsSession.peer_sign == peer)
        .order_by(CommsSession.updated_at.desc())
    ).all()
    return [(vz.Session.from_pickle(r.pickle, key), r) for r in rows]


def save_session(s: Session, identity: Identity, peer: bytes, session: vz.Session, row: CommsSession | None) -> None:
    pickled = session.pickle(e2e.pickle_key(identity.box_secret))
    if row is None:
        row = CommsSession(identity_id=identity.id, peer_sign=peer, session_id=session.session_id, pickle=pickled)
        s.add(row)
        s.flush()
        for old in load_sessions(s, identity, peer)[MAX_SESSIONS_PER_PEER:]:
            s.delete(old[1])
    row.pickle, row.updated_at = pickled, time.time()


# -- cards and peers -------------------------------------------------------------------------


def own_card(s: Session, identity: Identity, peer_id: str, addresses: list[str]) -> ContactCard:
    from ..cards import card_for  # the one place a card's v2 part is made

    account, account_row = load_account(s, identity)
    holders = []
    for p in s.scalars(select(CommsPeer).where(CommsPeer.identity_id == identity.id, CommsPeer.holds_for_me)):
        card = ContactCard.decode(p.card)
        if card.peer is not None:
            holders += [f"{a}/p2p/{card.peer.peer_id}" for a in card.peer.addresses[:2]]
    luminosity = int(get_setting(s, LUMINOSITY_SETTING, 0) or 0)
    block = PeerBlock(
        peer_id,
        e2e.identity_key(account),
        account_row.fallback_key,
        tuple(addresses[:4]),
        tuple(holders[:4]),
        luminosity,
    )
    return dataclasses.replace(card_for(identity, s), peer=block)


def get_peer(s: Session, identity_id: str, sign: bytes) -> CommsPeer | None:
    return s.get(CommsPeer, (identity_id, sign))


def remember_card(s: Session, identity_id: str, card: ContactCard, text: str, state: str) -> CommsPeer:
    """Keep the latest card of a peer (addresses and keys change) and set its request state."""
    peer = get_peer(s, identity_id, card.sign_public)
    if peer is None:
        peer = CommsPeer(
            identity_id=identity_id,
            sign_public=card.sign_public,
            display_name=card.display_name,
            card=text,
            state=state,
            hold_for_them=False,
            holds_for_me=False,
        )
        s.add(peer)
    else:
        peer.state = state
    if card.peer is not None or peer.card == "":
        peer.card, peer.peer_id = text, card.peer.peer_id if card.peer else None
    peer.updated_at = time.time()
    return peer


def peer_card(peer: CommsPeer) -> ContactCard:
    return ContactCard.decode(peer.card)


def is_contact(s: Session, identity_id: str, sign: bytes) -> bool:
    peer = get_peer(s, identity_id, sign)
    if peer is not None and peer.state in ("blocked", "declined"):
        return False
    found = s.scalars(select(Contact.id).where(Contact.identity_id == identity_id, Contact.sign_public == sign))
    return found.first() is not None


def contact_id(s: Session, identity_id: str, sign: bytes) -> str | None:
    q = select(Contact.id).where(Contact.identity_id == identity_id, Contact.sign_public == sign)
    return s.scalars(q).first()


def add_contact(s: Session, identity_id: str, card: ContactCard) -> str:
    """Make the peer a contact (a request accepted, on either side); returns the contact id."""

    existing = contact_id(s, identity_id, card.sign_public)
    if existing is not None:
        return existing
    c = Contact(
        identity_id=identity_id,
        display_name=safe_text(card.display_name)[:64] or "Unnamed",
        sign_public=card.sign_public,
        box_public=card.box_public,
        eth_address=checksum_address(card.eth_address),
        added_at=time.time(),
    )
    s.add(c)
    s.flush()
    return c.id


def checksum_address(raw: bytes | None) -> str | None:
    """A card's 20-byte address in its checksummed 0x form (None when the card has none)."""
    if raw is None:
        return None
    from eth_utils import to_checksum_address

    return str(to_checksum_address(raw))
