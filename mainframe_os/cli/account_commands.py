"""mfos wallet remove|phrase: removing a wallet (after a question) and showing its phrase (on stderr only)."""

from __future__ import annotations

from typing import Any

from .core_commands import _confirm
from .framework import arg, command
from .session import CliSession, pick


@command(
    "wallet remove",
    "remove a wallet and its accounts from the vault (funds stay on chain: keep the phrase)",
    arg("wallet", help="wallet id, id prefix or name"),
    vault="required",
    formatter=lambda r: "Wallet removed.",
    method="wallet_remove",
)
async def wallet_remove(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    w = pick(await s.call("wallet_list"), a.wallet, "wallet", "name")
    addresses = ", ".join(acct["address"] for acct in w["accounts"])
    _confirm(s, f"Remove wallet '{w['name']}' ({addresses})? Without its phrase or key its funds are lost.")
    return await s.call("wallet_remove", {"walletId": w["id"], "confirm": True})


@command(
    "wallet phrase",
    "show a wallet's recovery phrase on the terminal (needs the vault password again)",
    arg("wallet", help="wallet id, id prefix or name"),
    vault="required",
    formatter=lambda r: f"Shown the recovery phrase of wallet '{r['name']}'.",
    method="wallet_revealPhrase",
)
async def wallet_phrase(s: CliSession, a: Any) -> Any:
    import sys

    await s.connect(a.vault)
    w = pick(await s.call("wallet_list"), a.wallet, "wallet", "name")
    vault_pw = s.vault_password_again(a.vault)  # the node checks it: the phrase is the whole wallet
    phrase = (await s.call("wallet_revealPhrase", {"walletId": w["id"], "vaultPassword": vault_pw}))["phrase"]
    # like `wallet create`: the phrase goes to the terminal (stderr), never into --json output or logs
    words = phrase.split()
    print("\nRecovery phrase (anyone with these words owns the wallet):\n", file=sys.stderr)
    for row in range(0, len(words), 4):
        line = "  ".join(f"{i + 1:2}. {w:<10}" for i, w in enumerate(words[row : row + 4], start=row))
        print("   " + line, file=sys.stderr)
    print(file=sys.stderr, flush=True)
    return {"walletId": w["id"], "name": w["name"]}
