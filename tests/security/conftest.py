"""A node with an open fast-KDF vault and a scripted prompter, per test: the apps tests'
`prompter` and `opened` fixtures (shared, not copied), and a node without a wallet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mainframe_os.node.node import Node
from tests.unit.apps.conftest import ScriptedPrompter, open_node, opened, prompter

__all__ = ["node", "opened", "prompter"]


@pytest.fixture
async def node(tmp_path: Path, prompter: ScriptedPrompter) -> AsyncIterator[Node]:
    n, _ident = await open_node(tmp_path / "home", prompter, wallet=False)
    yield n
    await n.close()
