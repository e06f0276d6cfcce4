"""mfos peer info|start|stop|card, mfos contact request|requests|accept|decline|block|unblock|hold,
mfos msg send|list|sync: messaging from the terminal (issue 12). Each command is one method call."""

from __future__ import annotations

import json
import time
from typing import Any

from .formats import table as _table
from .framework import arg, command
from .session import CliSession

_IDENTITY = arg("--identity", help="the identity to act as (default: the active one)")


def _peer_info(r: dict[str, Any]) -> str:
    if not r.get("online"):
        return "Offline. Run 'mfos peer start' to go online."
    lines = [f"Peer id:   {r['peerId']}", *[f"Listening: {a}" for a in r["addresses"]]]
    lines.append(f"Connected: {len(r['connected'])} peer(s)")
    return "\n".join(lines + [f"  {p}" for p in r["connected"]])


@command(
    "peer info",
    "this node's peer id, addresses and connected peers",
    vault="required",
    formatter=_peer_info,
    method="peer_info",
)
async def peer_info(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("peer_info")


@command(
    "peer start",
    "go online for messages (stays on at the next unlock)",
    vault="required",
    formatter=_peer_info,
    method="peer_start",
)
async def peer_start(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("peer_start")


@command(
    "peer stop",
    "go offline (stays off at the next unlock)",
    vault="required",
    formatter=lambda r: "Offline.",
    method="peer_stop",
)
async def peer_stop(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("peer_stop")


@command(
    "peer card",
    "print the identity's card with its messaging keys (to send with a request)",
    _IDENTITY,
    vault="required",
    formatter=lambda r: r["card"],
    method="peer_card",
)
async def peer_card(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("peer_card", {"identityId": a.identity})


@command(
    "contact request",
    "ask someone to become a contact, from their card",
    arg("card"),
    arg("--message", help="a short note they see with the request"),
    _IDENTITY,
    vault="required",
    formatter=lambda r: "Request sent." if r["state"] == "outgoing" else "They had asked you: now contacts.",
)
async def contact_request(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("contacts_request", {"card": a.card, "message": a.message, "identityId": a.identity})


def _requests(r: dict[str, Any]) -> str:
    rows = [dict(x, dir=kind) for kind in ("incoming", "outgoing", "blocked") for x in r[kind]]
    for x in rows:
        x["short"] = x["id"][:16]
    cols = [("dir", "KIND"), ("short", "ID"), ("displayName", "NAME"), ("message", "MESSAGE")]
    return _table(rows, cols, "No requests.")


@command("contact requests", "contact requests waiting for an answer", _IDENTITY, vault="required", formatter=_requests)
async def contact_requests(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("contacts_requests", {"identityId": a.identity})


def _decide(name: str, method: str, summary: str, done: str) -> None:
    async def run(s: CliSession, a: Any) -> Any:
        await s.connect(a.vault)
        return await s.call(method, {"id": a.id, "identityId": a.identity})

    command(
        f"contact {name}",
        summary,
        arg("id", help="the request's id (a prefix will do) or the contact's name"),
        _IDENTITY,
        vault="required",
        formatter=lambda r: done,
    )(run)


_decide("accept", "contacts_accept", "accept a contact request", "Accepted: now contacts.")
_decide("decline", "contacts_decline", "decline a contact request (nothing is sent back)", "Declined.")
_decide("block", "contacts_block", "drop everything from a person from now on", "Blocked.")
_decide("unblock", "contacts_unblock", "stop dropping a person's messages", "Unblocked.")


@command(
    "contact hold",
    "agree that a contact holds your messages while you are offline, or that you hold theirs",
    arg("id"),
    arg("--for-them", choices=["on", "off"], help="keep their messages while they are offline"),
    arg("--for-me", choices=["on", "off"], help="they keep mine: fetch from them, name them on my card"),
    _IDENTITY,
    vault="required",
    formatter=lambda r: f"Holding for them: {r['holdForThem']}; holds for me: {r['holdsForMe']}.",
)
async def contact_hold(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    flag = {"on": True, "off": False, None: None}
    params = {"id": a.id, "holdForThem": flag[a.for_them], "holdsForMe": flag[a.for_me], "identityId": a.identity}
    return await s.call("contacts_setHolding", params)


@command(
    "msg send",
    "send an end-to-end encrypted message to a contact",
    arg("contact"),
    arg("text", nargs="?"),
    arg("--payload", help="a structured JSON object instead of text"),
    _IDENTITY,
    vault="required",
    formatter=lambda r: f"Message {r['id'][:8]}: {r['state']}.",
)
async def msg_send(s: CliSession, a: Any) -> Any:
    from .session import CliError

    await s.connect(a.vault)
    payload = None
    if a.payload is not None:
        try:
            payload = json.loads(a.payload)
        except ValueError:
            raise CliError("--payload needs a JSON object") from None
    if (a.text is None) == (payload is None):
        raise CliError("give the message text, or --payload JSON")
    params = {"contact": a.contact, "text": a.text, "payload": payload, "identityId": a.identity}
    return await s.call("comms_send", params)


def _messages(rows: list[dict[str, Any]]) -> str:
    shown = [
        dict(
            m,
            when=time.strftime("%Y-%m-%d %H:%M", time.localtime(m["createdAt"])),
            arrow="->" if m["direction"] == "out" else "<-",
            text=m["body"] if isinstance(m["body"], str) else json.dumps(m["body"]),
        )
        for m in rows
    ]
    cols = [("when", "WHEN"), ("arrow", " "), ("text", "MESSAGE"), ("state", "STATE")]
    return _table(shown, cols, "No messages.")


@command(
    "msg list",
    "message history, of one contact or all",
    arg("contact", nargs="?"),
    arg("--limit", type=int, default=50),
    _IDENTITY,
    vault="required",
    formatter=_messages,
)
async def msg_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("comms_list", {"contact": a.contact, "limit": a.limit, "identityId": a.identity})


@command(
    "msg sync",
    "send what is queued and fetch from holders now",
    vault="required",
    formatter=lambda r: f"Fetched {r['fetched']}; {r['queued']} still queued.",
)
async def msg_sync(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    await s.call("peer_start")
    return await s.call("comms_sync")


def _verification(r: dict[str, Any]) -> str:
    if r["state"] == "waiting":
        return "Verification sent; run this command again once they have it open, to see the emoji."
    if r["state"] == "compare":
        words = ", ".join(r["words"])
        return f"Compare with them in person:\n  {r['emoji']}\n  {words}\nThen: --confirm yes|no"
    return "Verified." if r["state"] == "verified" else "Marked as NOT matching: do not trust this contact's keys."


@command(
    "contact verify",
    "compare 7 emoji with a contact in person (SAS), then confirm",
    arg("id"),
    arg("--confirm", choices=["yes", "no"], help="whether the emoji you both see match"),
    _IDENTITY,
    vault="required",
    formatter=_verification,
)
async def contact_verify(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    confirm = {"yes": True, "no": False, None: None}[a.confirm]
    return await s.call("contacts_verify", {"id": a.id, "confirm": confirm, "identityId": a.identity})


def _group(r: dict[str, Any]) -> str:
    names = ", ".join(m["displayName"] + (" (you)" if m["you"] else "") for m in r["members"])
    return f"Group '{r['name']}' ({r['id'][:8]}), {r['state']}: {names}"


@command(
    "group create",
    "create a group with contacts",
    arg("name"),
    arg("contacts", nargs="+"),
    _IDENTITY,
    vault="required",
    formatter=_group,
)
async def group_create(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("groups_create", {"name": a.name, "contacts": a.contacts, "identityId": a.identity})


@command(
    "group list",
    "your groups",
    _IDENTITY,
    vault="required",
    formatter=lambda r: "\n".join(map(_group, r)) or "No groups.",
)
async def group_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("groups_list", {"identityId": a.identity})


def _group_change(name: str, method: str, summary: str, param: str | None) -> None:
    async def run(s: CliSession, a: Any) -> Any:
        await s.connect(a.vault)
        params = {"group": a.group, "identityId": a.identity}
        if param is not None:
            params[param] = getattr(a, param)
        return await s.call(method, params)

    extra = [arg(param)] if param is not None else []
    command(f"group {name}", summary, arg("group"), *extra, _IDENTITY, vault="required", formatter=_group_or_state)(run)


def _group_or_state(r: dict[str, Any]) -> str:
    return _group(r) if "members" in r else f"Group {r['id'][:8]}: {r['state']}."


_group_change("add", "groups_add", "add a contact to a group you created", "contact")
_group_change("remove", "groups_remove", "remove a member (the group key rotates)", "member")
_group_change("leave", "groups_leave", "leave a group", None)


@command(
    "group send",
    "send a message to a group (encrypted once for all)",
    arg("group"),
    arg("text"),
    _IDENTITY,
    vault="required",
    formatter=lambda r: f"Message {r['id'][:8]}: {r['state']}.",
)
async def group_send(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("groups_send", {"group": a.group, "text": a.text, "identityId": a.identity})
