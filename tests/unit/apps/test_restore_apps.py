"""A backup restored in a fresh home gives back working apps: the bundled ones, a signed
third-party app (its package travels inside the vault), their data and their grants."""

from __future__ import annotations

from pathlib import Path

from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node

from .conftest import ScriptedPrompter, open_node
from .test_grants import install


async def test_restore_in_a_fresh_home_brings_back_working_apps(tmp_path: Path) -> None:
    node_a, ident = await open_node(tmp_path / "home-a", ScriptedPrompter(), wallet=False)
    try:
        bundled = {a["name"] for a in await node_a.call("apps_list")}
        app = await install(node_a, tmp_path, name="Ledger", grant=["CONTACTS_READ"])
        await node_a.call("storage_set", {"key": "k", "value": {"kept": True}}, CallerContext.app(app, ident))
        before = {a["name"] for a in await node_a.call("apps_list")}
        assert before == bundled | {"Ledger"}
        backup = tmp_path / "b.bak"
        await node_a.call(
            "vault_backup", {"path": str(backup), "password": "password123", "vaultPassword": "password123"}
        )
    finally:
        await node_a.close()

    node_b = Node(tmp_path / "home-b")
    try:
        out = await node_b.call("vault_restore", {"path": str(backup), "password": "password123"})
        assert any("machine" in n for n in out["notes"])  # the dev chain is per machine
        await node_b.call("vault_unlock", {"name": "main", "password": "password123"})
        apps = await node_b.call("apps_list")
        assert {a["name"] for a in apps} == before
        assert all(a["ok"] for a in apps), [a.get("problem") for a in apps]
        # data and grants came with the vault
        assert await node_b.call("storage_get", {"key": "k"}, CallerContext.app(app, ident)) == {"kept": True}
        perms = {p["key"]: p["decision"] for p in await node_b.call("apps_getPermissions", {"appId": app})}
        assert perms["CONTACTS_READ"] == "always"
        # what the app host serves: the verified files, signature checked again
        for a in apps:
            src = await node_b.apps.source(ident, a["id"])
            assert src.read(src.manifest.entry).startswith(b"<")
    finally:
        await node_b.close()
