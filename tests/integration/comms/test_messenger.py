"""The Messenger's node surface (MESSENGER) between two real nodes: conversations with per-app
ids, sending and reading, pushes, and sharing a signed app that the contact verifies and installs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import ApproveAllPrompter

from .conftest import Peer, befriend, wait_for
from .test_app_comms import install, package, pushes


async def messenger(p: Peer) -> CallerContext:
    apps = await p.call("apps_list")  # bundled apps arrive with the first look
    return CallerContext.app(next(a["id"] for a in apps if a["name"] == "Messenger"), p.identity_id)


async def test_chat_read_and_push(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    bob_at_alice, _ = await befriend(alice, bob)
    ma, mb = await messenger(alice), await messenger(bob)
    sid = await bob.node.call("messenger_subscribe", {}, mb)
    (chat,) = (await alice.node.call("messenger_conversations", {}, ma))["conversations"]
    assert chat["name"] == "Bob" and chat["id"] != bob_at_alice and chat["unread"] == 0

    sent = await alice.node.call("messenger_send", {"contact": chat["id"], "text": "hi Bob"}, ma)
    (push,) = await wait_for(lambda: pushes(bob, sid), what="the push at Bob's Messenger")
    assert push["type"] == "message" and push["message"]["body"] == "hi Bob" and push["message"]["id"] == sent["id"]
    assert push["message"]["displayName"] == "Alice" and "peer" not in push["message"]
    convo = await bob.node.call("messenger_conversations", {}, mb)
    assert convo["unread"] == 1 and convo["conversations"][0]["last"]["body"] == "hi Bob"
    alice_id = convo["conversations"][0]["id"]
    assert alice_id == push["message"]["contactId"]
    assert (await bob.node.call("messenger_markRead", {"contact": alice_id}, mb))["read"] == 1
    assert (await bob.node.call("messenger_conversations", {}, mb))["unread"] == 0
    await wait_for(lambda: _read(alice, ma, chat["id"]), what="the read receipt at Alice")
    # an app without MESSENGER cannot read any of it
    payments = CallerContext.app(
        next(a["id"] for a in await alice.call("apps_list") if a["name"] == "Payments"), alice.identity_id
    )
    with pytest.raises(E.Unauthorized, match="MESSENGER"):
        await alice.node.call("messenger_conversations", {}, payments)


async def _read(p: Peer, app: CallerContext, contact: str) -> bool:
    (m,) = await p.node.call("messenger_history", {"contact": contact}, app)
    return bool(m["state"] == "read")


async def test_share_an_app_the_contact_verifies_and_installs(peers, tmp_path: Path) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    ma, mb = await messenger(alice), await messenger(bob)
    chess = await install(alice, package(tmp_path, "Chess"))
    shareable = {a["name"]: a["shareable"] for a in await alice.node.call("messenger_apps", {}, ma)}
    assert shareable["Chess"] is True and shareable["Messenger"] is False
    (chat,) = (await alice.node.call("messenger_conversations", {}, ma))["conversations"]
    with pytest.raises(E.RpcError, match="signed package"):
        await alice.node.call("messenger_shareApp", {"contact": chat["id"], "appId": ma.app_id}, ma)
    shared = await alice.node.call("messenger_shareApp", {"contact": chat["id"], "appId": chess.app_id}, ma)
    assert shared["parts"] >= 1

    async def offer() -> Any:
        c = (await bob.node.call("messenger_conversations", {}, mb))["conversations"]
        return c and c[0]["last"]

    got = await wait_for(offer, what="the offer at Bob")
    assert got["body"]["kind"] == "app-share" and got["body"]["name"] == "Chess"
    info = await bob.node.call("messenger_inspectShare", {"message": got["id"]}, mb)
    assert info["name"] == "Chess" and info["appId"] == chess.app_id and info["installedVersion"] is None
    assert info["fingerprint"] == got["body"]["fingerprint"] and len(info["fingerprint"]) == 19
    assert {p["key"] for p in info["permissions"]} == {"STORAGE", "COMMS_CONTACT", "CONTACTS_READ"}
    bob.node.prompter = refuse = ApproveAllPrompter()
    refuse.ask = _no  # type: ignore[method-assign]
    with pytest.raises(E.UserRejected):
        await bob.node.call("messenger_installShared", {"message": got["id"]}, mb)
    assert chess.app_id not in {a["id"] for a in await bob.call("apps_list")}
    bob.node.prompter = ApproveAllPrompter()
    out = await bob.node.call("messenger_installShared", {"message": got["id"]}, mb)
    assert out["appId"] == chess.app_id
    assert chess.app_id in {a["id"] for a in await bob.call("apps_list")}


async def _no(request: Any) -> Any:
    from mainframe_os.node.prompter import PromptResult

    return PromptResult(False)


async def test_a_package_in_several_full_parts_arrives_whole(peers, tmp_path: Path) -> None:
    import os

    from mainframe_os.node.apps import sharing
    from mainframe_os.node.apps.package import pack
    from tests.unit.apps.test_package import SEED, make_app

    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    ma, mb = await messenger(alice), await messenger(bob)
    perms = {"required": ["STORAGE"], "optional": ["CONTACTS_READ"]}
    src = make_app(tmp_path / "src-big", name="Big", permissions=perms)
    (src / "blob.bin").write_bytes(os.urandom(70_000))  # incompressible: every part is a full one
    pack(src, SEED, "Ada", tmp_path / "big.mfapp")
    big = await install(alice, tmp_path / "big.mfapp")
    (chat,) = (await alice.node.call("messenger_conversations", {}, ma))["conversations"]
    shared = await alice.node.call("messenger_shareApp", {"contact": chat["id"], "appId": big.app_id}, ma)
    assert shared["parts"] == -(-shared["size"] // sharing.PART_BYTES) >= 3
    got = await wait_for(lambda: _last(bob, mb), what="the offer at Bob")
    bob.node.prompter = ApproveAllPrompter()
    assert (await bob.node.call("messenger_installShared", {"message": got["id"]}, mb))["appId"] == big.app_id


async def test_a_tampered_part_is_not_installed(peers, tmp_path: Path) -> None:
    from sqlalchemy import select

    from vault.models import CommsMessage

    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    ma, mb = await messenger(alice), await messenger(bob)
    chess = await install(alice, package(tmp_path, "Chess"))
    (chat,) = (await alice.node.call("messenger_conversations", {}, ma))["conversations"]
    await alice.node.call("messenger_shareApp", {"contact": chat["id"], "appId": chess.app_id}, ma)
    got = await wait_for(lambda: _last(bob, mb), what="the offer at Bob")

    def tamper(s: Any) -> None:
        row = s.scalars(select(CommsMessage).where(CommsMessage.kind == "app-part")).first()
        row.body = {**row.body, "data": "AAAA" + row.body["data"][4:]}

    await bob.node.db(tamper)
    with pytest.raises(E.RpcError, match="does not match"):
        await bob.node.call("messenger_inspectShare", {"message": got["id"]}, mb)


async def _last(p: Peer, app: CallerContext) -> Any:
    c = (await p.node.call("messenger_conversations", {}, app))["conversations"]
    return c and c[0]["last"]


async def test_group_chat_through_the_messenger(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    ma, mb = await messenger(alice), await messenger(bob)
    (chat,) = (await alice.node.call("messenger_conversations", {}, ma))["conversations"]
    group = await alice.node.call("messenger_groupCreate", {"name": "Lunch", "contacts": [chat["id"]]}, ma)
    await alice.node.call("messenger_send", {"group": group["id"], "text": "noon?"}, ma)

    async def bobs_group() -> Any:
        c = (await bob.node.call("messenger_conversations", {}, mb))["conversations"]
        return [x for x in c if x["type"] == "group" and x["unread"] == 1]

    (g,) = await wait_for(bobs_group, what="the group at Bob")
    assert g["name"] == "Lunch" and g["members"] == ["Alice"] and g["last"]["body"] == "noon?"
    # a group message is not part of the 1:1 conversation with its sender
    (alice_chat,) = [
        x for x in (await bob.node.call("messenger_conversations", {}, mb))["conversations"] if x["type"] == "contact"
    ]
    assert alice_chat["unread"] == 0 and alice_chat["last"] is None
    (m,) = await bob.node.call("messenger_history", {"group": g["id"]}, mb)
    assert m["displayName"] == "Alice" and m["groupId"] == g["id"]
    assert (await bob.node.call("messenger_markRead", {"group": g["id"]}, mb))["read"] == 1
