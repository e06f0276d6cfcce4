"""mfos wallet create|import|send|export: the wallet flows with more than one step.

Secrets never come from argv: a recovery phrase or private key is read from the terminal (or
stdin for scripts), a keystore password from the terminal or $MFOS_KEYSTORE_PASSWORD.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from .asking import read_secret
from .declarations import wallet_text
from .framework import arg, command
from .session import CliError, CliSession, resolve_path


def _ask_line(prompt: str) -> str:
    print(prompt, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise CliError("No answer (stdin is closed): use --yes to skip the confirmation")
    return line.strip()


# -- wallet ----------------------------------------------------------------------------------------


@command(
    "wallet create",
    "create an HD wallet; its recovery phrase is shown once",
    arg("--name", help="the wallet's name"),
    arg("--words", type=int, default=12, choices=(12, 24)),
    arg("--identity", help="the identity that owns it (default: the active one)"),
    vault="required",
    formatter=wallet_text,
    method="wallet_create",
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
    formatter=wallet_text,
)
async def wallet_import(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    if a.key:
        key = read_secret("Private key (hex): ")
        return await s.call("wallet_importKey", {"privateKey": key, "name": a.name, "identityId": a.identity})
    phrase = read_secret("Recovery phrase (words separated by spaces): ")
    return await s.call("wallet_create", {"phrase": phrase, "name": a.name, "identityId": a.identity})


@command(
    "wallet send",
    "send ETH or a token to an address or a contact",
    arg("--to", required=True, help="an address or a contact's name/id"),
    arg("--amount", required=True, help="e.g. 0.5 (a point for decimals, no commas)"),
    arg("--token", default="ETH", help="ETH, MFT, DAI or a token address"),
    arg("--from", dest="sender", help="the paying account (default: the default account)"),
    vault="required",
    formatter=lambda r: f"Transaction {r['hash']}: {r['status']}.",
    method="wallet_send",
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


@command(
    "wallet export",
    "write an account's encrypted keystore file (eth-keyfile v3)",
    arg("address"),
    arg("file"),
    vault="required",
    formatter=lambda r: f"Keystore written to {r['path']}.",
    method="wallet_exportKeystore",
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
