"""contacts_request / requests / accept / decline / block / unblock / setHolding: adding people
over the network, and deciding who may reach us. The logic is in `node/comms/requests.py`."""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..comms.errors import CommsError
from ..comms.requests import RequestError
from ..comms.running import online_service
from ..events import ContactRequestsChanged, ContactsChanged
from ..params import Param
from ..registry import method
from .identities import require_identity

_REF = Param("id", max_length=256, description="the person's key (hex or a prefix), or a contact id or name")


async def _in_vault(node: Any, fn: Any) -> Any:
    try:
        return await node.db(fn)
    except RequestError as exc:
        raise CommsError(str(exc)) from None


@method(
    "contacts_request",
    Param("card", max_length=4096),
    Param("message", required=False, max_length=500),
    Param("identityId", required=False),
)
async def contacts_request(
    node: Any, ctx: Any, card: str, message: str | None, identityId: str | None
) -> dict[str, Any]:
    """Ask the owner of `card` to become a contact; they see the request and your message."""
    from vault.models import Identity

    from ..comms import requests, store

    ident = await require_identity(node, ctx, identityId)
    svc = await online_service(node)
    peer, they_asked = await _in_vault(
        node, lambda s: requests.prepare_request(s, ident, store.sign_public(s.get(Identity, ident)), card)
    )
    inner = {"type": "accept"} if they_asked else {"type": "request", "message": message or ""}
    sent = await svc.send(ident, peer, inner, "control")
    node.events.emit(ContactRequestsChanged(ident))
    if they_asked:
        node.events.emit(ContactsChanged(ident))
    state = "contact" if they_asked else "outgoing"
    return {"id": peer.hex(), "state": state, "messageId": sent["id"], "delivery": sent.get("state")}


@method("contacts_requests", Param("identityId", required=False))
async def contacts_requests(node: Any, ctx: Any, identityId: str | None) -> dict[str, Any]:
    """Requests waiting for an answer: incoming (to accept or decline) and outgoing."""
    from ..comms import requests

    ident = await require_identity(node, ctx, identityId)

    def read(s: Any) -> dict[str, Any]:
        return {
            "incoming": requests.listing(s, ident, ("incoming",)),
            "outgoing": requests.listing(s, ident, ("outgoing",)),
            "blocked": requests.listing(s, ident, ("blocked",)),
        }

    return await node.db(read)


@method("contacts_peers", Param("identityId", required=False))
async def contacts_peers(node: Any, ctx: Any, identityId: str | None) -> list[dict[str, Any]]:
    """Contacts as messaging knows them: key, peer id, verified or not, keys changed or not."""
    from sqlalchemy import select

    from vault.models import CommsPeer

    from ..comms import requests

    ident = await require_identity(node, ctx, identityId)

    def read(s: Any) -> list[dict[str, Any]]:
        q = select(CommsPeer).where(CommsPeer.identity_id == ident, CommsPeer.state == "contact")
        return requests.with_key_warnings(s, ident, list(s.scalars(q.order_by(CommsPeer.updated_at.desc()))))

    return await node.db(read)


@method("contacts_accept", _REF, Param("identityId", required=False))
async def contacts_accept(node: Any, ctx: Any, id: str, identityId: str | None) -> dict[str, Any]:
    """Accept a contact request: they become a contact and are told so."""
    from ..comms import requests

    ident = await require_identity(node, ctx, identityId)
    svc = await online_service(node)
    peer, cid = await _in_vault(node, lambda s: requests.accept(s, ident, id))
    await svc.queue(ident, peer, {"type": "accept"}, "control")
    svc.wake()
    node.events.emit(ContactsChanged(ident))
    node.events.emit(ContactRequestsChanged(ident))
    return {"id": peer.hex(), "contactId": cid, "state": "contact"}


async def _set_state(node: Any, ctx: Any, ref: str, identity_id: str | None, state: str) -> dict[str, Any]:
    from ..comms import requests

    ident = await require_identity(node, ctx, identity_id)
    peer = await _in_vault(node, lambda s: requests.set_state(s, ident, ref, state))
    node.events.emit(ContactRequestsChanged(ident))
    return {"id": peer.hex(), "state": "declined" if state == "unblocked" else state}


@method("contacts_decline", _REF, Param("identityId", required=False))
async def contacts_decline(node: Any, ctx: Any, id: str, identityId: str | None) -> dict[str, Any]:
    """Decline a contact request: nothing is sent back, and their messages are dropped."""
    return await _set_state(node, ctx, id, identityId, "declined")


@method("contacts_block", _REF, Param("identityId", required=False))
async def contacts_block(node: Any, ctx: Any, id: str, identityId: str | None) -> dict[str, Any]:
    """Block a person (a requester or a contact): everything from them is dropped silently."""
    return await _set_state(node, ctx, id, identityId, "blocked")


@method("contacts_unblock", _REF, Param("identityId", required=False))
async def contacts_unblock(node: Any, ctx: Any, id: str, identityId: str | None) -> dict[str, Any]:
    """Unblock a person (their request can then be accepted again)."""
    return await _set_state(node, ctx, id, identityId, "unblocked")


@method(
    "contacts_setHolding",
    _REF,
    Param("holdForThem", "boolean", required=False, description="keep their messages while they are offline"),
    Param("holdsForMe", "boolean", required=False, description="they keep mine: fetch from them, list them on my card"),
    Param("identityId", required=False),
)
async def contacts_set_holding(
    node: Any, ctx: Any, id: str, holdForThem: bool | None, holdsForMe: bool | None, identityId: str | None
) -> dict[str, Any]:
    """Agree to hold messages for a contact while they are offline, or name a contact as your holder."""
    from ..comms import requests

    if holdForThem is None and holdsForMe is None:
        raise E.InvalidParams("Give 'holdForThem' or 'holdsForMe'")
    ident = await require_identity(node, ctx, identityId)
    out = await _in_vault(node, lambda s: requests.set_holding(s, ident, id, holdForThem, holdsForMe))
    if holdsForMe is not None:  # our card changed: tell every contact where to leave messages
        svc = await online_service(node)
        card = await svc.card(ident)
        for peer in await node.db(lambda s: requests.contact_signs(s, ident)):
            await svc.queue(ident, peer, {"type": "card", "card": card}, "control")
        svc.wake()
    return out


@method(
    "contacts_verify",
    _REF,
    Param("confirm", "boolean", required=False, description="true: the emoji match; false: they do not"),
    Param("identityId", required=False),
)
async def contacts_verify(node: Any, ctx: Any, id: str, confirm: bool | None, identityId: str | None) -> dict[str, Any]:
    """Verify a contact in person: start (or show) the 7 emoji to compare, then confirm or reject."""
    from ..comms import requests
    from ..events import ContactVerification, Notification

    ident = await require_identity(node, ctx, identityId)
    svc = await online_service(node)

    def find(s: Any) -> bytes:
        peer = requests.find_peer(s, ident, id)
        if peer.state != "contact":
            raise RequestError(f"{peer.display_name} is not a contact")
        return peer.sign_public

    peer = await _in_vault(node, find)
    pending = svc.verifications.get((ident, peer))
    if confirm is None:
        v = pending if pending is not None else await svc.verify_start(ident, peer)
        # the emoji one by one with their names (some are two code points: the joined string cannot be split)
        return {"id": peer.hex(), **v.to_json(), "pairs": [list(e) for e in v.emoji or ()]}
    if pending is None or pending.emoji is None:
        raise CommsError("There are no emoji to compare yet: start the verification first")
    del svc.verifications[(ident, peer)]
    if not confirm:
        node.events.emit(ContactVerification(ident, peer.hex(), "mismatch"))
        node.events.emit(
            Notification(
                "Verification failed", "The emoji did not match: someone may be in the middle", "warning", "comms"
            )
        )
        return {"id": peer.hex(), "state": "mismatch"}
    out = await _in_vault(node, lambda s: requests.mark_verified(s, ident, peer))
    node.events.emit(ContactVerification(ident, peer.hex(), "verified"))
    return {**out, "state": "verified"}
