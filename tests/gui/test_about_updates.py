"""Settings -> About shows the version, the commit and the component versions; the update check
offers a newer version from a signed feed (a real HTTP server on 127.0.0.1, a key made here) and
shows nothing for a forged one; the once-a-day check runs only when the user allowed it, which
onboarding asks once (unticked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey
from PySide6.QtWidgets import QLabel, QPushButton

from mainframe_os import __version__
from mainframe_os.node.updates import UpdateChecker, sign_feed
from tests.unit.node.test_updates import NEWER, FeedServer

from .conftest import shot
from .helpers import WAIT, click
from .test_bad_input import setup_via_node

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def feed(launcher: Any) -> Any:
    server = FeedServer()
    key = SigningKey.generate()
    launcher.ctx.updates = UpdateChecker(launcher.home, feed_url=server.url, public_key=key.verify_key.encode())
    yield server, key
    server.close()


def test_about_shows_versions_and_a_signed_offer(qtbot: Any, launcher: Any, feed: Any, tmp_path: Path) -> None:
    server, key = feed
    main = setup_via_node(qtbot, launcher, wallet=False)
    assert server.requests == 0  # never asked: no automatic check
    main.show_screen("settings")
    main.settings.show_tab("About")
    about = main.settings.about
    qtbot.waitUntil(about.isVisible, timeout=WAIT)
    assert about.version.text().startswith(f"Version {__version__} (commit ")
    shown = {lab.text() for lab in about.findChildren(QLabel)}
    assert {"Qt", "Chromium", "SQLCipher", "web3"} <= shown

    server.body = sign_feed([NEWER], bytes(SigningKey.generate()))  # forged: another key
    click(qtbot, about.check_button)
    qtbot.waitUntil(lambda: "No newer version" in about.status.text(), timeout=WAIT)
    assert not about.notes.isVisible()

    server.body = sign_feed([NEWER], bytes(key))
    click(qtbot, about.check_button)
    qtbot.waitUntil(lambda: about.status.text() == "Version 9.1.0 is available.", timeout=WAIT)
    assert about.notes.isVisible() and "Faster" in about.notes.text() and NEWER["url"] in about.notes.text()
    assert server.requests == 2
    shot(launcher.window, tmp_path, "settings-about-offer")


def test_daily_check_runs_only_when_allowed(qtbot: Any, launcher: Any, feed: Any) -> None:
    server, key = feed
    server.body = sign_feed([NEWER], bytes(key))
    launcher.prefs.update_check = True
    main = setup_via_node(qtbot, launcher, wallet=False)
    about = main.settings.about
    qtbot.waitUntil(lambda: about.status.text() == "Version 9.1.0 is available.", timeout=WAIT)
    assert server.requests == 1
    # (the same day it does not ask again: tests/unit/node/test_updates.py)
    qtbot.waitUntil(lambda: launcher.session.watching, timeout=WAIT)  # the wallet's delayed start ran


def test_onboarding_asks_once_unticked(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    w = launcher.window
    qtbot.waitUntil(lambda: w.page == "onboarding", timeout=WAIT)
    assert launcher.prefs.update_check is None
    box = w.onboarding.update_check
    assert box.isVisible() and not box.isChecked()
    shot(w, tmp_path, "onboarding-welcome-update-opt-in")
    box.setChecked(True)
    click(qtbot, w.onboarding.findChild(QPushButton, "createVaultButton"))
    assert launcher.prefs.update_check is True
