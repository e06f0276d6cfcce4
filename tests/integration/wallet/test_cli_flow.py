"""The issue's "Done when", from the CLI in subprocesses on a fresh home with no network:
create a wallet, see ETH, buy from the faucet, swap ETH->MFT and back, send MFT to a contact,
then a NEW process sees the same balances and history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def mfos(home: Path, *args: str, stdin: str | None = None, ok: bool = True, env: dict[str, str] | None = None) -> Any:
    e = {**os.environ, "MFOS_PASSWORD": "password123", **(env or {})}
    e.pop("MAINFRAME_OS_HOME", None)
    p = subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "--yes", "--json", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=e,
        timeout=120,
    )
    if ok:
        assert p.returncode == 0, p.stderr + p.stdout
        return json.loads(p.stdout) if p.stdout.strip() else None
    assert p.returncode != 0
    return json.loads(p.stdout)["error"]


@pytest.mark.slow
def test_newcomer_wallet_session_from_the_cli(tmp_path: Path) -> None:
    home, v = tmp_path / "home", ("--vault", "main")
    mfos(home, "vault", "create", "main")
    mfos(home, "identity", "create", "Bob", *v)
    mfos(home, "wallet", "create", *v)
    card = mfos(home, "identity", "card", *v)["card"]
    alice = mfos(home, "identity", "create", "Alice", *v)
    mfos(home, "identity", "use", alice["id"], *v)
    created = mfos(home, "wallet", "create", "--name", "Main", *v)
    me = created["accounts"][0]["address"]
    mfos(home, "contact", "add", card, *v)

    bal = {b["symbol"]: b for b in mfos(home, "wallet", "balances", *v)}
    assert bal["ETH"]["formatted"] == "10" and bal["MFT"]["balance"] == "0"
    bought = mfos(home, "buy", "--provider", "faucet", "--amount", "5", *v)
    assert bought["kind"] == "credited" and bought["address"] == me

    q = mfos(home, "swap", "quote", "--from", "ETH", "--to", "MFT", "--amount", "1", *v)
    run = mfos(home, "swap", "run", "--from", "ETH", "--to", "MFT", "--amount", "1", *v)
    assert run["status"] == "confirmed" and run["received"] == q["amountOut"]
    back = mfos(home, "swap", "run", "--from", "MFT", "--to", "ETH", "--amount", "2000", "--slippage", "1", *v)
    assert back["status"] == "confirmed" and back["approvalHash"]
    sent = mfos(home, "wallet", "send", "--to", "Bob", "--amount", "123.5", "--token", "MFT", *v)
    assert sent["status"] == "confirmed"

    balances = mfos(home, "wallet", "balances", *v)
    history = mfos(home, "wallet", "history", *v)
    assert [h["kind"] for h in history] == ["token", "swap", "approve", "swap"]
    assert all(h["status"] == "confirmed" for h in history)
    mft = int(next(b for b in balances if b["symbol"] == "MFT")["balance"])
    assert mft == int(run["received"]) - 2000 * 10**18 - 1235 * 10**17

    # A new process (a restart): same balances, same history.
    assert mfos(home, "wallet", "balances", *v) == balances
    assert mfos(home, "wallet", "history", *v) == history
    assert len(mfos(home, "wallet", "accounts", *v)) == 1

    # Keystore export: password from the environment, file private, decrypts to the account.
    ks_file = tmp_path / "alice.json"
    mfos(home, "wallet", "export", me, str(ks_file), *v, env={"MFOS_KEYSTORE_PASSWORD": "keystore-pass"})
    assert ks_file.stat().st_mode & 0o077 == 0
    import eth_keyfile
    from eth_account import Account

    key = eth_keyfile.decode_keyfile_json(json.loads(ks_file.read_text()), b"keystore-pass")
    assert Account.from_key(key).address == me

    # Import reads the secret from stdin, never argv; a wrong word fails the BIP-39 checksum.
    phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow"
    bad = phrase.replace("sausage", "abandon")
    err = mfos(home, "wallet", "import", *v, stdin=bad + "\n", ok=False)
    assert "checksum" in err["message"]
    imported = mfos(home, "wallet", "import", "--name", "Imported", *v, stdin=phrase + "\n")
    assert imported["accounts"][0]["address"] == "0x58A57ed9d8d624cBD12e2C467D34787555bB1b25"
    err = mfos(
        home, "wallet", "send", "--to", "0x58a57ed9d8d624cbd12e2C467D34787555bB1b25", "--amount", "1", *v, ok=False
    )
    assert "checksum" in err["message"]
    err = mfos(home, "swap", "quote", "--from", "ETH", "--to", "MFT", "--amount", "1.0000000000000000001", *v, ok=False)
    assert "decimal places" in err["message"]
