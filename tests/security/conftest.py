"""A node with an open fast-KDF vault and a scripted prompter (the apps tests' own), per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mainframe_os.node.node import Node
from tests.unit.apps.conftest import ScriptedPrompter, open_node


@pytest.fixture
def prompter() -> ScriptedPrompter:
    return ScriptedPrompter()


@pytest.fixture
async def opened(tmp_path: Path, prompter: ScriptedPrompter) -> AsyncIterator[tuple[Node, str]]:
    node, ident = await open_node(tmp_path / "home", prompter)
    yield node, ident
    await node.close()


@pytest.fixture
async def node(tmp_path: Path, prompter: ScriptedPrompter) -> AsyncIterator[Node]:
    n, _ident = await open_node(tmp_path / "home", prompter, wallet=False)
    yield n
    await n.close()
