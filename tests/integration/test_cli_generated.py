"""Commands generated from the registry, run as real `python -m mainframe_os.cli` processes
against a real home: headless (the CLI opens the vault itself) and through a running `mfos node`
(its socket), a secret method asking for the password on a real terminal, and bad arguments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.terminal import answer_on_a_terminal

from .test_cli_flow import PW, j, mfos, ok, serving_node


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    ok(mfos(h, "vault", "create", "v"))
    ok(mfos(h, "identity", "create", "--vault", "v", "Ann"))
    return h


@pytest.fixture
def served(home: Path) -> Iterator[Path]:
    """`mfos node --vault v` serving `home` on its socket."""
    with serving_node(home):
        yield home


def test_a_generated_command_works_headless(home: Path) -> None:
    # vault_info: added by following CONTRIBUTING.md, no CLI code written for it
    text = ok(mfos(home, "vault", "info", "v"))
    lines = dict(line.split(":", 1) for line in text.splitlines())
    assert lines["name"].strip() == "v" and lines["open"].strip() == "false"
    info: Any = j(mfos(home, "--json", "vault", "info", "v"))
    assert info["path"] == str(home / "vaults" / "v") and info["sizeBytes"] > 0
    # the camelCase name works too, and a reference by name resolves like everywhere else
    ident: Any = j(mfos(home, "--json", "identity", "get", "--vault", "v", "--id", "Ann"))
    assert ident["displayName"] == "Ann"
    assert ok(mfos(home, "identity", "getCard", "--vault", "v")).startswith("mfc1.")
    # an identityId is given by name (refs.match_ref) in every generated command
    assert "Hello" in ok(mfos(home, "app", "list", "--vault", "v", "--identity", "Ann"))
    r = mfos(home, "app", "list", "--vault", "v", "--identity", "Zed")
    assert r.returncode == 1 and r.stderr.strip() == "error: No identity matches 'Zed'"
    r = mfos(home, "vault", "info", "nope")
    assert r.returncode == 1 and r.stderr.strip() == "error: No vault named 'nope'"


@pytest.mark.slow
def test_generated_commands_go_through_the_running_node(served: Path) -> None:
    home = served
    # no password: the running node serves the vault
    status: Any = j(mfos(home, "--json", "node", "status", password=None))
    assert status["vault"] == "v"
    assert "open:" in ok(mfos(home, "vault", "info", "v", password=None))
    assert j(mfos(home, "--json", "vault", "info", "v", password=None))["open"] is True  # type: ignore[index]
    ok(mfos(home, "contacts", "list", "--vault", "v", password=None))
    made: Any = j(mfos(home, "--json", "identity", "create", "--vault", "v", "Bob", password=None))
    listed: Any = j(mfos(home, "--json", "identity", "list", "--vault", "v", password=None))
    assert made["id"] in [x["id"] for x in listed]


@pytest.mark.slow
def test_a_generated_secret_method_asks_for_the_password_on_the_terminal(home: Path) -> None:
    new = "a brand new password"
    code, seen = answer_on_a_terminal(
        home,
        ["vault", "change-password", "--name", "v"],
        [
            (b"Password for vault 'v': ", PW.encode() + b"\n"),
            (b"New password: ", new.encode() + b"\n"),
            (b"Repeat it: ", new.encode() + b"\n"),
        ],
    )
    assert code == 0 and "Password changed." in seen, seen
    assert PW not in seen and new not in seen  # asked without echo, never printed
    r = mfos(home, "identity", "list", "--vault", "v")  # the old password no longer opens it
    assert r.returncode == 1 and "Wrong password" in r.stderr
    assert "Ann" in ok(mfos(home, "identity", "list", "--vault", "v", password=new))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["wallet", "history", "--vault", "v", "--limit", "ten"], "argument --limit: invalid int value: 'ten'"),
        (["network", "add", "x", "http://h", "--chain-id", "5", "--contracts", "{bad", "--vault", "v"], "JSON"),
        (["vault", "info"], "the following arguments are required: NAME"),
        (["wallet", "get-balances"], "the following arguments are required: --vault"),
        (["node", "status", "--what"], "unrecognized arguments: --what"),
    ],
)
def test_bad_arguments_to_a_generated_command_are_one_line_errors(tmp_path: Path, args: list[str], says: str) -> None:
    r = mfos(tmp_path / "h", *args)
    assert r.returncode == 2, r.stderr
    errors = [line for line in r.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and says in errors[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert not (tmp_path / "h" / "vaults").exists()  # nothing was created
