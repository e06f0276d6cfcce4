"""Settings → Messaging: the luminosity slider shows its trade-off in plain words and is stored
by the node; direct streams and mDNS toggles are stored; a bad bootstrap address is refused with
the node's one-line reason and nothing is kept. A screenshot to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mainframe_os.gui.qt import Qt

from .conftest import run, shot
from .helpers import WAIT
from .test_bad_input import setup_via_node


def _stored(launcher: Any) -> dict[str, Any]:
    return run(launcher, launcher.node.call("peer_getSettings"))


def test_messaging_settings_are_stored_by_the_node(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    main.show_screen("settings")
    settings = main.settings
    settings.show_tab("Messaging")
    tab = settings.messaging
    qtbot.waitUntil(lambda: tab.loaded, timeout=WAIT)
    assert "Full darkness" in tab.tradeoff.text()

    tab.luminosity.setValue(4)
    assert "Reveals 4 bits" in tab.tradeoff.text() and "1 in 16" in tab.tradeoff.text()
    qtbot.waitUntil(lambda: _stored(launcher)["luminosity"] == 4, timeout=WAIT)

    tab.direct.setChecked(False)
    qtbot.waitUntil(lambda: _stored(launcher)["directStreams"] is False, timeout=WAIT)
    tab.mdns.setChecked(True)
    qtbot.waitUntil(lambda: _stored(launcher)["mdns"] is True, timeout=WAIT)

    good = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDeaQcSYsfseicMnYBN9nmcqKFUjXS9LC1j2QGKuuDNGL"
    tab.bootstrap.setPlainText(good)
    qtbot.mouseClick(tab.save_bootstrap, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _stored(launcher)["bootstrap"] == [good], timeout=WAIT)

    tab.bootstrap.setPlainText(good + "\n/ip4/127.0.0.1/tcp/4001")  # no peer id: refused
    qtbot.mouseClick(tab.save_bootstrap, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Not a bootstrap multiaddr" in tab.status.text(), timeout=WAIT)
    assert "\n" not in tab.status.text()
    assert _stored(launcher)["bootstrap"] == [good]  # nothing half-applied
    qtbot.waitUntil(lambda: tab.bootstrap.toPlainText() == good, timeout=WAIT)  # shows what is stored
    settings.resize(900, 720)
    shot(settings, tmp_path, "settings-messaging")
