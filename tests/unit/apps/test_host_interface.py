"""What the launcher's app host and screens ask the node through methods (the app's icon, the
accounts it sees) instead of reaching into AppsService, and the typed event dispatch of an open
app's session."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from pathlib import Path

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.apps.hosting import AppHosting
from mainframe_os.node.apps.package import pack
from mainframe_os.node.context import CallerContext
from mainframe_os.node.events import Event, NetworkChanged, WalletsChanged
from mainframe_os.node.node import Node

from .test_grants import install
from .test_package import SEED, make_app

PNG = b"\x89PNG\r\n\x1a\n" + b"icon bytes"


async def test_icon_of_an_installed_and_of_a_staged_app(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, ident = opened
    src = make_app(tmp_path / "src", name="Pictured", icon="icon.png")
    (src / "icon.png").write_bytes(PNG)
    pkg = tmp_path / "pictured.mfapp"
    pack(src, SEED, "Ada", pkg)
    staged = (await node.call("apps_install", {"path": str(pkg)}))["manifest"]
    # before the install is approved the review dialog shows the staged package's icon
    icon = await node.call("apps_getIcon", {"appId": staged["id"], "version": staged["version"]})
    assert base64.b64decode(icon) == PNG
    with pytest.raises(E.RpcError):  # not installed for the identity yet
        await node.call("apps_getIcon", {"appId": staged["id"]})
    await node.call("apps_approveInstall", {"appId": staged["id"], "version": staged["version"]})
    assert base64.b64decode(await node.call("apps_getIcon", {"appId": staged["id"], "identityId": ident})) == PNG


async def test_no_icon_is_null_and_apps_cannot_ask(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, ident = opened
    app = await install(node, tmp_path)
    assert await node.call("apps_getIcon", {"appId": app}) is None
    with pytest.raises(E.Unauthorized):
        await node.call("apps_getIcon", {"appId": app}, CallerContext.app(app, ident))


async def test_accounts_an_app_sees(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, ident = opened
    app = await install(node, tmp_path)
    assert await node.call("apps_getAccounts", {"appId": app}) == []
    address = (await node.call("wallet_list"))[0]["accounts"][0]["address"]
    await node.call(
        "apps_setGrant", {"appId": app, "key": "eth_accounts", "decision": "always", "value": {"accounts": [address]}}
    )
    assert await node.call("apps_getAccounts", {"appId": app, "identityId": ident}) == [address]
    with pytest.raises(E.Unauthorized):
        await node.call("apps_getAccounts", {"appId": app}, CallerContext.app(app, ident))


@dataclass(frozen=True)
class ChainWalletAccountNote(Event):
    """An event whose name contains every word the old name matching reacted to."""


async def test_app_session_reacts_to_event_types_not_names(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, ident = opened
    app = await install(node, tmp_path)
    session = AppHosting(node).open_session(CallerContext.app(app, ident), lambda _text: None)
    refreshed: list[str] = []

    async def chain() -> None:
        refreshed.append("chain")

    async def accounts() -> None:
        refreshed.append("accounts")

    session.refresh_chain, session.refresh_accounts = chain, accounts  # type: ignore[method-assign]
    try:
        node.events.emit(ChainWalletAccountNote())
        node.events.emit(NetworkChanged("dev", 1337))
        node.events.emit(WalletsChanged())
        for _ in range(5):
            await asyncio.sleep(0)
        assert refreshed == ["chain", "accounts"]
    finally:
        session.close()
