"""Every CLI command with bad arguments: a clear error, never a traceback.

The sweep is derived from the command declarations, so a new command is swept too. Each
positional and each option that takes a value gets the same bad value; the command must end
with argparse's usage error (2) or a one-line refusal (1), and nothing on stderr may look like
a traceback or an internal error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mainframe_os.cli import _load_commands, main
from mainframe_os.cli.framework import COMMANDS, Command
from vault import KdfParams, VaultStore

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PW = "a fine long password"
# serve forever or open a window: not commands to sweep in-process
SKIP = {("node",), ("app", "dev")}
# (a path under a regular file: no command can create its folder, even as root)
BAD_VALUES = ["0xzz", "/etc/passwd/x", "\x1b[2J\u202eevil", ""]


def _argv(cmd: Command, bad: str) -> list[str]:
    argv = list(cmd.path)
    for a in cmd.args:
        kind = a.kwargs.get("action")
        if a.flags[0].startswith("-"):
            if kind is None:
                argv += [a.flags[0], bad]
        elif a.kwargs.get("nargs") != "?" or bad:
            argv.append(bad)
    if cmd.vault != "none":
        argv += ["--vault", "v"]
    return argv


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("sweep") / "home"
    VaultStore(h / "vaults").create("v", PW, KdfParams.insecure_for_tests()).close()
    return h


def _commands() -> list[Command]:
    _load_commands()
    return [c for c in COMMANDS if c.path not in SKIP]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=["hex", "path", "escapes", "empty"])
def test_every_command_refuses_bad_arguments_in_one_line(
    bad: str, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAINFRAME_OS_HOME", str(home))
    monkeypatch.setenv("MFOS_PASSWORD", PW)
    monkeypatch.chdir(home.parent)  # `app create 0xzz` and the like make folders: in the test's folder
    failures = []
    for cmd in _commands():
        argv = _argv(cmd, bad)
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse: usage error
            rc = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:  # noqa: BLE001 - what the sweep is looking for
            failures.append(f"{argv}: raised {type(exc).__name__}: {exc}")
            continue
        err = capsys.readouterr().err
        if rc == 70 or "Traceback" in err or "Internal error" in err or "unexpected" in err:
            failures.append(f"{argv}: rc={rc} {err.strip()[-300:]}")
    assert not failures, "\n".join(failures)


def _mfos(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(REPO), "MAINFRAME_OS_HOME": str(home), "MFOS_PASSWORD": PW}
    return subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", *args],
        env={**full, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=home.parent,  # bad values include relative paths: whatever they create lands in the test's folder
    )


def test_the_reported_bad_inputs(home: Path, tmp_path: Path) -> None:
    """The cases from the report, each as a user types them: one line, exit 1."""
    bad_utf8 = tmp_path / "bad.pw"
    bad_utf8.write_bytes(b"\xff\xfe\n")
    empty = tmp_path / "empty.pw"
    empty.write_bytes(b"")
    existing = tmp_path / "there.bak"
    existing.write_bytes(b"precious")
    cases = {
        ("--password-file", str(bad_utf8), "identity", "list", "--vault", "v"): "not UTF-8",
        ("--password-file", str(empty), "identity", "list", "--vault", "v"): "empty",
        ("vault", "backup", "v", str(tmp_path / "missing" / "x.bak")): "does not exist",
        ("vault", "backup", "v", "--force", "/dev/null"): "not a regular file",
        ("vault", "backup", "v", str(tmp_path)): "folder",
        ("vault", "backup", "v", str(existing)): "--force",
        (
            "rpc",
            "vault_backup",
            json.dumps({"path": "/etc/passwd/x", "password": PW, "vaultPassword": PW}),
            "--vault",
            "v",
        ): "not exist",
        ("app", "install", "/etc", "--vault", "v"): "",
        ("rpc", "eth_getBalance", '["0xzz", "latest"]', "--vault", "v"): "40 hex digits",
    }
    for argv, expected in cases.items():
        r = _mfos(home, *argv)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert r.returncode == 1 and len(lines) == 1, (argv, r.stderr)
        assert "Traceback" not in r.stderr and "Internal error" not in r.stderr, (argv, r.stderr)
        assert expected in lines[0], (argv, lines[0])
    assert existing.read_bytes() == b"precious"  # never replaced without --force
    # the empty password file did not fall back to $MFOS_PASSWORD
