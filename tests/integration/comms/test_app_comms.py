"""`mainframe.comms` between two real nodes: app-scoped messages, pushes, channels, and the
scope an app cannot leave (its own messages, its own channels, the contacts the user picked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node import events as ev
from mainframe_os.node.apps.package import pack
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import ApproveAllPrompter
from tests.unit.apps.test_package import SEED, make_app

from .conftest import Peer, befriend, wait_for

COMMS_PERMS = {"required": ["STORAGE", "COMMS_CONTACT"], "optional": ["CONTACTS_READ"]}


def package(tmp: Path, name: str, perms: dict[str, Any] = COMMS_PERMS) -> Path:
    out = tmp / f"{name}.mfapp"
    if not out.exists():
        pack(make_app(tmp / f"src-{name}", name=name, permissions=perms), SEED, "Ada", out)
    return out


async def install(p: Peer, pkg: Path) -> CallerContext:
    staged = await p.call("apps_install", {"path": str(pkg)})
    m = staged["manifest"]
    await p.call("apps_approveInstall", {"appId": m["id"], "version": m["version"], "grant": ["CONTACTS_READ"]})
    return CallerContext.app(m["id"], p.identity_id)


async def pick(p: Peer, app: CallerContext, contact_id: str) -> str:
    """The user picks `contact_id` in the launcher's dialog; the app's id for it."""
    p.node.prompter = ApproveAllPrompter(data=[contact_id])
    (picked,) = await p.node.call("comms_pickContacts", {}, app)
    return str(picked["id"])


def pushes(p: Peer, sid: str) -> list[Any]:
    return [e.result for e in p.got(ev.SubscriptionPush, subscription=sid)]


async def test_app_message_reaches_the_same_app_only_and_is_pushed(peers, tmp_path: Path) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    bob_at_alice, alice_at_bob = await befriend(alice, bob)
    chess_a, chess_b = await install(alice, package(tmp_path, "Chess")), await install(bob, package(tmp_path, "Chess"))
    assert chess_a.app_id == chess_b.app_id  # the same app on both sides: same developer key and name
    other_b = await install(bob, package(tmp_path, "Other"))
    sid = await bob.node.call("comms_appSubscribe", {}, chess_b)
    other_sid = await bob.node.call("comms_appSubscribe", {}, other_b)

    bob_id = await pick(alice, chess_a, bob_at_alice)
    sent = await alice.node.call("comms_appSend", {"contact": bob_id, "message": {"move": "e4"}}, chess_a)
    (push,) = await wait_for(lambda: pushes(bob, sid), what="the push at Bob's Chess")
    assert push["body"] == {"move": "e4"} and push["direction"] == "in" and push["id"] == sent["id"]
    # the id Bob's Chess sees for Alice is its own; Alice wrote first, so it may answer her
    assert push["contactId"] != alice_at_bob and push["displayName"] == "Alice"
    await bob.node.call("comms_appSend", {"contact": push["contactId"], "message": {"move": "e5"}}, chess_b)
    history = await wait_for(
        lambda: _two(alice.node.call("comms_appMessages", {"contact": bob_id}, chess_a)), what="Alice's history"
    )
    assert [(m["direction"], m["body"]) for m in history] == [("out", {"move": "e4"}), ("in", {"move": "e5"})]

    # the other app and the user's own conversation saw nothing
    assert pushes(bob, other_sid) == []
    assert await bob.node.call("comms_appMessages", {}, other_b) == []
    assert await bob.call("comms_list") == [] and not bob.got(ev.MessageReceived)
    assert (await bob.call("comms_unread"))["total"] == 0


async def _two(coro: Any) -> Any:
    got = await coro
    return got if len(got) == 2 else None


async def test_scope_an_app_cannot_leave(peers, tmp_path: Path) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    bob_at_alice, _ = await befriend(alice, bob)
    carol = await peers("Carol")
    carol_at_alice, _ = await befriend(alice, carol)
    chess = await install(alice, package(tmp_path, "Chess"))
    other = await install(alice, package(tmp_path, "Other"))
    plain = await install(alice, package(tmp_path, "Plain", {"required": ["STORAGE"], "optional": ["CONTACTS_READ"]}))
    await install(bob, package(tmp_path, "Chess"))
    bob_id = await pick(alice, chess, bob_at_alice)
    await alice.node.call("comms_appSend", {"contact": bob_id, "message": "hi"}, chess)
    await alice.node.call("comms_channelCreate", {"name": "club", "contacts": [bob_id]}, chess)

    # an app without COMMS_CONTACT is refused, whatever it calls
    for name, params in (("comms_pickContacts", {}), ("comms_appSend", {"contact": bob_id, "message": 1})):
        with pytest.raises(E.Unauthorized, match="COMMS_CONTACT"):
            await alice.node.call(name, params, plain)
    # another app cannot use Chess's contact id, read its messages or see its channels
    with pytest.raises(E.Unauthorized):
        await alice.node.call("comms_appSend", {"contact": bob_id, "message": "x"}, other)
    assert await alice.node.call("comms_appMessages", {}, other) == []
    assert await alice.node.call("comms_channelList", {}, other) == []
    (club,) = await alice.node.call("comms_channelList", {}, chess)
    with pytest.raises(E.Unauthorized):
        await alice.node.call("comms_channelSend", {"channel": club["id"], "message": "x"}, other)
    # a contact the user did not pick for Chess: an id from CONTACTS_READ's picker is refused
    alice.node.prompter = ApproveAllPrompter(data=[carol_at_alice])
    (carol_id,) = await alice.node.call("contacts_select", {}, chess)
    with pytest.raises(E.Unauthorized, match="not picked"):
        await alice.node.call("comms_appSend", {"contact": carol_id["id"], "message": "x"}, chess)
    with pytest.raises(E.Unauthorized):
        await alice.node.call("comms_channelCreate", {"name": "x", "contacts": [carol_id["id"]]}, chess)
    # the user refusing the picker gives the app nothing
    alice.node.prompter = _Refuse()
    with pytest.raises(E.UserRejected):
        await alice.node.call("comms_pickContacts", {}, chess)
    # Bob does not have Other: its message is dropped there (the sender cannot tell), nothing kept
    alice.node.prompter = ApproveAllPrompter(data=[bob_at_alice])
    (bob_for_other,) = await alice.node.call("comms_pickContacts", {}, other)
    await alice.node.call("comms_appSend", {"contact": bob_for_other["id"], "message": "x"}, other)
    assert await wait_for(lambda: _app_rows(bob), what="Chess's message at Bob") == [chess.app_id]
    # too big is a clear error
    with pytest.raises(E.InvalidParams, match="at most 16000"):
        await alice.node.call("comms_appSend", {"contact": bob_id, "message": "x" * 20_000}, chess)


async def _app_rows(p: Peer) -> list[str]:
    from sqlalchemy import select

    from vault.models import CommsMessage

    rows = await p.node.db(lambda s: list(s.scalars(select(CommsMessage).where(CommsMessage.kind == "app"))))
    return [r.body["app"] for r in rows]


class _Refuse:
    async def ask(self, request: Any) -> Any:
        from mainframe_os.node.prompter import PromptResult

        return PromptResult(False)


async def test_channels_fan_out_and_accept_only_members(peers, tmp_path: Path) -> None:
    alice, bob, carol = await peers("Alice"), await peers("Bob"), await peers("Carol")
    bob_at_alice, _ = await befriend(alice, bob)
    carol_at_alice, _ = await befriend(alice, carol)
    apps = [await install(p, package(tmp_path, "Chess")) for p in (alice, bob, carol)]
    subs = [await p.node.call("comms_appSubscribe", {}, a) for p, a in zip((bob, carol), apps[1:], strict=True)]
    alice.node.prompter = ApproveAllPrompter(data=[bob_at_alice, carol_at_alice])
    picked = await alice.node.call("comms_pickContacts", {"multi": True}, apps[0])
    club = await alice.node.call(
        "comms_channelCreate", {"name": "club", "contacts": [p["id"] for p in picked]}, apps[0]
    )
    assert club["size"] == 3 and {m["displayName"] for m in club["members"]} == {"Bob", "Carol"}
    (bobs,) = await wait_for(lambda: bob.node.call("comms_channelList", {}, apps[1]), what="the channel at Bob")
    assert bobs["id"] == club["id"] and bobs["name"] == "club"

    sent = await alice.node.call("comms_channelSend", {"channel": club["id"], "message": {"n": 1}}, apps[0])
    assert sent["recipients"] == 2
    for p, sid in zip((bob, carol), subs, strict=True):
        (push,) = await wait_for(lambda p=p, sid=sid: pushes(p, sid), what=f"the channel push at {p.name}")
        assert push["channelId"] == club["id"] and push["body"] == {"n": 1} and push["displayName"] == "Alice"
    # Alice's own list shows her channel message once, not once per member
    assert [m["body"] for m in await alice.node.call("comms_appMessages", {"channel": club["id"]}, apps[0])] == [
        {"n": 1}
    ]
