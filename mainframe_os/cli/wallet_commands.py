"""mfos wallet|token|swap|buy: wallets, balances, sends, swaps and buying ETH.

Secrets never come from argv: a recovery phrase or private key is read from the terminal (or
stdin for scripts), a keystore password from the terminal or $MFOS_KEYSTORE_PASSWORD.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from .core_commands import _table
from .framework import arg, command
from .session import CliError, CliSession, resolve_path


def _read_secret(prompt: str) -> str:
    """One line from the terminal (not echoed) or, for scripts, from stdin."""
    if sys.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise CliError("Nothing was entered")
    return value


def _ask_line(prompt: str) -> str:
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise CliError("No answer (stdin is closed): use --yes to skip the confirmation")
    return line.strip()


# -- wallet ----------------------------------------------------------------------------------------


def _wallet_line(r: dict[str, Any]) -> str:
    accts = "\n".join(f"  {a['address']}  {a['name']}" + ("  (default)" if a["default"] else "") for a in r["accounts"])
    return f"Wallet '{r['name']}' ({r['type']}, {r['id'][:8]}):\n{accts}"


@command(
    "wallet create",
    "create an HD wallet; its recovery phrase is shown once",
    arg("--name", help="the wallet's name"),
    arg("--words", type=int, default=12, choices=(12, 24)),
    arg("--identity", help="the identity that owns it (default: the active one)"),
    vault="required",
    formatter=_wallet_line,
)
async def wallet_create(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    phrase = (await s.call("wallet_generatePhrase", {"words": a.words}))["phrase"]
    words = phrase.split()
    # The phrase goes to the terminal (stderr), never into --json output or logs.
    print(
        "\nRecovery phrase: write these words down, in order, and keep them offline.\n"
        "Anyone with them owns the wallet; they are shown only this once.\n",
        file=sys.stderr,
    )
    for row in range(0, len(words), 4):
        print(
            "   " + "  ".join(f"{i + 1:2}. {w:<10}" for i, w in enumerate(words[row : row + 4], start=row)),
            file=sys.stderr,
        )
    print(file=sys.stderr, flush=True)
    if not a.yes:
        for i in sorted(secrets.SystemRandom().sample(range(len(words)), 2)):
            if _ask_line(f"Word #{i + 1}: ").lower() != words[i]:
                raise CliError(f"Word #{i + 1} does not match: nothing was created. Run the command again.")
        if sys.stdout.isatty():
            print("\033[2J\033[H", end="", file=sys.stderr)  # clear the screen holding the phrase
    return await s.call("wallet_create", {"phrase": phrase, "name": a.name, "identityId": a.identity})


@command(
    "wallet import",
    "import a wallet from a recovery phrase (or a private key with --key), read from stdin",
    arg("--key", action="store_true", help="import one account from its private key"),
    arg("--name", help="the wallet's name"),
    arg("--identity"),
    vault="required",
    formatter=_wallet_line,
)
async def wallet_import(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    if a.key:
        key = _read_secret("Private key (hex): ")
        return await s.call("wallet_importKey", {"privateKey": key, "name": a.name, "identityId": a.identity})
    phrase = _read_secret("Recovery phrase (words separated by spaces): ")
    return await s.call("wallet_create", {"phrase": phrase, "name": a.name, "identityId": a.identity})


@command(
    "wallet list",
    "list the identity's wallets",
    arg("--identity"),
    vault="required",
    formatter=lambda r: "\n\n".join(_wallet_line(w) for w in r) or "No wallet yet: mfos wallet create",
)
async def wallet_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("wallet_list", {"identityId": a.identity})


def _accounts(r: list[dict[str, Any]]) -> str:
    rows = [dict(x, mark="*" if x["default"] else "") for x in r]
    return _table(
        rows,
        [("mark", " "), ("address", "ADDRESS"), ("name", "NAME"), ("index", "INDEX")],
        "No accounts yet: mfos wallet create",
    )


@command(
    "wallet accounts",
    "list the identity's accounts (* = default)",
    arg("--identity"),
    vault="required",
    formatter=_accounts,
)
async def wallet_accounts(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("wallet_accounts", {"identityId": a.identity})


@command(
    "wallet add-account",
    "derive the next account of an HD wallet",
    arg("wallet", help="wallet id or prefix"),
    arg("--name"),
    vault="required",
    formatter=lambda r: f"Added {r['address']} ({r['name']}).",
)
async def wallet_add_account(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    wallets = [w for w in await s.call("wallet_list") if w["id"].startswith(a.wallet.lower())]
    if len(wallets) != 1:
        raise CliError(f"'{a.wallet}' matches {len(wallets)} wallets: use the id from mfos wallet list")
    return await s.call("wallet_addAccount", {"walletId": wallets[0]["id"], "name": a.name})


def _balances(r: list[dict[str, Any]]) -> str:
    if not r:
        return "No balances."
    head = f"Account {r[0]['address']}\n"
    return head + _table(r, [("symbol", "TOKEN"), ("formatted", "BALANCE"), ("name", "NAME")], "")


@command(
    "wallet balances",
    "ETH and token balances of an account",
    arg("--address", help="default: the default account"),
    vault="required",
    formatter=_balances,
)
async def wallet_balances(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("wallet_getBalances", {"address": a.address})


@command(
    "wallet send",
    "send ETH or a token to an address or a contact",
    arg("--to", required=True, help="an address or a contact's name/id"),
    arg("--amount", required=True, help="e.g. 0.5 (a point for decimals, no commas)"),
    arg("--token", default="ETH", help="ETH, MFT, DAI or a token address"),
    arg("--from", dest="sender", help="the paying account (default: the default account)"),
    vault="required",
    formatter=lambda r: f"Transaction {r['hash']}: {r['status']}.",
)
async def wallet_send(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    params: dict[str, Any] = {"to": a.to, "amount": a.amount, "token": a.token}
    if a.sender:
        params["from"] = a.sender
    if not a.yes:  # the fee, before the prompt that approves the send
        est = await s.call("wallet_estimateSend", params)
        print(f"Network fee: at most {est['maxFeeFormatted']} ETH", file=sys.stderr)
    return await s.call("wallet_send", params)


def _history(r: list[dict[str, Any]]) -> str:
    rows = []
    for h in r:
        d = h.get("details") or {}
        what = d.get("amount") or d.get("you pay") or d.get("allowance") or ""
        if h["kind"] == "swap" and d.get("you receive at least"):
            what = f"{what} -> >= {d['you receive at least']}"
        elif d.get("to"):
            what = f"{what} to {d['to']}"
        rows.append(
            {
                "hash": h["hash"][:12] + "…",
                "kind": h["kind"],
                "status": h["status"],
                "what": what,
                "error": h.get("error") or "",
            }
        )
    return _table(
        rows,
        [("hash", "HASH"), ("kind", "KIND"), ("status", "STATUS"), ("what", "WHAT"), ("error", "ERROR")],
        "No transactions yet.",
    )


@command(
    "wallet history",
    "the transactions this identity sent on the active network",
    arg("--address"),
    arg("--limit", type=int, default=50),
    vault="required",
    formatter=_history,
)
async def wallet_history(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("wallet_history", {"address": a.address, "limit": a.limit})


@command("wallet recheck", "re-check pending transactions (after a restart or an outage)", vault="required")
async def wallet_recheck(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("wallet_recheck")


@command(
    "wallet export",
    "write an account's encrypted keystore file (eth-keyfile v3)",
    arg("address"),
    arg("file"),
    vault="required",
    formatter=lambda r: f"Keystore written to {r['path']}.",
)
async def wallet_export(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    path = Path(resolve_path(a.file))
    if path.exists():
        raise CliError(f"{path} already exists: choose another file")
    vault_pw = s.vault_password_again(a.vault)  # the node checks it: the key leaves the vault
    pw = s.password("Keystore password", confirm=True, env="MFOS_KEYSTORE_PASSWORD", file="")
    params = {"address": a.address, "password": pw, "vaultPassword": vault_pw}
    ks = (await s.call("wallet_exportKeystore", params))["keystore"]
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private from the first byte
    try:
        os.write(fd, json.dumps(ks).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return {"path": str(path), "address": a.address}


# -- tokens ----------------------------------------------------------------------------------------


@command(
    "token add",
    "add an ERC-20 by its address (symbol and decimals read from the chain)",
    arg("address"),
    vault="required",
    formatter=lambda r: f"Added {r['symbol']} ({r['name']}, {r['decimals']} decimals).",
)
async def token_add(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("wallet_addToken", {"address": a.address})


@command(
    "token list",
    "the tokens shown on the active network",
    vault="required",
    formatter=lambda r: _table(
        r, [("symbol", "TOKEN"), ("name", "NAME"), ("decimals", "DECIMALS"), ("token", "ADDRESS")], ""
    ),
)
async def token_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("wallet_listTokens")


# -- swap ------------------------------------------------------------------------------------------

_SWAP_ARGS = (
    arg("--from", dest="src", required=True, help="ETH or a token"),
    arg("--to", dest="dst", required=True),
    arg("--amount", required=True, help="how much of --from to pay"),
    arg("--slippage", default="0.5", help="percent the price may move (default 0.5)"),
)


def _quote(r: dict[str, Any]) -> str:
    lines = [
        f"You pay:              {r['amountInFormatted']} {r['from']}",
        f"You receive:          {r['amountOutFormatted']} {r['to']}",
        f"Minimum received:     {r['minimumReceivedFormatted']} {r['to']} (slippage {r['slippage']}%)",
        f"Price impact:         {r['priceImpact']}%",
        f"Route:                {r['route']}",
    ]
    if r.get("needsApproval"):
        lines.append(
            f"Approval needed:      the router must first be allowed to spend {r['amountInFormatted']} {r['from']}"
        )
    if r.get("hash"):
        lines.append(f"Transaction:          {r['hash']} ({r['status']}); received {r['receivedFormatted']} {r['to']}")
    return "\n".join(lines)


def _swap_params(a: Any) -> dict[str, Any]:
    return {"from": a.src, "to": a.dst, "amount": a.amount, "slippage": a.slippage}


@command(
    "swap quote",
    "what a swap would give (amount out, minimum received, price impact)",
    *_SWAP_ARGS,
    vault="required",
    formatter=_quote,
)
async def swap_quote(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("swap_quote", _swap_params(a))


@command(
    "swap run",
    "swap through the network's Uniswap V2 router (approving first if needed)",
    *_SWAP_ARGS,
    vault="required",
    formatter=_quote,
)
async def swap_run(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("swap_run", _swap_params(a))


# -- buy -------------------------------------------------------------------------------------------


def _bought(r: dict[str, Any]) -> str:
    if r["kind"] == "credited":
        return f"Credited {r['amountFormatted']} ETH to {r['address']} (transaction {r['hash']})."
    return f"Open {r['name']} to buy ETH for {r['address']}:\n{r['url']}"


@command(
    "buy",
    "buy ETH: the dev chain's faucet credits it, other providers give their widget URL",
    arg("--provider", default="faucet", help="faucet, coinbase, moonpay, transak or ramp"),
    arg("--amount", required=True, help="ETH to buy"),
    arg("--address", help="default: the default account"),
    vault="required",
    formatter=_bought,
)
async def buy(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("onramp_start", {"provider": a.provider, "amount": a.amount, "address": a.address})
