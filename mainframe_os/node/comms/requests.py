"""Contact requests and blocking, over the vault (one transaction per function).

States of a peer for one identity: "outgoing" (we asked), "incoming" (they asked; shown in
Contacts -> Requests), "contact" (either side accepted, or a card was added), "declined" and
"blocked" (their envelopes are dropped silently). A declined peer may be accepted later from the
list; a blocked one only after unblocking.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import CommsPeer, Contact

from ..cards import ContactCard
from ..refs import match_ref
from ..text import safe_text
from . import store


class RequestError(ValueError):
    pass


def peer_json(p: CommsPeer) -> dict[str, Any]:
    return {
        "id": p.sign_public.hex(),
        "displayName": safe_text(p.display_name),
        "state": p.state,
        "message": p.message,
        "peerId": p.peer_id,
        "holdForThem": bool(p.hold_for_them),
        "holdsForMe": bool(p.holds_for_me),
        "verified": is_verified(p),
        "updatedAt": p.updated_at,
    }


def is_verified(p: CommsPeer) -> bool:
    card = store.peer_card(p) if p.card else None
    return bool(p.verified_key) and card is not None and card.peer is not None and card.peer.olm_key == p.verified_key


KEYS_CHANGED_SETTING = "comms.keysChanged"


def note_keys_changed(s: Session, identity_id: str, sign: bytes) -> None:
    """Remember that this contact's keys changed, against the card we hold: the warning lasts
    across restarts until that card is replaced (removed and added again with their new card)."""
    peer = store.get_peer(s, identity_id, sign)
    card = store.peer_card(peer) if peer is not None and peer.card else None
    if card is None or card.peer is None:
        return
    seen = dict(store.get_setting(s, KEYS_CHANGED_SETTING, {}) or {})
    seen[f"{identity_id}:{sign.hex()}"] = card.peer.olm_key.hex()
    store.set_setting(s, KEYS_CHANGED_SETTING, seen)


def with_key_warnings(s: Session, identity_id: str, peers: list[CommsPeer]) -> list[dict[str, Any]]:
    """`peer_json` of each, with `keysChanged`: their keys changed since we took the card we hold."""
    seen = store.get_setting(s, KEYS_CHANGED_SETTING, {}) or {}
    out = []
    for p in peers:
        card = store.peer_card(p) if p.card else None
        held = card.peer.olm_key.hex() if card is not None and card.peer is not None else None
        changed = held is not None and seen.get(f"{identity_id}:{p.sign_public.hex()}") == held
        out.append({**peer_json(p), "keysChanged": changed, "verified": is_verified(p) and not changed})
    return out


def mark_verified(s: Session, identity_id: str, sign: bytes) -> dict[str, Any]:
    peer = store.get_peer(s, identity_id, sign)
    card = store.peer_card(peer) if peer is not None else None
    if peer is None or card is None or card.peer is None:
        raise RequestError("This contact has no messaging keys to verify")
    peer.verified_key, peer.updated_at = card.peer.olm_key, time.time()
    return peer_json(peer)


def prepare_request(s: Session, identity_id: str, own_sign: bytes, card_text: str) -> tuple[bytes, bool]:
    """Record that we ask `card`'s owner; returns (their key, whether they had asked us already)."""
    card = ContactCard.decode(card_text)
    if card.peer is None:
        raise RequestError("This card has no messaging keys (an older card): ask them for a new one")
    if card.sign_public == own_sign:
        raise RequestError("That is your own card")
    peer = store.get_peer(s, identity_id, card.sign_public)
    if peer is not None and peer.state == "blocked":
        raise RequestError("You blocked this person: unblock them first")
    if store.contact_id(s, identity_id, card.sign_public) is not None and peer is not None and peer.state == "contact":
        raise RequestError("That person is already in your contacts")
    they_asked = peer is not None and peer.state == "incoming"
    if they_asked:
        store.add_contact(s, identity_id, card)
    store.remember_card(s, identity_id, card, card_text, "contact" if they_asked else "outgoing")
    return card.sign_public, they_asked


def listing(s: Session, identity_id: str, states: tuple[str, ...]) -> list[dict[str, Any]]:
    q = select(CommsPeer).where(CommsPeer.identity_id == identity_id, CommsPeer.state.in_(states))
    return [peer_json(p) for p in s.scalars(q.order_by(CommsPeer.updated_at.desc()))]


def find_peer(s: Session, identity_id: str, ref: str) -> CommsPeer:
    """A peer by its key (hex, or a prefix of 8+), or by a contact's id or name."""
    peers = list(s.scalars(select(CommsPeer).where(CommsPeer.identity_id == identity_id)))
    ref = ref.strip()
    key = ref.lower()
    # a key in full, or a prefix of 8+ (shorter would match by chance)
    hits = [p for p in peers if p.sign_public.hex() == key or (len(key) >= 8 and p.sign_public.hex().startswith(key))]
    if not hits:  # a contact first (a stranger asking under the same name must not shadow them)
        contacts = list(s.scalars(select(Contact).where(Contact.identity_id == identity_id)))
        signs = {c.sign_public for c in match_ref(contacts, ref, lambda c: c.id, lambda c: c.display_name)}
        hits = [p for p in peers if p.sign_public in signs]
    if not hits:  # then a request by the name it shows, any case ("mfos contact accept alice")
        hits = [p for p in peers if safe_text(p.display_name).lower() == key]
    if not hits:
        raise RequestError(f"No request or contact matches '{ref[:64]}'")
    if len({p.sign_public for p in hits}) > 1:
        raise RequestError(f"'{ref[:64]}' matches several people: use the id")
    return hits[0]


def accept(s: Session, identity_id: str, ref: str) -> tuple[bytes, str]:
    peer = find_peer(s, identity_id, ref)
    if peer.state == "blocked":
        raise RequestError("This person is blocked: unblock them first")
    if peer.state not in ("incoming", "declined"):
        raise RequestError("There is no request from this person to accept")
    cid = store.add_contact(s, identity_id, store.peer_card(peer))
    peer.state, peer.updated_at = "contact", time.time()
    return peer.sign_public, cid


def set_state(s: Session, identity_id: str, ref: str, state: str) -> bytes:
    """Decline or block (both drop their envelopes from now on), or unblock (-> declined)."""
    peer = find_peer(s, identity_id, ref)
    if state == "declined" and peer.state != "incoming":
        raise RequestError("There is no request from this person to decline")
    if state == "unblocked":
        if peer.state != "blocked":
            raise RequestError("This person is not blocked")
        state = "declined"
    peer.state, peer.updated_at = state, time.time()
    peer.hold_for_them = peer.hold_for_them and state not in ("blocked", "declined")
    return peer.sign_public


def set_holding(
    s: Session, identity_id: str, ref: str, hold_for_them: bool | None, holds_for_me: bool | None
) -> dict[str, Any]:
    peer = find_peer(s, identity_id, ref)
    if peer.state != "contact":
        raise RequestError("Holding is only agreed between contacts")
    if hold_for_them is not None:
        peer.hold_for_them = hold_for_them
    if holds_for_me is not None:
        if holds_for_me and store.peer_card(peer).peer is None:
            raise RequestError("This contact's card has no peer address: ask them for a new card")
        peer.holds_for_me = holds_for_me
    peer.updated_at = time.time()
    return peer_json(peer)


def contact_signs(s: Session, identity_id: str) -> list[bytes]:
    q = select(CommsPeer.sign_public).where(CommsPeer.identity_id == identity_id, CommsPeer.state == "contact")
    return list(s.scalars(q))
