"""Every app method that takes an id (a contact, channel, file handle, subscription, message,
stored name), called by app B with app A's id: refused or nothing, and nothing changes. B holds
every permission A holds, so what refuses it is the id's scope, not a missing grant.

The sweep enumerates the registry: a new app-callable method taking such an id fails
`test_every_app_method_taking_an_id_is_attacked` until it has a row in ATTACKS."""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mainframe_os.node import errors as E
from mainframe_os.node.comms import app_scope
from mainframe_os.node.comms.app_push import pushes
from mainframe_os.node.context import CallerContext
from mainframe_os.node.events import Event
from mainframe_os.node.node import Node
from mainframe_os.node.registry import REGISTRY
from tests.unit.apps.conftest import ScriptedPrompter
from tests.unit.apps.test_grants import install

from .test_app_contact_ids import add_contact

# Params naming something an app holds by id. ("name"/"key" name an app's own files and stored
# values: those methods are listed in ATTACKS by hand.)
ID_PARAMS = {"contact", "contacts", "channel", "group", "handle", "subscription", "message", "share"}
EVERYTHING = {
    "required": ["STORAGE", "FILES", "COMMS_CONTACT", "MESSENGER", "BLOCKCHAIN_SEND", "CONTACTS_READ"],
    "optional": [],
}
NOTHING = (None, False, [])


@dataclass
class Held:
    """What app A holds, by id."""

    bob: str  # A's id for the contact Bob (picked for messages and for payments)
    bob_at_b: str  # B's own id for Bob, seen through MESSENGER, never picked for B's messages
    channel: str
    writing: str  # a file handle open for writing
    reading: str  # a file handle open for reading
    subscription: str
    messenger_subscription: str
    app_message: str  # the id of a message of A's (app-scoped)
    group: str  # a group of the user's
    storage_writing: str = ""  # a large storage file of A's being written in pieces
    storage_reading: str = ""  # A's large storage file "big.bin" open for reading


# method -> params built from what A holds (B calls with them), and what B must get:
# an error code (never -32603), or a result that says nothing (null / false / []).
ATTACKS: dict[str, list[tuple[Any, Any]]] = {
    "payments_payContact": [(lambda h: {"contact": h.bob, "currency": "ETH", "amount": "0.01"}, 4012)],
    "comms_appSend": [
        (lambda h: {"contact": h.bob, "message": "x"}, 4100),
        (lambda h: {"contact": h.bob_at_b, "message": "x"}, 4100),  # B's own id, never picked for messages
    ],
    "comms_appMessages": [(lambda h: {"contact": h.bob}, 4100), (lambda h: {"channel": h.channel}, 4100)],
    "comms_channelCreate": [(lambda h: {"name": "x", "contacts": [h.bob]}, 4100)],
    "comms_channelSend": [(lambda h: {"channel": h.channel, "message": "x"}, 4100)],
    "comms_appUnsubscribe": [(lambda h: {"subscription": h.subscription}, NOTHING)],
    # a group is the user's own (every MESSENGER app sees them all): A's channel id, or a prefix or a
    # name of a group, names none; refused before anything goes online
    "messenger_history": [(lambda h: {"contact": h.bob}, 4012), (lambda h: {"group": h.channel}, 4020)],
    "messenger_send": [
        (lambda h: {"contact": h.bob, "text": "x"}, 4012),
        (lambda h: {"group": h.channel, "text": "x"}, 4020),
        (lambda h: {"group": h.group[:4], "text": "x"}, 4020),
    ],
    "messenger_markRead": [(lambda h: {"contact": h.bob}, 4012), (lambda h: {"group": h.group[:4]}, 4020)],
    "messenger_groupCreate": [(lambda h: {"name": "x", "contacts": [h.bob]}, 4012)],
    "messenger_shareApp": [(lambda h: {"contact": h.bob, "appId": "0" * 40}, 4012)],
    "messenger_unsubscribe": [(lambda h: {"subscription": h.messenger_subscription}, NOTHING)],
    "messenger_inspectShare": [(lambda h: {"message": h.app_message}, 6030)],
    "messenger_installShared": [(lambda h: {"message": h.app_message}, 6030)],
    "files_appWrite": [(lambda h: {"handle": h.writing, "data": base64.b64encode(b"evil").decode()}, 8001)],
    "files_appCloseWrite": [(lambda h: {"handle": h.writing}, 8001)],
    "files_appRead": [(lambda h: {"handle": h.reading}, 8001)],
    "files_appClose": [(lambda h: {"handle": h.writing}, NOTHING), (lambda h: {"handle": h.reading}, NOTHING)],
    "files_appOpenRead": [(lambda h: {"name": "secret.txt"}, 8001)],
    "files_appDelete": [(lambda h: {"name": "secret.txt"}, NOTHING)],
    # A's contact id and A's file name: refused before any prompt (B's own file of that name: none)
    "files_appShare": [(lambda h: {"name": "secret.txt", "contact": h.bob}, 4012)],
    "storage_get": [(lambda h: {"key": "k"}, NOTHING)],
    "storage_delete": [(lambda h: {"key": "k"}, NOTHING)],
    "storage_readFile": [(lambda h: {"name": "f"}, NOTHING)],
    "storage_deleteFile": [(lambda h: {"name": "f"}, NOTHING), (lambda h: {"name": "big.bin"}, NOTHING)],
    "storage_writeFilePiece": [
        (lambda h: {"handle": h.storage_writing, "offset": 4, "data": base64.b64encode(b"evil").decode()}, 8001)
    ],
    "storage_closeFileWrite": [(lambda h: {"handle": h.storage_writing}, 8001)],
    "storage_readFilePiece": [(lambda h: {"handle": h.storage_reading}, 8001)],
    "storage_closeFile": [
        (lambda h: {"handle": h.storage_writing}, NOTHING),
        (lambda h: {"handle": h.storage_reading}, NOTHING),
    ],
    "storage_openFileRead": [(lambda h: {"name": "big.bin"}, NOTHING)],
}


def test_every_app_method_taking_an_id_is_attacked() -> None:
    taking = {
        m.name
        for m in REGISTRY.all()
        if m.access.apps_may_call and not m.extra.get("raw_params") and ID_PARAMS & {p.name for p in m.params}
    }
    assert len(taking) > 15  # comms, messenger, files and payments methods were found
    assert sorted(taking - set(ATTACKS)) == []


async def _hold(node: Node, prompter: ScriptedPrompter, a: CallerContext, b: CallerContext, bob: str) -> Held:
    from vault.models import CommsGroup, CommsMessage, Identity

    prompter.will(True, data=[bob])
    (bob_a,) = await node.call("comms_pickContacts", {}, a)
    prompter.will(True, data=[bob])
    await node.call("contacts_select", {}, a)
    ident = str(a.identity_id)

    def channel_and_message(s: Any) -> str:
        # a channel of A's (as comms_channelCreate makes it, without going online to invite) and an
        # app message of A's (as the inbox stores one)
        ch = app_scope.create_channel(s, s.get(Identity, ident), str(a.app_id), "club", [bob_a["id"]])
        body = {"app": a.app_id, "body": {"secret": 1}}
        s.add(CommsMessage(identity_id=ident, id=os.urandom(16).hex(), peer_sign=b"\0" * 32, direction="in",
                           kind=app_scope.APP_KIND, state="received", body=body))  # fmt: skip
        s.add(CommsGroup(identity_id=ident, id=group, name="Trip", owner=b"\0" * 32, members={}, state="active"))
        return str(ch["id"])

    group = os.urandom(16).hex()
    channel = await node.db(channel_and_message)
    await node.call("storage_set", {"key": "k", "value": "mine"}, a)
    await node.call("storage_writeFile", {"name": "f", "data": base64.b64encode(b"mine").decode()}, a)
    w = (await node.call("files_appOpenWrite", {"name": "secret.txt"}, a))["handle"]
    await node.call("files_appWrite", {"handle": w, "data": base64.b64encode(b"top secret").decode()}, a)
    await node.call("files_appCloseWrite", {"handle": w}, a)
    reading = (await node.call("files_appOpenRead", {"name": "secret.txt"}, a))["handle"]
    writing = (await node.call("files_appOpenWrite", {"name": "draft.txt"}, a))["handle"]
    big = (await node.call("storage_openFileWrite", {"name": "big.bin"}, a))["handle"]
    await node.call(
        "storage_writeFilePiece", {"handle": big, "offset": 0, "data": base64.b64encode(b"big").decode()}, a
    )
    await node.call("storage_closeFileWrite", {"handle": big}, a)
    storage_reading = (await node.call("storage_openFileRead", {"name": "big.bin"}, a))["handle"]
    storage_writing = (await node.call("storage_openFileWrite", {"name": "part.bin"}, a))["handle"]
    await node.call("storage_writeFilePiece", {"handle": storage_writing, "offset": 0, "data": "b2s="}, a)
    chats = (await node.call("messenger_conversations", {}, b))["conversations"]
    message = await node.db(
        lambda s: next(m.id for m in s.query(CommsMessage).filter_by(identity_id=ident, kind=app_scope.APP_KIND))
    )
    return Held(
        bob=bob_a["id"],
        bob_at_b=next(c["id"] for c in chats if c["name"] == "Bob"),
        channel=channel,
        writing=writing,
        reading=reading,
        subscription=await node.call("comms_appSubscribe", {}, a),
        messenger_subscription=await node.call("messenger_subscribe", {}, a),
        app_message=message,
        group=group,
        storage_writing=storage_writing,
        storage_reading=storage_reading,
    )


async def _state(node: Node, a: CallerContext) -> Any:
    """What a refused call must leave as it was: the vault's app data and messages, A's pushes."""
    from vault.models import AppData, CommsMessage

    def read(s: Any) -> Any:
        data = sorted((d.app_id, d.kind, d.key, bytes(d.value)) for d in s.query(AppData))
        return data, s.query(CommsMessage).count()

    return await node.db(read), sorted(pushes(node).subs)


async def test_app_b_using_app_as_ids_is_refused_and_changes_nothing(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    bob = await add_contact(node, tmp_path, "Bob")
    a = CallerContext.app(await install(node, tmp_path, "Alpha", permissions=EVERYTHING), ident)
    b = CallerContext.app(await install(node, tmp_path, "Beta", permissions=EVERYTHING), ident)
    held = await _hold(node, prompter, a, b, bob)
    before, asked = await _state(node, a), len(prompter.asked)
    events: list[Event] = []
    node.events.subscribe(Event, events.append)

    outcomes = []
    for name, attacks in ATTACKS.items():
        for make, expected in attacks:
            try:
                result: Any = await node.call(name, make(held), b)
            except E.RpcError as exc:
                outcomes.append((name, exc.code, re.sub(r"\W+", " ", exc.message)[:60]))
                assert exc.code == expected, f"{name}: {exc.code} {exc.message}"
                assert "permission" not in exc.message.lower(), f"{name} was refused for a grant, not for the id"
            else:
                assert expected is NOTHING and result in NOTHING, f"{name} gave B {result!r}"
    assert len(prompter.asked) == asked  # no dialog was shown for any of them
    assert events == []  # nothing announced: no message, no payment, no file change
    assert await _state(node, a) == before  # nothing stored, sent, deleted or unsubscribed
    # A's handles survived B's attempts: A finishes its draft and reads its file
    await node.call("files_appWrite", {"handle": held.writing, "data": base64.b64encode(b"ok").decode()}, a)
    assert (await node.call("files_appCloseWrite", {"handle": held.writing}, a))["name"] == "draft.txt"
    piece = await node.call("files_appRead", {"handle": held.reading}, a)
    assert base64.b64decode(piece["data"]) == b"top secret"
    assert {f["name"] for f in await node.call("files_appList", {}, a)} == {"secret.txt", "draft.txt"}
    assert await node.call("storage_get", {"key": "k"}, a) == "mine"
    # and its large storage files: the one in pieces finishes, the stored one reads back
    await node.call("storage_writeFilePiece", {"handle": held.storage_writing, "offset": 2, "data": "IQ=="}, a)
    assert (await node.call("storage_closeFileWrite", {"handle": held.storage_writing}, a))["size"] == 3
    piece = await node.call("storage_readFilePiece", {"handle": held.storage_reading}, a)
    assert base64.b64decode(piece["data"]) == b"big"
    assert [f["name"] for f in await node.call("storage_listFiles", {}, a)] == ["big.bin", "f", "part.bin"]
    assert len(outcomes) >= 15  # the refusals were seen (their codes checked above)
