"""Grants per identity and app, the permission policy, EIP-1102/2255 and app storage isolation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.apps.package import pack
from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node

from .conftest import ScriptedPrompter
from .test_package import SEED, make_app


async def install(
    node: Node,
    tmp_path: Path,
    name: str = "Hello",
    grant: list[str] | None = None,
    version: str = "1.0.0",
    seed: bytes = SEED,
    **manifest: Any,
) -> str:
    src = make_app(tmp_path / f"src-{name}-{version}", name=name, version=version, **manifest)
    pkg = tmp_path / f"{name}-{version}.mfapp"
    pack(src, seed, "Ada", pkg)
    staged = await node.call("apps_install", {"path": str(pkg)})
    m = staged["manifest"]
    await node.call("apps_approveInstall", {"appId": m["id"], "version": m["version"], "grant": grant or []})
    return str(m["id"])


PERMS = {"required": ["STORAGE"], "optional": ["CONTACTS_READ", "NOTIFICATIONS", "BLOCKCHAIN_SEND", "BLOCKCHAIN_SIGN"]}


async def test_install_list_uninstall(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, ident = opened
    app = await install(node, tmp_path)
    names = {a["name"] for a in await node.call("apps_list")}
    assert {"Hello"} <= names
    perms = {p["key"]: p for p in await node.call("apps_getPermissions", {"appId": app})}
    assert perms["STORAGE"]["decision"] == "always" and perms["CONTACTS_READ"]["decision"] is None
    ctx = CallerContext.app(app, ident)
    await node.call("storage_set", {"key": "k", "value": {"a": 1}}, ctx)
    await node.call("apps_uninstall", {"appId": app, "deleteData": False})
    assert app not in {a["id"] for a in await node.call("apps_list")}
    with pytest.raises(E.Unauthorized):
        await node.call("storage_get", {"key": "k"}, ctx)
    await install(node, tmp_path)  # reinstall: kept data comes back
    assert await node.call("storage_get", {"key": "k"}, ctx) == {"a": 1}
    await node.call("apps_uninstall", {"appId": app, "deleteData": True})
    await install(node, tmp_path)
    assert await node.call("storage_get", {"key": "k"}, ctx) is None


async def test_update_same_developer_keeps_data_and_reports_new_permissions(
    opened: tuple[Node, str], tmp_path: Path
) -> None:
    node, ident = opened
    app = await install(node, tmp_path)
    ctx = CallerContext.app(app, ident)
    await node.call("storage_set", {"key": "k", "value": 1}, ctx)
    src = make_app(tmp_path / "v2", version="1.1.0", permissions={"required": ["STORAGE", "NOTIFICATIONS"]})
    pack(src, SEED, "Ada", tmp_path / "v2.mfapp")
    staged = await node.call("apps_install", {"path": str(tmp_path / "v2.mfapp")})
    assert staged["update"] == {"fromVersion": "1.0.0", "newPermissions": ["NOTIFICATIONS"]}
    await node.call("apps_approveInstall", {"appId": app, "version": "1.1.0"})
    assert await node.call("storage_get", {"key": "k"}, ctx) == 1
    # downgrade refused
    with pytest.raises(E.RpcError, match="older"):
        await node.call("apps_approveInstall", {"appId": app, "version": "1.0.0"})


async def test_other_developer_same_name_is_another_app(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, _ = opened
    a = await install(node, tmp_path)
    b = await install(node, tmp_path / "evil", seed=b"\x09" * 32)
    assert a != b


async def test_undeclared_and_launcher_only_methods_refused(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, ident = opened
    app = await install(node, tmp_path)
    ctx = CallerContext.app(app, ident)
    for name, params in [
        ("vault_list", None),
        ("wallet_exportKeystore", {"address": "0x" + "0" * 40, "password": "x"}),
        ("apps_list", None),
        ("apps_setGrant", {"appId": app, "key": "CONTACTS_READ", "decision": "always"}),
        ("notifications_show", {"title": "x"}),
    ]:  # NOTIFICATIONS not declared
        with pytest.raises(E.Unauthorized):
            await node.call(name, params, ctx)
    # an app that is not installed gets nothing permissioned
    with pytest.raises(E.Unauthorized):
        await node.call("storage_get", {"key": "x"}, CallerContext.app("f" * 40, ident))


async def test_grant_choices_once_session_always_never(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    app = await install(node, tmp_path, permissions=PERMS)
    ctx = CallerContext.app(app, ident)
    show = {"title": "Hi", "body": "there"}
    prompter.will(True, "once")
    assert await node.call("notifications_show", show, ctx)
    prompter.will(False)  # once did not stick: asked again, and refused
    with pytest.raises(E.UserRejected):
        await node.call("notifications_show", show, ctx)
    prompter.will(True, "session")
    await node.call("notifications_show", show, ctx)
    await node.call("notifications_show", show, ctx)  # no prompt
    assert len(prompter.asked) == 3 and prompter.asked[0].kind == "permission"
    assert prompter.asked[0].caller == ctx
    await node.call("apps_setGrant", {"appId": app, "key": "NOTIFICATIONS", "decision": "never"})
    with pytest.raises(E.Unauthorized):
        await node.call("notifications_show", show, ctx)
    assert len(prompter.asked) == 3  # never: no dialog
    await node.call("apps_revoke", {"appId": app, "key": "NOTIFICATIONS"})
    prompter.will(True, "always")
    await node.call("notifications_show", show, ctx)
    perms = {p["key"]: p["decision"] for p in await node.call("apps_getPermissions", {"appId": app})}
    assert perms["NOTIFICATIONS"] == "always"


async def test_grants_are_per_identity(opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path) -> None:
    node, alice = opened
    app = await install(node, tmp_path, permissions=PERMS)
    bob = (await node.call("identity_create", {"displayName": "Bob"}))["id"]
    await node.call("apps_approveInstall", {"appId": app, "version": "1.0.0", "identityId": bob})
    await node.call("apps_setGrant", {"appId": app, "key": "NOTIFICATIONS", "decision": "always"})
    await node.call("notifications_show", {"title": "x"}, CallerContext.app(app, alice))
    with pytest.raises(E.UserRejected):  # Bob has not granted it: asked (and the prompter says no)
        await node.call("notifications_show", {"title": "x"}, CallerContext.app(app, bob))
    # storage does not leak between identities nor apps
    await node.call("storage_set", {"key": "secret", "value": "alice"}, CallerContext.app(app, alice))
    assert await node.call("storage_get", {"key": "secret"}, CallerContext.app(app, bob)) is None
    other = await install(node, tmp_path, name="Other")
    assert await node.call("storage_get", {"key": "secret"}, CallerContext.app(other, alice)) is None
    assert await node.call("storage_list", None, CallerContext.app(other, alice)) == []


async def test_eip1102_no_accounts_until_connected(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    app = await install(node, tmp_path, permissions=PERMS)
    ctx = CallerContext.app(app, ident)
    assert await node.call("eth_accounts", [], ctx) == []
    assert await node.call("wallet_getPermissions", [], ctx) == []
    mine = await node.call("eth_accounts", [])
    assert mine, "the trusted caller sees the identity's accounts"
    tx = {"from": mine[0], "to": mine[0], "value": "0x1"}
    with pytest.raises(E.Unauthorized, match="Connect"):
        await node.call("eth_sendTransaction", [tx], ctx)
    prompter.will(False)
    with pytest.raises(E.UserRejected):
        await node.call("eth_requestAccounts", [], ctx)
    prompter.will(True)
    assert await node.call("eth_requestAccounts", [], ctx) == mine[:1]
    assert await node.call("eth_accounts", [], ctx) == mine[:1]
    perms = await node.call("wallet_getPermissions", [], ctx)
    assert perms[0]["parentCapability"] == "eth_accounts" and perms[0]["caveats"][0]["value"] == mine[:1]
    await node.call("wallet_revokePermissions", [{"eth_accounts": {}}], ctx)
    assert await node.call("eth_accounts", [], ctx) == []
    prompter.will(True)
    out = await node.call("wallet_requestPermissions", [{"eth_accounts": {}}], ctx)
    assert out[0]["caveats"][0]["value"] == mine[:1]


async def test_send_always_asks_and_never_blocks(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    app = await install(node, tmp_path, permissions=PERMS)
    ctx = CallerContext.app(app, ident)
    prompter.will(True)
    [acct] = await node.call("eth_requestAccounts", [], ctx)
    before = len(prompter.asked)
    # the wallet's decoded dialog asks (and is refused by the scripted user): 4001 each time
    for _ in range(2):
        with pytest.raises(E.UserRejected):
            await node.call("personal_sign", ["0x68656c6c6f", acct], ctx)
    assert len(prompter.asked) == before + 2
    assert all(r.caller == ctx for r in prompter.asked[before:])
    await node.call("apps_setGrant", {"appId": app, "key": "BLOCKCHAIN_SIGN", "decision": "never"})
    with pytest.raises(E.Unauthorized):
        await node.call("personal_sign", ["0x68656c6c6f", acct], ctx)
    assert len(prompter.asked) == before + 2


async def test_contacts_select_gives_per_app_ids(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    a = await install(node, tmp_path, permissions=PERMS, grant=["CONTACTS_READ"])
    b = await install(node, tmp_path, name="Other", permissions=PERMS, grant=["CONTACTS_READ"])
    bob_node_card = await _card(tmp_path)
    contact = await node.call("contacts_add", {"card": bob_node_card})
    prompter.will(True, data=[contact["id"]])
    [seen_a] = await node.call("contacts_select", {"multi": False}, CallerContext.app(a, ident))
    prompter.will(True, data=[contact["id"]])
    [seen_b] = await node.call("contacts_select", {}, CallerContext.app(b, ident))
    assert seen_a["displayName"] == seen_b["displayName"] == "Bob"
    assert seen_a["id"] != seen_b["id"] != contact["id"]
    assert set(seen_a) == {"id", "displayName"}
    assert prompter.asked[-1].kind == "contacts"
    svc = node.apps
    assert await svc.resolve_contact(CallerContext.app(a, ident), seen_a["id"]) == contact["id"]
    with pytest.raises(E.ContactNotFound):  # another app's id for the same contact means nothing here
        await svc.resolve_contact(CallerContext.app(a, ident), seen_b["id"])


async def _card(tmp_path: Path) -> str:
    from .conftest import open_node

    other, _ = await open_node(tmp_path / "bob-home", ScriptedPrompter(), wallet=False)
    await other.call("identity_rename", {"id": (await other.call("identity_list"))[0]["id"], "displayName": "Bob"})
    card = (await other.call("identity_getCard"))["card"]
    await other.close()
    return str(card)


async def test_storage_files_and_limits(opened: tuple[Node, str], tmp_path: Path) -> None:
    import base64

    node, ident = opened
    app = await install(node, tmp_path)
    ctx = CallerContext.app(app, ident)
    data = base64.b64encode(b"\x00\x01hello").decode()
    await node.call("storage_writeFile", {"name": "a.bin", "data": data, "mime": "application/x-test"}, ctx)
    f = await node.call("storage_readFile", {"name": "a.bin"}, ctx)
    assert f["data"] == data and f["size"] == 7
    assert [x["name"] for x in await node.call("storage_listFiles", None, ctx)] == ["a.bin"]
    with pytest.raises(E.InvalidParams):
        await node.call("storage_set", {"key": "big", "value": "x" * 300_000}, ctx)
    with pytest.raises(E.InvalidParams):
        await node.call("storage_writeFile", {"name": "b", "data": "not base64!"}, ctx)
    with pytest.raises(E.InvalidRequest):  # storage is the calling app's: trusted callers have none
        await node.call("storage_get", {"key": "x"})


async def test_bundled_apps_installed_once(opened: tuple[Node, str]) -> None:
    node, _ = opened
    apps = await node.call("apps_list")
    if not apps:
        pytest.skip("apps/ has no bundled apps yet")
    hello = next(a for a in apps if a["name"] == "Hello")
    await node.call("apps_uninstall", {"appId": hello["id"], "deleteData": True})
    assert "Hello" not in {a["name"] for a in await node.call("apps_list")}


def test_manifest_summary_is_json(tmp_path: Path) -> None:
    from mainframe_os.node.apps.package import build_manifest

    m = build_manifest(make_app(tmp_path / "x", permissions=PERMS), b"", "dev")
    json.dumps(m.summary())


async def test_an_app_bundled_later_reaches_an_older_identity_once(opened: tuple[Node, str]) -> None:
    from vault.models import Setting

    node, ident = opened
    apps = {a["name"]: a["id"] for a in await node.call("apps_list")}
    assert {"Hello", "Payments", "Messenger"} <= set(apps)
    # as an identity made by a version that bundled only Hello and Payments (the old mark: True),
    # which had uninstalled Hello since
    for name in ("Hello", "Messenger"):
        await node.call("apps_uninstall", {"appId": apps[name], "deleteData": True})
    await node.db(lambda s: s.merge(Setting(key="apps:bundled:" + ident, value=True)))
    names = {a["name"] for a in await node.call("apps_list")}
    assert "Messenger" in names and "Hello" not in names
    # offered once: uninstalled again, it stays away
    await node.call("apps_uninstall", {"appId": apps["Messenger"], "deleteData": True})
    assert "Messenger" not in {a["name"] for a in await node.call("apps_list")}
