"""mainframe.comms from a real page running the real SDK: a message another real node's copy of
the same app sends is pushed to the page (no polling: the page only registered a handler), the
page answers with the per-app id it was given, and a page of another app gets nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import ApproveAllPrompter
from tests.integration.comms.conftest import Peer, befriend, make_peer, wait_for

pytestmark = pytest.mark.webengine

COMMS = {"required": ["STORAGE", "COMMS_CONTACT"], "optional": []}
COLLECT = "mainframe.comms.subscribe(m => { window.__got = (window.__got || []).concat([m]); }).then(() => true)"


def test_a_page_gets_pushed_messages_and_answers(install_app, open_app, world, run, tmp_path: Path) -> None:
    node = world["node"]
    app_id = install_app("Chess Push", permissions=COMMS)
    page = open_app(app_id)
    other = open_app(install_app("Other Push", permissions=COMMS))
    assert page.ok(COLLECT) is True and other.ok(COLLECT) is True

    bob = run(make_peer(tmp_path / "carol", "Carol"), 60)  # another name than other tests' contacts
    try:
        alice = Peer(node, "Alice")
        alice.identity_id = world["identity"]
        alice.card = run(node.call("peer_card", {"identityId": world["identity"]}))["card"]
        _, alice_at_bob = run(befriend(alice, bob), 60)
        staged = run(bob.call("apps_install", {"path": str(tmp_path / "Chess Push.mfapp")}))
        run(bob.call("apps_approveInstall", {"appId": app_id, "version": staged["manifest"]["version"]}))
        chess_b = CallerContext.app(app_id, bob.identity_id)
        bob.node.prompter = ApproveAllPrompter(data=[alice_at_bob])
        (alice_id,) = run(bob.node.call("comms_pickContacts", {}, chess_b))
        run(bob.node.call("comms_appSend", {"contact": alice_id["id"], "message": {"move": "e4"}}, chess_b))

        got = run(wait_for(lambda: _page_got(page), what="the pushed message in the page"))
        (msg,) = got
        assert (msg["body"], msg["displayName"], msg["direction"]) == ({"move": "e4"}, "Carol", "in")
        sent = page.ok(f"mainframe.comms.send({json.dumps(msg['contactId'])}, {{move: 'e5'}})", timeout=30)
        assert sent["id"]  # delivered or queued for a retry: what counts is Bob receiving it
        answers = run(wait_for(lambda: bob.node.call("comms_appMessages", {}, chess_b), what="the answer at Bob"))
        assert [m["body"] for m in answers if m["direction"] == "in"] == [{"move": "e5"}]
        # the other app's page got nothing, and its calls cannot reach Chess's contact
        run(asyncio.sleep(0.3))
        assert other.ok("window.__got || []") == []
        assert other.err(f"mainframe.comms.send({json.dumps(msg['contactId'])}, 1)")["code"] == 4100
    finally:
        run(node.call("peer_stop"))
        run(bob.node.close())


async def _page_got(page: Any) -> Any:
    r = await page.eval_async("window.__got || null")
    return r.get("ok")
