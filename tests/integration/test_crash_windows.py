"""Kill every writing command at every step it has, then check what the next start finds.

Each command first runs once with ``MFOS_CRASH_TRACE`` to list the steps it passes (the crash
points in ``vault/``: atomic writes, renames, commits, wipes). Then, for each step, a fresh copy
of the same home runs the command with ``MFOS_CRASH_AT=<step>``: the process ends there with
``os._exit`` (as abrupt as SIGKILL, no cleanup). After each kill one more ``mfos`` process starts
(the "next start"), and the test checks:

- the vault opens (with the old password or the new one, never neither, never both);
- nothing reported done before is lost (the identities made earlier are all there);
- nothing is done twice (a killed "identity create" made at most one identity);
- no leftover survives the next start (no work folder, no set-aside vault, no temp header, no
  hidden backup temp file beside the destination), and a deleted name is free again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from vault import KdfParams, VaultStore, WrongPassword
from vault._header import VaultHeader, write_header
from vault.models import Identity

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
P0, P1 = "first password 0", "second password 1"
VAULT_FILES = {"header.json", "vault.db", "vault.db-wal", "vault.db-shm"}


def mfos(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "MAINFRAME_OS_HOME": str(home),
        "MFOS_PASSWORD": P0,
        "MFOS_NEW_PASSWORD": P1,
        **(env or {}),
    }
    for k in ("MFOS_CRASH_AT", "MFOS_CRASH_TRACE"):
        if env is None or k not in env:
            full.pop(k, None)
    return subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", *args], env=full, capture_output=True, text=True, timeout=120
    )


def ok(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with vault 'v' (password P0, identity Alice) and out/b.bak, a backup that also
    holds Carol (so a restore over 'v' can be told apart from the vault it replaces)."""
    home = tmp_path_factory.mktemp("crash") / "home"
    ok(mfos(home, "vault", "create", "v"))
    ok(mfos(home, "identity", "create", "Alice", "--vault", "v"))
    ok(mfos(home, "identity", "create", "Carol", "--vault", "v"))
    (home / "out").mkdir()
    ok(mfos(home, "vault", "backup", "v", str(home / "out" / "b.bak")))
    ok(mfos(home, "--yes", "identity", "delete", "Carol", "--vault", "v"))
    # Re-seal the header with the cheapest KDF: the dozens of unlocks below stay fast, and the
    # steps under test do not depend on the KDF cost.
    v = VaultStore(home / "vaults").open("v")
    v.unlock(P0)
    write_header(v.path, VaultHeader.seal(P0, v._require_data_key(), KdfParams.insecure_for_tests()))
    v.close()
    return home


def names_in(home: Path, vault_name: str, password: str) -> list[str]:
    v = VaultStore(home / "vaults").open(vault_name)
    try:
        v.unlock(password)
        with v.session() as s:
            return sorted(i.display_name for i in s.query(Identity))
    finally:
        v.close()


def opens_with(home: Path, vault_name: str) -> tuple[str, list[str]]:
    """The one password of P0/P1 that opens the vault, and its identities."""
    found = []
    for pw in (P0, P1):
        try:
            found.append((pw, names_in(home, vault_name, pw)))
        except WrongPassword:
            pass
    assert len(found) == 1, f"{len(found)} of the two passwords open {vault_name!r}"
    return found[0]


def vault_names(home: Path) -> list[str]:
    return [i.name for i in VaultStore(home / "vaults").list()]


def assert_no_leftovers(home: Path) -> None:
    vaults = home / "vaults"
    for entry in vaults.iterdir():
        if entry.name == ".locks":
            continue
        assert not entry.name.startswith("."), f"leftover {entry.name}"
        assert (entry / "header.json").is_file(), f"{entry.name} has no header"
        extra = {f.name for f in entry.iterdir()} - VAULT_FILES
        assert not extra, f"leftover files in {entry.name}: {extra}"
    hidden = [f.name for f in (home / "out").iterdir() if f.name.startswith(".")]
    assert not hidden, f"backup temp files left: {hidden}"


# -- what each command may leave after a kill ------------------------------------------------------


def after_create(home: Path) -> None:
    assert opens_with(home, "v") == (P0, ["Alice"])
    if "w" in vault_names(home):
        assert opens_with(home, "w") == (P0, [])
    else:
        assert not (home / "vaults" / "w").exists()


def after_identity(home: Path) -> None:
    assert opens_with(home, "v")[1] in (["Alice"], ["Alice", "Bob"])  # never two Bobs


def after_passwd(home: Path) -> None:
    assert opens_with(home, "v")[1] == ["Alice"]


def after_backup(home: Path) -> None:
    assert opens_with(home, "v") == (P0, ["Alice"])
    dest = home / "out" / "new.bak"
    if dest.exists():
        VaultStore(home / "vaults").inspect_backup(dest)  # a whole backup, never a torn one


def after_restore_over(home: Path) -> None:
    assert opens_with(home, "v")[1] in (["Alice"], ["Alice", "Carol"])


def after_restore_as(home: Path) -> None:
    assert opens_with(home, "v") == (P0, ["Alice"])
    if "v2" in vault_names(home):
        assert opens_with(home, "v2") == (P0, ["Alice", "Carol"])
    else:
        assert not (home / "vaults" / "v2").exists()


def after_delete(home: Path) -> None:
    if "v" in vault_names(home):
        assert opens_with(home, "v") == (P0, ["Alice"])
    else:
        assert not (home / "vaults" / "v").exists()  # the name is free: create would work


COMMANDS: dict[str, tuple[list[str], Callable[[Path], None]]] = {
    "vault create": (["vault", "create", "w"], after_create),
    "identity create": (["identity", "create", "Bob", "--vault", "v"], after_identity),
    "vault passwd": (["vault", "passwd", "v"], after_passwd),
    "vault passwd --rekey": (["vault", "passwd", "v", "--rekey"], after_passwd),
    "vault backup": (["vault", "backup", "v", "{home}/out/new.bak"], after_backup),
    "vault restore --overwrite": (["vault", "restore", "{home}/out/b.bak", "--overwrite"], after_restore_over),
    "vault restore --as": (["vault", "restore", "{home}/out/b.bak", "--as", "v2"], after_restore_as),
    "vault delete": (["--yes", "vault", "delete", "v"], after_delete),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_kill_at_every_step(command: str, template: Path, tmp_path: Path) -> None:
    argv, check = COMMANDS[command]

    def fresh(tag: str) -> tuple[Path, list[str]]:
        home = tmp_path / tag
        shutil.copytree(template, home, symlinks=True)
        return home, [a.replace("{home}", str(home)) for a in argv]

    home, args = fresh("trace")
    trace = tmp_path / "steps.txt"
    ok(mfos(home, *args, env={"MFOS_CRASH_TRACE": str(trace)}))
    steps = trace.read_text().split()
    assert steps, "the command passed no crash point"
    for i, step in enumerate(steps):
        home, args = fresh(f"kill{i}")
        r = mfos(home, *args, env={"MFOS_CRASH_AT": step})
        assert r.returncode == 137, f"{command} did not stop at {step}: {r.stderr[-500:]}"
        ok(mfos(home, "vault", "list"))  # the next start: recovery runs here
        try:
            assert_no_leftovers(home)
            check(home)
        except AssertionError as exc:
            raise AssertionError(f"{command}, killed at {step}: {exc}") from None
