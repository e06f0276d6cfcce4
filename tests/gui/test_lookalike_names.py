"""The contacts screen shows names from others' cards cleaned, and flags look-alikes beside
their key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mainframe_os.node.cards import ContactCard

from .conftest import run, shot
from .helpers import WAIT
from .test_bad_input import setup_via_node


def test_lookalike_and_hostile_names_on_the_contacts_screen(qtbot: Any, launcher: Any, tmp_path: Path) -> None:
    main = setup_via_node(qtbot, launcher, wallet=False)
    for name in ("Bob\x1b[2J\u202eevil", "Bob", "Вob"):
        card = ContactCard(name, os.urandom(32), os.urandom(32), None).encode()
        run(launcher, launcher.node.call("contacts_add", {"card": card}))
    main.show_screen("contacts")
    qtbot.waitUntil(lambda: main.contacts.list.count() == 3, timeout=WAIT)
    texts = [main.contacts.list.item(i).text() for i in range(3)]
    assert not any(ch in t for t in texts for ch in ("\x1b", "\u202e"))
    flagged = [t.split("\n")[0] for t in texts if "looks like another contact" in t]
    assert sorted(flagged) == ["Bob", "Вob"]
    shot(launcher.window, tmp_path, "lookalike-contacts").rename("/tmp/issue9-contacts.png")
