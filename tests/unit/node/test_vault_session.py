"""Locking the vault ends everything the node kept for it (one VaultSession, closed in one place),
and the next vault starts from nothing."""

from __future__ import annotations

from pathlib import Path

from mainframe_os.node.context import CallerContext
from mainframe_os.node.events import CallerGone
from mainframe_os.node.methods.eth_subscriptions import Subscription
from tests.unit.apps.conftest import ScriptedPrompter, open_node


async def test_locking_drops_everything_vault_scoped(tmp_path: Path) -> None:
    node, _ident = await open_node(tmp_path / "home", ScriptedPrompter(), wallet=False)
    try:
        session = node.session
        session.seeds._seeds["wallet-1"] = b"seed bytes"  # what a signature leaves behind
        session.batches[("app:x", "0x01")] = object()  # type: ignore[assignment]
        subscriptions = session.subscriptions
        app = CallerContext.app("x", "someone")
        subscriptions.subs["0xsub"] = Subscription("newHeads", app)
        filters = session.filters

        await node.lock()

        assert node.session is not session
        assert node.session.filters is not filters
        assert not session.batches and not node.session.batches
        assert not subscriptions.subs
        subscriptions.subs["0xlate"] = Subscription("newHeads", app)
        node.events.emit(CallerGone(app))  # a closed session no longer listens
        assert "0xlate" in subscriptions.subs
    finally:
        await node.close()


async def test_the_seed_cache_goes_with_the_vault(tmp_path: Path) -> None:
    node, _ident = await open_node(tmp_path / "home", ScriptedPrompter(), wallet=False)
    try:
        seeds = node.session.seeds
        seeds._seeds["wallet-1"] = b"seed bytes"
        await node.lock()
        assert seeds._seeds == {}  # not just unreachable: cleared
    finally:
        await node.close()


async def test_this_session_grants_end_with_the_vault(tmp_path: Path) -> None:
    from tests.unit.apps.test_grants import install

    node, _ident = await open_node(tmp_path / "home", ScriptedPrompter(), wallet=False)
    try:
        app = await install(node, tmp_path)
        await node.call("apps_setGrant", {"appId": app, "key": "CONTACTS_READ", "decision": "session"})

        async def decision() -> str | None:
            perms = await node.call("apps_getPermissions", {"appId": app})
            return next(p["decision"] for p in perms if p["key"] == "CONTACTS_READ")

        assert await decision() == "session"
        await node.lock()
        await node.call("vault_unlock", {"name": "main", "password": "password123"})
        assert await decision() is None  # the app asks again
    finally:
        await node.close()
