"""`mainframe.files.share` between two real nodes: an app shares one of its own files with a
contact the user picked for it, the user confirms in a launcher prompt naming the app, the file
and the contact, and the contact's node lists it in Shared with me and downloads the same bytes.

Attacks, each refused before any prompt and sending nothing: an app without FILES, a name that
is another app's file or climbs out of the app's folder, another app's contact id (4012), a
contact never picked for this app (4100); a user who says no sends nothing either."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.comms import app_scope
from mainframe_os.node.context import CallerContext
from mainframe_os.node.files import errors as FE
from tests.integration.comms.conftest import Net, Peer, befriend, wait_for
from tests.integration.comms.test_app_comms import package
from tests.unit.apps.conftest import ScriptedPrompter

FILES_PERMS = {"required": ["STORAGE", "FILES"], "optional": ["CONTACTS_READ"]}
NO_FILES = {"required": ["STORAGE"], "optional": ["CONTACTS_READ"]}


async def install(p: Peer, pkg: Path) -> CallerContext:
    staged = await p.call("apps_install", {"path": str(pkg)})
    m = staged["manifest"]
    await p.call("apps_approveInstall", {"appId": m["id"], "version": m["version"], "grant": ["CONTACTS_READ"]})
    return CallerContext.app(m["id"], p.identity_id)


async def write(p: Peer, app: CallerContext, name: str, data: bytes) -> None:
    h = (await p.node.call("files_appOpenWrite", {"name": name}, app))["handle"]
    for i in range(0, len(data), 1 << 20):
        piece = base64.b64encode(data[i : i + (1 << 20)]).decode()
        await p.node.call("files_appWrite", {"handle": h, "data": piece}, app)
    await p.node.call("files_appCloseWrite", {"handle": h}, app)


async def select(p: Peer, prompter: ScriptedPrompter, app: CallerContext, contact: str) -> str:
    prompter.will(True, data=[contact])
    (picked,) = await p.node.call("contacts_select", {}, app)
    return str(picked["id"])


async def share(p: Peer, app: CallerContext, name: str, contact: str) -> Any:
    return await p.node.call("files_appShare", {"name": name, "contact": contact}, app)


async def test_an_app_shares_its_file_with_a_picked_contact_only(peers: Net, tmp_path: Path) -> None:
    alice, bob = await peers("alice"), await peers("bob")
    bob_at_alice, _ = await befriend(alice, bob)
    prompter = ScriptedPrompter()
    alice.node.prompter = prompter
    box = await install(alice, package(tmp_path, "Box", FILES_PERMS))
    other = await install(alice, package(tmp_path, "Other", FILES_PERMS))
    plain = await install(alice, package(tmp_path, "Plain", NO_FILES))
    data = os.urandom(1_500_000)  # more than one piece and one block
    await write(alice, box, "report.bin", data)
    await write(alice, other, "secret.txt", b"other app's")
    bob_at_other = await select(alice, prompter, other, bob_at_alice)
    bob_at_plain = await select(alice, prompter, plain, bob_at_alice)
    # the id Box would get for Bob, before the user picked him for Box
    bob_at_box_unpicked = await alice.node.db(
        lambda s: app_scope.contact_pseudonym(app_scope.app_key(s, alice.identity_id, box.app_id), bob_at_alice)
    )
    before = len(prompter.asked)

    with pytest.raises(E.Unauthorized, match="not picked"):  # 4100: never picked for Box
        await share(alice, box, "report.bin", bob_at_box_unpicked)
    with pytest.raises(E.ContactNotFound):  # 4012: another app's id
        await share(alice, box, "report.bin", bob_at_other)
    bob_at_box = await select(alice, prompter, box, bob_at_alice)
    assert bob_at_box == bob_at_box_unpicked
    before = len(prompter.asked)
    with pytest.raises(FE.FileNotFound):  # another app's file: not in Box's folder
        await share(alice, box, "secret.txt", bob_at_box)
    for evil in ("../Other/secret.txt", "..", "a/b"):
        with pytest.raises(FE.BadFileName):
            await share(alice, box, evil, bob_at_box)
    with pytest.raises(E.Unauthorized):  # 4100: an app without FILES may not share at all
        await share(alice, plain, "report.bin", bob_at_plain)
    assert len(prompter.asked) == before  # all refused before any prompt

    prompter.will(False)  # the user says no
    with pytest.raises(E.UserRejected):
        await share(alice, box, "report.bin", bob_at_box)
    asked = prompter.asked[-1]
    assert asked.kind == "confirm" and "Box" in asked.title and "report.bin" in asked.title and "bob" in asked.title
    assert await alice.call("files_shares") == []
    assert await alice.node.call("files_appShares", {}, box) == []

    prompter.will(True)
    made = await share(alice, box, "report.bin", bob_at_box)
    assert made["name"] == "report.bin" and made["size"] == len(data)

    async def incoming() -> Any:
        got = await bob.call("files_shared")
        return got or None

    (item,) = await wait_for(incoming, what="the share in Bob's Shared with me")
    assert item["from"] == "alice" and item["name"] == "report.bin" and item["size"] == len(data)
    await bob.call("files_download", {"share": item["id"]})
    out = tmp_path / "got.bin"
    await bob.call("files_get", {"file": "/Shared with me/report.bin", "out": str(out)})
    assert out.read_bytes() == data

    (listed,) = await alice.node.call("files_appShares", {}, box)
    assert listed["name"] == "report.bin" and listed["contactId"] == bob_at_box and listed["displayName"] == "bob"
    assert listed["share"] == made["share"] and listed["revoked"] is False
    assert await alice.node.call("files_appShares", {}, other) == []  # Other sees none of Box's shares
    assert len(await bob.call("files_shared")) == 1  # the refused and denied attempts sent nothing

    # the user shares a file of another app from Files, with Bob, never picked for that app: the
    # app is not told about Bob (nor given an id for him)
    third = await install(alice, package(tmp_path, "Third", FILES_PERMS))
    await write(alice, third, "mine.txt", b"third")
    await alice.call("files_share", {"file": f"/Apps/{third.app_id}/mine.txt", "contact": bob_at_alice})
    assert len(await wait_for(lambda: _at_least(bob.call("files_shared"), 2), what="the second share")) == 2
    assert await alice.node.call("files_appShares", {}, third) == []


async def _at_least(coro: Any, n: int) -> Any:
    got = await coro
    return got if len(got) >= n else None
