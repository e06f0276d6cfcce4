"""Messaging's commands (issue 12) as users type them: `mfos peer ...`, `mfos contact request ...`,
`mfos msg send ...`, `mfos group ...`, each one call of a `peer_*`, `contacts_*`, `comms_*` or
`groups_*` method, and what they print. `msg sync` (two calls) stays a flow in comms_commands.py.
"""

from __future__ import annotations

import json
import time
from typing import Any

from .formats import formats, table
from .from_registry import shape

_ON_OFF = {"on": True, "off": False}

# -- peer ------------------------------------------------------------------------------------------

shape("peer_info", help="this node's peer id, addresses and connected peers")
shape("peer_start", help="go online for messages (stays on at the next unlock)")
shape("peer_stop", help="go offline (stays off at the next unlock)")
shape("peer_card", help="print the identity's card with its messaging keys (to send with a request)")


@formats("peer_info", "peer_start")
def _peer_info(r: dict[str, Any]) -> str:
    if not r.get("online"):
        # each command is online only while it runs: only a node (or the launcher) stays online
        return "Offline: no process keeps this vault online. Run 'mfos node --vault NAME' (or open it in the launcher)."
    lines = [f"Peer id:   {r['peerId']}", *[f"Listening: {a}" for a in r["addresses"]]]
    lines.append(f"Connected: {len(r['connected'])} peer(s)")
    return "\n".join(lines + [f"  {p}" for p in r["connected"]])


@formats("peer_stop")
def _offline(r: Any) -> str:
    return "Offline."


@formats("peer_card")
def _peer_card(r: dict[str, Any]) -> str:
    return str(r["card"])


# -- contact requests ------------------------------------------------------------------------------

shape("contacts_request", "contact request", help="ask someone to become a contact, from their card")
shape("contacts_requests", "contact requests", help="contact requests waiting for an answer")
shape("contacts_accept", "contact accept", help="accept a contact request")
shape("contacts_decline", "contact decline", help="decline a contact request (nothing is sent back)")
shape("contacts_block", "contact block", help="drop everything from a person from now on")
shape("contacts_unblock", "contact unblock", help="stop dropping a person's messages")
shape(
    "contacts_setHolding",
    "contact hold",
    flags={"holdForThem": "--for-them", "holdsForMe": "--for-me"},
    words={"holdForThem": _ON_OFF, "holdsForMe": _ON_OFF},
    help="agree that a contact holds your messages while you are offline, or that you hold theirs",
)
shape(
    "contacts_verify",
    "contact verify",
    words={"confirm": {"yes": True, "no": False}},
    help="compare 7 emoji with a contact in person (SAS), then confirm",
)


@formats("contacts_request")
def _requested(r: dict[str, Any]) -> str:
    if r["state"] != "outgoing":
        return "They had asked you: now contacts."
    if r.get("delivery") in ("delivered", "held"):
        return "Request delivered." if r["delivery"] == "delivered" else "Request left with their holder."
    return "Request queued: it goes out when they are online and this vault is ('mfos node' keeps it online)."


@formats("contacts_requests")
def _requests(r: dict[str, Any]) -> str:
    rows = [dict(x, dir=kind) for kind in ("incoming", "outgoing", "blocked") for x in r[kind]]
    for x in rows:
        x["short"] = x["id"][:16]
        x["message"] = x.get("message") or ""  # only what they wrote to us is kept
    cols = [("dir", "KIND"), ("short", "ID"), ("displayName", "NAME"), ("message", "MESSAGE")]
    return table(rows, cols, "No requests.")


def _says(text: str) -> Any:
    return lambda r: text


formats("contacts_accept")(_says("Accepted: now contacts."))
formats("contacts_decline")(_says("Declined."))
formats("contacts_block")(_says("Blocked."))
formats("contacts_unblock")(_says("Unblocked."))


@formats("contacts_setHolding")
def _holding(r: dict[str, Any]) -> str:
    return f"Holding for them: {r['holdForThem']}; holds for me: {r['holdsForMe']}."


@formats("contacts_verify")
def _verification(r: dict[str, Any]) -> str:
    if r["state"] == "waiting":
        return "Verification sent; run this command again once they have it open, to see the emoji."
    if r["state"] == "compare":
        words = ", ".join(r["words"])
        return f"Compare with them in person:\n  {r['emoji']}\n  {words}\nThen: --confirm yes|no"
    return "Verified." if r["state"] == "verified" else "Marked as NOT matching: do not trust this contact's keys."


# -- messages --------------------------------------------------------------------------------------

shape(
    "comms_send",
    "msg send",
    positional=("contact", "text"),
    help="send an end-to-end encrypted message to a contact (its text, or --payload JSON)",
)
shape(
    "comms_list",
    "msg list",
    positional=("contact",),
    defaults={"limit": 50},
    help="message history, of one contact or all",
)


@formats("comms_send", "groups_send")
def _sent(r: dict[str, Any]) -> str:
    return f"Message {r['id'][:8]}: {r['state']}."


@formats("comms_list")
def messages_table(rows: list[dict[str, Any]]) -> str:
    cols = [("when", "WHEN"), ("arrow", " "), ("text", "MESSAGE"), ("state", "STATE")]
    return table([_shown(m) for m in rows], cols, "No messages.")


def message_line(m: dict[str, Any]) -> str:
    """One message as `mfos msg list --follow` prints it when it arrives."""
    shown = _shown(m)
    return f"{shown['when']}  {shown['arrow']} {shown['text']}"


def _shown(m: dict[str, Any]) -> dict[str, Any]:
    return dict(
        m,
        when=time.strftime("%Y-%m-%d %H:%M", time.localtime(m["createdAt"])),
        arrow="->" if m["direction"] == "out" else "<-",
        text=payload_text(m["body"]),
    )


def payload_text(body: Any) -> str:
    """A message's body in words: a text as is, the structured payloads apps send summed up (a
    file share's capabilities carry each file's key: never on a terminal), anything else cut short."""
    if isinstance(body, str):
        return body
    if isinstance(body, dict) and body.get("mfos") == "files.share/1":  # node/files/sharing.py SHARE_KIND
        what = f"{body.get('kind', 'file')} '{body.get('name', '')}'"
        return f"[shared {what}: {body.get('count', 1)} file(s), {body.get('size', 0)} B; see 'mfos files shared']"
    if isinstance(body, dict) and body.get("kind") == "payment":
        tx = f", tx {body['txHash']}" if body.get("txHash") else ""
        return f"[payment {body.get('amount', '?')} {body.get('currency', '')} {body.get('status', '')}{tx}]"
    text = json.dumps(body, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


@formats("comms_sync")
def synced(r: dict[str, Any]) -> str:
    return f"Fetched {r['fetched']}; {r['queued']} still queued."


# -- groups ----------------------------------------------------------------------------------------

shape("groups_create", "group create", help="create a group with contacts")
shape("groups_list", "group list", help="your groups")
shape("groups_add", "group add", help="add a contact to a group you created")
shape("groups_remove", "group remove", help="remove a member (the group key rotates)")
shape("groups_leave", "group leave", help="leave a group")
shape(
    "groups_send", "group send", positional=("group", "text"), help="send a message to a group (encrypted once for all)"
)


@formats("groups_create")
def _group(r: dict[str, Any]) -> str:
    names = ", ".join(m["displayName"] + (" (you)" if m["you"] else "") for m in r["members"])
    return f"Group '{r['name']}' ({r['id'][:8]}), {r['state']}: {names}"


@formats("groups_list")
def _groups(r: list[dict[str, Any]]) -> str:
    return "\n".join(map(_group, r)) or "No groups."


@formats("groups_add", "groups_remove", "groups_rename", "groups_leave")
def _group_or_state(r: dict[str, Any]) -> str:
    return _group(r) if "members" in r else f"Group {r['id'][:8]}: {r['state']}."
