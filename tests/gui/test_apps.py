"""The Apps screen: install a freshly packed app through the review dialog, open it in a real
AppWindow, connect it to the wallet from the launcher's dialog, revoke that from Settings → Apps,
uninstall it with its data; a tampered package; an update; apps per identity. Screenshots of the
grid, the review dialog, the permissions page and an open app (light and dark)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QPushButton

from .conftest import run, shot
from .helpers import WAIT, approve_next, click, dialog_text
from .test_bad_input import setup_via_node

pytestmark = pytest.mark.timeout(180)
HELLO = Path(__file__).resolve().parents[2] / "apps" / "hello"


def developer(launcher: Any, name: str = "Dana Dev") -> str:
    """A developer identity (it signs packages); the active identity stays the user's."""
    node = launcher.node
    me = run(launcher, node.call("node_status"))["identityId"]
    dev = run(launcher, node.call("identity_create", {"displayName": name, "developer": True}))["id"]
    run(launcher, node.call("identity_select", {"id": me}))
    return str(dev)


def pack(launcher: Any, dev: str, folder: Path, out: Path) -> Path:
    run(launcher, launcher.node.call("apps_pack", {"path": str(folder), "out": str(out), "identityId": dev}))
    return out


def hello_copy(tmp_path: Path, name: str = "Hello", version: str = "1.0.0", **changes: Any) -> Path:
    folder = tmp_path / f"src-{name}-{version}"
    shutil.copytree(HELLO, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(name=name, version=version, **changes)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def review_dialog(qtbot: Any, launcher: Any) -> Any:
    from mainframe_os.gui.screens.apps.install import InstallReviewDialog

    found: list[Any] = []

    def visible() -> bool:
        found[:] = [d for d in launcher.window.findChildren(InstallReviewDialog) if d.isVisible()]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT)
    return found[0]


async def _raw(page: Any, code: str) -> Any:
    import asyncio

    fut = asyncio.get_running_loop().create_future()
    page.runJavaScript(code, 0, lambda v: fut.done() or fut.set_result(v))
    return await asyncio.wait_for(fut, 10)


def js(launcher: Any, page: Any, code: str) -> Any:
    """Run `code` in the page and return its (JSON-able) value. Driven by the launcher's loop
    (processEvents), never a nested QEventLoop: QtWebEngine callbacks inside one crash offscreen."""
    return run(launcher, _raw(page, code))


def wait_js(launcher: Any, page: Any, code: str, timeout: float = 30.0) -> Any:
    """Poll `code` until it returns something truthy; returns it."""
    import asyncio

    async def poll() -> Any:
        while True:
            v = await _raw(page, code)
            if v:
                return v
            await asyncio.sleep(0.05)

    return run(launcher, poll(), timeout)


def js_async(launcher: Any, page: Any, key: str, expr: str) -> None:
    """Start a promise in the page; its outcome lands in window.__r[key] ({ok} or {err})."""
    page.runJavaScript(
        "window.__r = window.__r || {};"
        f"Promise.resolve().then(() => {expr}).then(v => window.__r['{key}'] = {{ok: v}},"
        f" e => window.__r['{key}'] = {{err: e.code || String(e)}}); 1",
        0,
        lambda _v: None,
    )


def js_result(launcher: Any, page: Any, key: str) -> Any:
    return json.loads(
        wait_js(launcher, page, f"(window.__r && window.__r['{key}']) ? JSON.stringify(window.__r['{key}']) : ''")
    )


@pytest.mark.webengine
def test_install_open_connect_revoke_uninstall(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    from mainframe_os.gui.screens.apps import UninstallDialog

    main = setup_via_node(qtbot, launcher)
    node = launcher.node
    dev = developer(launcher)
    pkg = pack(launcher, dev, hello_copy(tmp_path, "Hello Third"), tmp_path / "hello-third.mfapp")
    main.show_screen("apps")
    apps = main.apps
    # the bundled apps are there for the new identity
    qtbot.waitUntil(lambda: {"Hello", "Payments"} <= {t.app["name"] for t in apps.tiles}, timeout=WAIT)
    shots: list[Path] = []

    # -- install: the review dialog shows who signed it and what it asks
    apps.install(str(pkg))
    dlg = review_dialog(qtbot, launcher)
    text = dialog_text(dlg)
    assert "Install Hello Third?" in text and "Version 1.0.0" in text
    assert "Dana Dev" in text and "Key " in dlg.fingerprint.text()
    assert [lbl.property("key") for lbl in dlg.required_labels] == ["STORAGE"]
    boxes = dlg.findChildren(QCheckBox)
    assert {b.objectName() for b in boxes} == {
        "optional_CONTACTS_READ",
        "optional_NOTIFICATIONS",
        "optional_BLOCKCHAIN_SEND",
        "optional_BLOCKCHAIN_SIGN",
    }
    assert not any(b.isChecked() for b in boxes)
    for theme in ("light", "dark"):
        launcher.set_theme(theme)
        qtbot.wait(30)
        shots.append(shot(dlg, tmp_path, f"{theme}-apps-install-review"))
    launcher.set_theme("light")
    dlg.optional_boxes["NOTIFICATIONS"].setChecked(True)
    click(qtbot, dlg.install_button)
    qtbot.waitUntil(lambda: any(t.app["name"] == "Hello Third" for t in apps.tiles), timeout=WAIT)
    tile = next(t for t in apps.tiles if t.app["name"] == "Hello Third")
    app_id = tile.app["id"]
    assert "v1.0.0 · Dana Dev" in dialog_text(tile)
    perms = {p["key"]: p["decision"] for p in run(launcher, node.call("apps_getPermissions", {"appId": app_id}))}
    assert perms["STORAGE"] == "always" and perms["NOTIFICATIONS"] == "always" and perms["CONTACTS_READ"] is None

    # -- open it from the grid (keyboard): a real AppWindow, the SDK ready in the page
    tile.setFocus()
    opened: list[Any] = []
    apps.app_opened.connect(opened.append)
    from PySide6.QtCore import Qt

    qtbot.keyClick(tile, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    window = opened[0]
    page = window.app.page
    wait_js(launcher, page, "!!(window.mainframe && window.ethereum)")
    js_async(launcher, page, "ready", "mainframe.ready")
    assert js_result(launcher, page, "ready") == {"ok": True}
    assert js(launcher, page, "document.title") != ""

    # -- eth_requestAccounts: the launcher's dialog asks, the user connects
    pickers: list[str] = []
    launcher.prompter.on_open.append(lambda d: pickers.append(d.picker.objectName() if d.picker else ""))
    js_async(launcher, page, "connect", "ethereum.request({method: 'eth_requestAccounts'})")
    approve_next(qtbot, launcher, expect="wants to connect to your wallet")
    launcher.prompter.on_open.clear()
    assert pickers == ["accountPicker"]
    accounts = js_result(launcher, page, "connect")["ok"]
    assert len(accounts) == 1 and accounts[0].startswith("0x")

    # -- a notification from the app: in the list with the app's name, and for the tray
    arrived: list[tuple[str, str]] = []
    main.notifications.arrived.connect(lambda t, b: arrived.append((t, b)))
    js_async(launcher, page, "note", "mainframe.notifications.show({title: 'Hi there', body: 'from the page'})")
    assert js_result(launcher, page, "note") == {"ok": True}
    qtbot.waitUntil(lambda: main.notifications.list.count() > 0, timeout=WAIT)
    item = main.notifications.list.item(0)
    assert "Hi there" in item.text() and "Hello Third" in item.text()
    assert arrived == [("Hello Third: Hi there", "from the page")]

    window.resize(1000, 680)
    qtbot.waitUntil(lambda: window.account_label.text().startswith("● 0x"), timeout=WAIT)
    for theme in ("light", "dark"):
        launcher.set_theme(theme)
        qtbot.wait(200)
        shots.append(shot(window, tmp_path, f"{theme}-apps-open-app"))
    launcher.set_theme("light")

    # -- Settings → Apps shows the connection; revoking it there cuts the app off
    main.show_screen("settings")
    settings = main.settings
    settings.show_tab("Apps")
    tab = settings.apps
    qtbot.waitUntil(lambda: tab.list.count() >= 3, timeout=WAIT)
    tab.select(app_id)
    panel = tab.panel
    qtbot.waitUntil(lambda: "eth_accounts" in panel.revoke_buttons, timeout=WAIT)
    assert panel.state_labels["eth_accounts"].text().startswith("Connected: 0x")
    assert panel.state_labels["NOTIFICATIONS"].text() == "Allowed"
    for theme in ("light", "dark"):
        launcher.set_theme(theme)
        qtbot.wait(30)
        shots.append(shot(launcher.window, tmp_path, f"{theme}-apps-permissions"))
    launcher.set_theme("light")
    click(qtbot, panel.revoke_buttons["eth_accounts"])
    qtbot.waitUntil(lambda: panel.state_labels.get("eth_accounts") is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: panel.state_labels["eth_accounts"].text() == "Not connected", timeout=WAIT)
    js_async(launcher, page, "after", "ethereum.request({method: 'eth_accounts'})")
    assert js_result(launcher, page, "after") == {"ok": []}
    qtbot.waitUntil(lambda: window.account_label.text() == "Wallet not connected", timeout=WAIT)
    # and the trusted bar's revoke shows in the panel too
    run(launcher, window.revoke("NOTIFICATIONS"))
    qtbot.waitUntil(lambda: panel.state_labels["NOTIFICATIONS"].text() == "Asks first", timeout=WAIT)

    # -- the grid, in both themes
    main.show_screen("apps")
    for theme in ("light", "dark"):
        launcher.set_theme(theme)
        qtbot.wait(30)
        shots.append(shot(launcher.window, tmp_path, f"{theme}-apps-grid"))
    launcher.set_theme("light")

    # -- uninstall with its data: the window closes, the tile goes, the profile folder too
    profile = node.apps.files.profile_dir(run(launcher, node.call("node_status"))["identityId"], app_id)
    apps.uninstall(tile.app)
    qtbot.waitUntil(lambda: isinstance(getattr(apps, "current_dialog", None), UninstallDialog), timeout=WAIT)
    confirm = apps.current_dialog
    qtbot.waitUntil(confirm.isVisible, timeout=WAIT)
    confirm.delete_data.setChecked(True)
    click(qtbot, confirm.ok)
    qtbot.waitUntil(lambda: all(t.app["id"] != app_id for t in apps.tiles), timeout=WAIT)
    assert app_id not in {a["id"] for a in run(launcher, node.call("apps_list"))}
    assert not launcher.ctx.app_host().apps
    assert not profile.exists()
    assert all(p.stat().st_size > 5_000 for p in shots)


def test_tampered_package_and_an_update(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    node = launcher.node
    dev = developer(launcher)
    main.show_screen("apps")
    apps = main.apps
    qtbot.waitUntil(lambda: len(apps.tiles) >= 2, timeout=WAIT)
    before = {a["id"] for a in run(launcher, node.call("apps_list"))}

    # a package whose file changed after signing: the node's message, nothing installed
    good = pack(launcher, dev, hello_copy(tmp_path, "Tamper Test"), tmp_path / "good.mfapp")
    bad = tmp_path / "tampered.mfapp"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("index.html"):
                data = data.replace(b"</body>", b"<script>steal()</script></body>")
            out.writestr(info, data)
    seen: list[tuple[str, str]] = []
    launcher.ctx.errors.presented.connect(lambda t, m: seen.append((t, m)))
    apps.install(str(bad))
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT)
    assert seen[0][0] == "Could not install the app"
    assert "index.html" in seen[0][1], seen
    launcher.ctx.errors.current.close()
    assert {a["id"] for a in run(launcher, node.call("apps_list"))} == before

    # v1 with no optional permissions, then v1.1 adding one: "Update from v1.0.0 to v1.1.0"
    v1 = hello_copy(tmp_path, "Updater", permissions={"required": ["STORAGE"], "optional": []})
    apps.install(str(pack(launcher, dev, v1, tmp_path / "u1.mfapp")))
    dlg = review_dialog(qtbot, launcher)
    assert not dlg.optional_boxes
    click(qtbot, dlg.install_button)
    qtbot.waitUntil(lambda: any(t.app["name"] == "Updater" for t in apps.tiles), timeout=WAIT)
    v2 = hello_copy(tmp_path, "Updater", "1.1.0", permissions={"required": ["STORAGE"], "optional": ["NOTIFICATIONS"]})
    apps.install(str(pack(launcher, dev, v2, tmp_path / "u2.mfapp")))
    dlg = review_dialog(qtbot, launcher)
    assert "Update from v1.0.0 to v1.1.0" in dlg.version.text()
    assert list(dlg.optional_boxes) == ["NOTIFICATIONS"] and not dlg.required_labels
    assert dlg.install_button.text() == "Update"
    click(qtbot, dlg.install_button)
    qtbot.waitUntil(
        lambda: any(t.app["name"] == "Updater" and t.app["version"] == "1.1.0" for t in apps.tiles), timeout=WAIT
    )


def test_each_identity_sees_its_own_apps(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    node = launcher.node
    dev = developer(launcher)
    main.show_screen("apps")
    apps = main.apps
    pkg = pack(launcher, dev, hello_copy(tmp_path, "Alice Only"), tmp_path / "alice.mfapp")
    apps.install(str(pkg))
    click(qtbot, review_dialog(qtbot, launcher).install_button)
    qtbot.waitUntil(lambda: any(t.app["name"] == "Alice Only" for t in apps.tiles), timeout=WAIT)
    alice = run(launcher, node.call("node_status"))["identityId"]
    bob = run(launcher, node.call("identity_create", {"displayName": "Bob"}))["id"]
    run(launcher, node.call("identity_select", {"id": bob}))
    qtbot.waitUntil(lambda: apps.identity_id == bob, timeout=WAIT)
    qtbot.waitUntil(lambda: {"Hello", "Payments"} <= {t.app["name"] for t in apps.tiles}, timeout=WAIT)
    assert "Alice Only" not in {t.app["name"] for t in apps.tiles}
    run(launcher, node.call("identity_select", {"id": alice}))
    qtbot.waitUntil(lambda: any(t.app["name"] == "Alice Only" for t in apps.tiles), timeout=WAIT)


def test_empty_state_and_the_permission_prompt_choices(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    """Uninstalling everything leaves the empty state; a permission prompt offers once/session/
    always/never, and "Not now" refuses without remembering."""
    from mainframe_os.gui.prompter import ApprovalDialog
    from mainframe_os.node.context import CallerContext
    from mainframe_os.node.prompter import PromptRequest

    main = setup_via_node(qtbot, launcher, wallet=False)
    node = launcher.node
    main.show_screen("apps")
    apps = main.apps
    qtbot.waitUntil(lambda: len(apps.tiles) >= 2, timeout=WAIT)
    for a in run(launcher, node.call("apps_list")):
        run(launcher, node.call("apps_uninstall", {"appId": a["id"], "deleteData": True}))
    qtbot.waitUntil(lambda: not apps.tiles and apps.empty.isVisible(), timeout=WAIT)
    assert "No apps yet" in dialog_text(apps.empty)

    ctx = CallerContext.app("a" * 40, "i")
    req = PromptRequest(
        "permission",
        ctx,
        "Hello asks to: show notifications",
        {"app": "Hello", "appId": "a" * 40, "permission": "NOTIFICATIONS", "method": "notifications_show"},
        ("once", "session", "always", "never"),
    )
    dlg = ApprovalDialog(req, launcher.window)
    names = {b.objectName() for b in dlg.findChildren(QPushButton)}
    assert {"approveButton", "choice_session", "choice_always", "choice_never", "rejectButton"} <= names
    assert "The app “Hello” asks" in dialog_text(dlg)
    assert "appId" not in dialog_text(dlg)
    dlg.findChild(QPushButton, "choice_never").click()
    assert dlg.result_value().approved is False and dlg.result_value().choice == "never"
    dlg = ApprovalDialog(req, launcher.window)
    dlg.reject_button.click()
    assert dlg.result_value().choice is None
    dlg = ApprovalDialog(req, launcher.window)
    dlg.findChild(QPushButton, "choice_session").click()
    assert dlg.result_value().approved and dlg.result_value().choice == "session"

    contacts = PromptRequest(
        "contacts",
        ctx,
        "Hello asks you to pick contacts",
        {
            "app": "Hello",
            "multi": True,
            "contacts": [{"id": "c1", "displayName": "Bob"}, {"id": "c2", "displayName": "Eve"}],
        },
    )
    dlg = ApprovalDialog(contacts, launcher.window)
    share = dlg.findChild(QPushButton, "approveButton")
    assert share.text() == "Share" and not share.isEnabled()
    from PySide6.QtCore import Qt

    dlg.picker.item(1).setCheckState(Qt.CheckState.Checked)
    assert share.isEnabled()
    share.click()
    assert dlg.result_value().data == ["c2"]
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QLabel):
            w.close()
