"""Names written by someone else (a friend's card) reach the terminal and the launcher without
escape sequences, bidi overrides or invisible characters, and look-alike names are flagged."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.cli import main
from mainframe_os.node.cards import ContactCard
from mainframe_os.node.node import Node
from mainframe_os.node.text import lookalikes, safe_text
from vault import KdfParams, VaultStore

PW = "a fine long password"
HOSTILE = "Bob\x1b[2J\x1b]0;pwned\x07\u202egnp.exe\u200b"


def card(name: str) -> str:
    return ContactCard(name, os.urandom(32), os.urandom(32), None).encode()


def test_safe_text_and_lookalikes() -> None:
    assert safe_text(HOSTILE) == "Bob[2J]0;pwnedgnp.exe"
    assert "\x1b" not in safe_text(HOSTILE) and "\u202e" not in safe_text(HOSTILE)
    assert lookalikes(["Bob", "Вob", "Carol", "B o b", "carol"]) == {0, 1, 2, 3, 4}
    assert lookalikes(["Alice", "Bob"]) == set()


def test_hostile_card_names_are_cleaned_and_lookalikes_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    VaultStore(home / "vaults").create("v", PW, KdfParams.insecure_for_tests()).close()

    async def add_contacts() -> dict[str, Any]:
        node = Node(home)
        try:
            await node.call("vault_unlock", {"name": "v", "password": PW})
            await node.call("identity_create", {"displayName": "Me"})
            for name in (HOSTILE, "Bob", "Вob", "Carol"):  # the second "Bob" starts with a Cyrillic В
                await node.call("contacts_add", {"card": card(name)})
            return {r["displayName"]: r for r in await node.call("contacts_list")}
        finally:
            await node.close()

    rows = asyncio.run(add_contacts())
    assert set(rows) == {safe_text(HOSTILE), "Bob", "Вob", "Carol"}
    assert rows["Bob"]["lookalike"] and rows["Вob"]["lookalike"]
    assert not rows["Carol"]["lookalike"] and not rows[safe_text(HOSTILE)]["lookalike"]

    monkeypatch.setenv("MAINFRAME_OS_HOME", str(home))
    monkeypatch.setenv("MFOS_PASSWORD", PW)
    capsys.readouterr()
    assert main(["contact", "list", "--vault", "v"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert out.count("looks like another contact") == 2  # Bob and Вob
