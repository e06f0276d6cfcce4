"""A node with an open fast-KDF vault, an identity with a wallet, and a scripted prompter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node.node import Node
from mainframe_os.node.prompter import PromptRequest, PromptResult


class ScriptedPrompter:
    """Answers prompts from a queue (or a default), recording every request."""

    def __init__(self) -> None:
        self.asked: list[PromptRequest] = []
        self.answers: list[PromptResult] = []
        self.default = PromptResult(False)

    def will(self, approved: bool, choice: str | None = None, data: Any = None) -> None:
        self.answers.append(PromptResult(approved, choice, data))

    async def ask(self, request: PromptRequest) -> PromptResult:
        self.asked.append(request)
        return self.answers.pop(0) if self.answers else self.default


async def open_node(home: Path, prompter: Any, *, wallet: bool = True) -> tuple[Node, str]:
    from vault import KdfParams, VaultStore

    node = Node(home, prompter=prompter)
    v = await node.on_vault_thread(
        lambda: VaultStore(node.paths.vaults).create("main", "password123", KdfParams.insecure_for_tests())
    )
    await node.set_open_vault(v)
    ident = (await node.call("identity_create", {"displayName": "Alice", "developer": True}))["id"]
    if wallet:
        phrase = await node.call("wallet_generatePhrase")
        phrase = phrase["phrase"] if isinstance(phrase, dict) else phrase
        await node.call("wallet_create", {"phrase": phrase})
    return node, ident


@pytest.fixture
def prompter() -> ScriptedPrompter:
    return ScriptedPrompter()


@pytest.fixture
async def opened(tmp_path: Path, prompter: ScriptedPrompter) -> AsyncIterator[tuple[Node, str]]:
    node, ident = await open_node(tmp_path / "home", prompter)
    yield node, ident
    await node.close()
