"""A vault error reaches the caller with the code the one table gives it (docs/errors.md):
a real vault file, the real dispatcher, the real local socket."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import vault
from mainframe_os.node import error_table
from mainframe_os.node.node import Node
from mainframe_os.node.transport.local_socket import SocketClient, SocketServer, why_not_alive

PW = "a fine long password"


def _table_code(name: str) -> int:
    return next(e.code for e in error_table.table() if e.name == name)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[SocketServer]:
    home = tmp_path / "h"
    vault.VaultStore(home / "vaults").create("v", PW, vault.KdfParams.insecure_for_tests()).close()
    node = Node(home)
    server = SocketServer(node, node.paths.socket)
    await server.start()
    await asyncio.get_running_loop().run_in_executor(None, lambda: why_not_alive(server.path, 60.0))
    try:
        yield server
    finally:
        await server.stop()
        await node.close()


async def _call(server: SocketServer, method: str, params: dict[str, object]) -> dict[str, object]:
    def call() -> dict[str, object]:
        client = SocketClient(server.path, timeout=120)
        try:
            return dict(client.call(method, params))
        finally:
            client.close()

    return await asyncio.get_running_loop().run_in_executor(None, call)


async def test_wrong_password_and_bad_backup_carry_their_table_codes(served: SocketServer, tmp_path: Path) -> None:
    wrong = await _call(served, "vault_unlock", {"name": "v", "password": "not the password"})
    assert wrong["error"]["code"] == _table_code("vault.WrongPassword") == 2004  # type: ignore[index]
    assert "result" not in wrong

    missing = await _call(served, "vault_unlock", {"name": "nope", "password": PW})
    assert missing["error"]["code"] == _table_code("vault.VaultNotFound")  # type: ignore[index]

    junk = tmp_path / "junk.bak"
    junk.write_bytes(os.urandom(4096))
    not_backup = await _call(served, "vault_inspectBackup", {"path": str(junk)})
    assert not_backup["error"]["code"] == _table_code("vault.NotABackup")  # type: ignore[index]

    # and the right password still opens it: the codes above were refusals, not breakage
    opened = await _call(served, "vault_unlock", {"name": "v", "password": PW})
    assert "error" not in opened, opened
