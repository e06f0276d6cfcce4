"""The `secret` access level: methods that let keys or the whole vault leave need the vault
password again, from every caller (even the launcher), and never answer an app."""

from __future__ import annotations

from pathlib import Path

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node
from mainframe_os.node.registry import REGISTRY

from .test_grants import install

PW = "password123"
SECRET = {"wallet_exportKeystore", "wallet_revealPhrase", "vault_backup", "vault_changePassword", "vault_delete"}


def test_the_registry_declares_what_lets_keys_or_the_vault_leave_as_secret() -> None:
    declared = {m.name for m in REGISTRY.all() if m.access.kind == "secret"}
    assert declared == SECRET
    for name in SECRET:
        m = REGISTRY.get(name)
        assert m is not None and not m.access.apps_may_call
        param = next(p for p in m.params if p.name == m.access.password_param)
        assert param.secret and param.required


async def test_phrase_reveal_needs_the_vault_password_from_every_caller(
    opened: tuple[Node, str], tmp_path: Path
) -> None:
    node, ident = opened
    wallet = (await node.call("wallet_list"))[0]
    for ctx in (CallerContext.launcher(), CallerContext.cli("socket-1")):
        with pytest.raises(E.InvalidParams, match="vault password again"):
            await node.call("wallet_revealPhrase", {"walletId": wallet["id"]}, ctx)
        with pytest.raises(E.WrongPasswordError):
            await node.call("wallet_revealPhrase", {"walletId": wallet["id"], "vaultPassword": PW + "x"}, ctx)
        out = await node.call("wallet_revealPhrase", {"walletId": wallet["id"], "vaultPassword": PW}, ctx)
        assert len(out["phrase"].split()) == 12
    app = await install(node, tmp_path)
    with pytest.raises(E.Unauthorized):  # even with the right password, never an app
        await node.call(
            "wallet_revealPhrase", {"walletId": wallet["id"], "vaultPassword": PW}, CallerContext.app(app, ident)
        )


async def test_backup_and_keystore_passwords_follow_the_node_rule(opened: tuple[Node, str], tmp_path: Path) -> None:
    node, _ = opened
    dest = tmp_path / "b.mfbackup"
    with pytest.raises(E.InvalidParams, match="at least 8"):
        await node.call("vault_backup", {"path": str(dest), "password": "short", "vaultPassword": PW})
    assert not dest.exists()
    address = (await node.call("wallet_accounts"))[0]["address"]
    with pytest.raises(E.InvalidParams, match="keystore password must be at least 8"):
        await node.call("wallet_exportKeystore", {"address": address, "password": "short", "vaultPassword": PW})
    out = await node.call("vault_backup", {"path": str(dest), "password": "long enough", "vaultPassword": PW})
    assert out["size"] > 0 and dest.exists()
