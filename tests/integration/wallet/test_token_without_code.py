"""A token whose address holds no contract on this network (added on another machine's dev chain
and brought here by a restore) is shown as such; it never breaks the other balances."""

from __future__ import annotations

import os
from typing import Any

from eth_utils import to_checksum_address

from mainframe_os.node.chain.devchain import DEV_CHAIN_ID
from vault.models import Identity, Token

from .conftest import Env


async def test_a_token_with_no_contract_here_is_flagged_not_fatal(env: Env) -> None:
    nowhere = to_checksum_address("0x" + os.urandom(20).hex())

    def add_foreign_token(s: Any) -> None:
        ident = s.query(Identity).first()
        s.add(
            Token(identity_id=ident.id, chain_id=DEV_CHAIN_ID, address=nowhere, symbol="OLD", name="Old", decimals=18)
        )

    await env.node.db(add_foreign_token)
    balances = await env.call("wallet_getBalances")
    by_symbol = {b["symbol"]: b for b in balances}
    assert by_symbol["OLD"]["balance"] is None and "No token contract" in by_symbol["OLD"]["missing"]
    assert int(by_symbol["ETH"]["balance"]) > 0  # the rest still reads
    assert by_symbol["MFT"]["formatted"] != "—"
