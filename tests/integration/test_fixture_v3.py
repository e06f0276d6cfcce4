"""A vault written by schema version 3 (wallets, history, apps) opens with the current code and
reads back through the node's own methods: later migrations must keep this test green."""

from __future__ import annotations

import shutil
from pathlib import Path

from mainframe_os.node.node import Node

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "vault" / "v3"


async def test_v3_fixture_through_the_node(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "vaults").mkdir(parents=True)
    shutil.copytree(FIXTURE, home / "vaults" / "fixture3")  # never touch the committed files
    node = Node(home)
    try:
        await node.call("vault_unlock", {"name": "fixture3", "password": "fixture-password"})
        ids = await node.call("identity_list")
        assert [i["displayName"] for i in ids] == ["Fixture Alice", "Fixture Bob"]
        alice = ids[0]["id"]
        contacts = await node.call("contacts_list", {"identityId": alice})
        assert [(c["displayName"], c["address"]) for c in contacts] == [("Fixture Bob", "0x" + "b0" * 20)]
        assert contacts[0]["card"].startswith("mfc1.")
        wallets = await node.call("wallet_list", {"identityId": alice})
        assert wallets[0]["name"] == "Main" and wallets[0]["type"] == "hd"
        assert wallets[0]["accounts"] == [
            {
                "address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                "name": "Spending",
                "index": 0,
                "default": True,
                "walletId": "w" * 32,
            }
        ]
        # the stored phrase still derives the next account correctly
        nxt = await node.call("wallet_addAccount", {"walletId": "w" * 32})
        assert nxt["address"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" and nxt["index"] == 1
        from sqlalchemy import select

        from vault.models import AppData, AppGrant, AppInstall, Token, TxRecord

        def rows(s):  # type: ignore[no-untyped-def]
            return (
                s.scalars(select(TxRecord)).one().details,
                s.scalars(select(Token)).one().symbol,
                s.scalars(select(AppInstall)).one().version,
                s.scalars(select(AppGrant)).one().value,
                s.scalars(select(AppData)).one().value,
            )

        assert await node.db(rows) == (
            {"to": "Fixture Bob", "amount": "1 ETH"},
            "FIX",
            "1.2.3",
            ["example.org"],
            b'"hello"',
        )
    finally:
        await node.close()
