"""contacts_* methods: the people an identity knows, added from their contact cards."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..cards import ContactCard
from ..events import ContactsChanged
from ..params import Param
from ..refs import match_ref
from ..registry import method
from ..text import lookalikes, safe_text, skeleton
from .identities import clean_name, require_identity

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

MAX_CONTACTS_PAGE = 100_000


def _checksum(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    from eth_utils import to_checksum_address

    return str(to_checksum_address(raw))


async def contact_address(node: Node, identity_id: str, ref: str) -> tuple[str, str]:
    """A contact (by id, id prefix or exact name) of `identity_id` -> (address, name) to pay."""
    from sqlalchemy import select

    from vault.models import Contact

    def find(s: Any) -> list[tuple[str | None, str]]:
        rows = s.scalars(select(Contact).where(Contact.identity_id == identity_id)).all()
        hits = match_ref(rows, ref, lambda c: c.id, lambda c: c.display_name)
        return [(c.eth_address, c.display_name) for c in hits]

    hits = await node.db(find)
    if not hits:
        raise E.ContactNotFound(f"No contact or address matches '{ref[:64]}'")
    if len(hits) > 1:
        raise E.ContactRpcError(f"'{ref[:64]}' matches several contacts: use the contact id")
    address, name = hits[0]
    if address is None:
        raise E.ContactRpcError(f"{name} has no Ethereum address on their card: ask them for a new card")
    return address, name


def contact_json(c: Any) -> dict[str, Any]:
    addr = bytes.fromhex(c.eth_address[2:]) if c.eth_address else None
    card = ContactCard(c.display_name, c.sign_public, c.box_public, addr)
    return {
        "address": c.eth_address,
        "id": c.id,
        "identityId": c.identity_id,
        "displayName": safe_text(c.display_name),  # stored before names were cleaned
        "signPublicKey": c.sign_public.hex(),
        "boxPublicKey": c.box_public.hex(),
        "card": card.encode(),
        "addedAt": c.added_at,
    }


@method(
    "contacts_add",
    Param("card", max_length=4096),
    Param("identityId", required=False),
    Param("displayName", required=False, max_length=256),
)
async def contacts_add(
    node: Node, ctx: CallerContext, card: str, identityId: str | None, displayName: str | None
) -> dict[str, Any]:
    """Add a contact from their card, to the given (or active) identity."""
    from sqlalchemy import select

    from vault.models import Contact, Identity

    parsed = ContactCard.decode(card)
    ident = await require_identity(node, ctx, identityId)
    name = clean_name(displayName or parsed.display_name, "contact name")

    def add(s: Any) -> dict[str, Any]:
        own = s.get(Identity, ident)
        from .identities import card_for

        if card_for(own).sign_public == parsed.sign_public:
            raise E.ContactRpcError("That is your own card")
        dup = s.scalars(
            select(Contact).where(Contact.identity_id == ident, Contact.sign_public == parsed.sign_public)
        ).first()
        if dup is not None:
            raise E.ContactExists(f"That contact is already in your list as '{dup.display_name}'")
        c = Contact(
            id=uuid.uuid4().hex,
            identity_id=ident,
            display_name=name,
            sign_public=parsed.sign_public,
            box_public=parsed.box_public,
            eth_address=_checksum(parsed.eth_address),
            added_at=time.time(),
        )
        s.add(c)
        s.flush()
        from ..comms.store import remember_card  # its messaging keys, for comms_send

        remember_card(s, ident, parsed, card, "contact")
        return contact_json(c)

    out = await node.db(add)
    node.events.emit(ContactsChanged(ident))
    return out


@method(
    "contacts_list",
    Param("identityId", required=False),
    Param("query", required=False, max_length=256),
)
async def contacts_list(
    node: Node, ctx: CallerContext, identityId: str | None, query: str | None
) -> list[dict[str, Any]]:
    """The identity's contacts, by name; `query` filters by a part of the name."""
    from sqlalchemy import select

    from vault.models import Contact

    ident = await require_identity(node, ctx, identityId)
    stmt = select(Contact).where(Contact.identity_id == ident)
    if query:
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(Contact.display_name.ilike(like, escape="\\"))
    stmt = stmt.order_by(Contact.display_name, Contact.added_at).limit(MAX_CONTACTS_PAGE)
    rows = await node.db(lambda s: [contact_json(c) for c in s.scalars(stmt)])
    # Names that look alike (in the whole list, not just this page) get flagged: show the key.
    names = await node.db(lambda s: list(s.scalars(select(Contact.display_name).where(Contact.identity_id == ident))))
    alike = {skeleton(names[i]) for i in lookalikes(names)}
    for r in rows:
        r["lookalike"] = skeleton(r["displayName"]) in alike
    return rows


async def _contact(node: Node, ctx: CallerContext, contact_id: str) -> Any:
    from vault.models import Contact

    ident = await require_identity(node, ctx) if ctx.identity_id else None

    def find(s: Any) -> tuple[str, str] | None:
        c = s.get(Contact, contact_id)
        if c is None or (ident is not None and c.identity_id != ident):
            return None
        return c.id, c.identity_id

    found = await node.db(find)
    if found is None:
        raise E.ContactNotFound()
    return found


@method("contacts_get", Param("id"))
async def contacts_get(node: Node, ctx: CallerContext, id: str) -> dict[str, Any]:
    """One contact."""
    from vault.models import Contact

    cid, _ = await _contact(node, ctx, id)
    return await node.db(lambda s: contact_json(s.get(Contact, cid)))


@method("contacts_rename", Param("id"), Param("displayName", max_length=256))
async def contacts_rename(node: Node, ctx: CallerContext, id: str, displayName: str) -> dict[str, Any]:
    """Give a contact another name (only in your list)."""
    from vault.models import Contact

    cid, ident = await _contact(node, ctx, id)
    name = clean_name(displayName, "contact name")

    def rename(s: Any) -> dict[str, Any]:
        c = s.get(Contact, cid)
        c.display_name = name
        return contact_json(c)

    out = await node.db(rename)
    node.events.emit(ContactsChanged(ident))
    return out


@method("contacts_remove", Param("id"))
async def contacts_remove(node: Node, ctx: CallerContext, id: str) -> bool:
    """Remove a contact from the identity's list."""
    from vault.models import Contact

    cid, ident = await _contact(node, ctx, id)
    await node.db(lambda s: s.delete(s.get(Contact, cid)))
    node.events.emit(ContactsChanged(ident))
    return True
