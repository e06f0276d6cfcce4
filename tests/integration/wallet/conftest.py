"""Wallet integration fixtures: a ready home (vault, identity, HD wallet, dev chain) built once
per session and copied per test, so each test pays one unlock instead of create + deploy."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node.node import Node
from mainframe_os.node.prompter import ApproveAllPrompter

from ..chain.realnode import anvil_node  # noqa: F401  (fixture)

PASSWORD = "password123"
ETHER = 10**18


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("wallet-template")

    async def build() -> dict[str, Any]:
        node = Node(home, prompter=ApproveAllPrompter())
        try:
            await node.call("vault_create", {"name": "main", "password": PASSWORD})
            alice = await node.call("identity_create", {"displayName": "Alice"})
            phrase = (await node.call("wallet_generatePhrase"))["phrase"]
            wallet = await node.call("wallet_create", {"phrase": phrase})
            return {
                "home": home,
                "phrase": phrase,
                "identity": alice["id"],
                "address": wallet["accounts"][0]["address"],
            }
        finally:
            await node.close()

    return asyncio.run(build())


class Env:
    def __init__(self, node: Node, prompter: ApproveAllPrompter, info: dict[str, Any], home: Path) -> None:
        self.node, self.prompter, self.info, self.home = node, prompter, info, home
        self.address: str = info["address"]

    async def call(self, method: str, params: Any = None) -> Any:
        return await self.node.call(method, params)

    async def reopen(self) -> None:
        """A restart: a new Node on the same home."""
        await self.node.close()
        self.node = Node(self.home, prompter=self.prompter)
        await self.node.call("vault_unlock", {"name": "main", "password": PASSWORD})


@pytest.fixture
async def env(template_home: dict[str, Any], tmp_path: Path) -> AsyncIterator[Env]:
    home = tmp_path / "home"
    shutil.copytree(template_home["home"], home, ignore=shutil.ignore_patterns("LOCK", "*.sock", "node.json"))
    prompter = ApproveAllPrompter()
    node = Node(home, prompter=prompter)
    await node.call("vault_unlock", {"name": "main", "password": PASSWORD})
    e = Env(node, prompter, template_home, home)
    yield e
    await e.node.close()


@pytest.fixture
def wallet_home(template_home: dict[str, Any], tmp_path: Path) -> Path:
    """A copy of the ready home, for tests that run `mfos` processes on it."""
    home = tmp_path / "home"
    shutil.copytree(template_home["home"], home, ignore=shutil.ignore_patterns("LOCK", "*.sock", "node.json"))
    return home
