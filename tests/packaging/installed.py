"""Driving an installed Mainframe OS from outside (a fresh venv, or the .deb's /usr/bin): a clean
environment (no PYTHONPATH, no checkout as the working folder), the README's CLI session, and the
launcher's first screen through `mainframe-os --screenshot` (no Python of ours in that process)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PW = "correct horse battery"


def clean_env(**extra: str) -> dict[str, str]:
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "MAINFRAME_OS_HOME", "PYTHONHOME")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("MFOS_")}
    env.update(QT_QPA_PLATFORM="offscreen", MFOS_PASSWORD=PW)
    if os.geteuid() == 0:
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, timeout: float = 180, **kw: Any) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        cmd, cwd=cwd, env=kw.pop("env", None) or clean_env(), capture_output=True, text=True, timeout=timeout, **kw
    )
    assert r.returncode == 0, f"{' '.join(cmd)}: exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr[-3000:]}"
    return r


def cli_session(mfos: str, work: Path) -> Path:
    """The README's session: vault, identity, card, backup, restore into a fresh home. Returns
    the first home (with its vault)."""
    home, fresh = work / "home", work / "fresh-home"

    def m(*args: str, h: Path = home) -> str:
        return run([mfos, "--home", str(h), *args], cwd=work).stdout

    version = m("--version")
    assert version.startswith("Mainframe OS ") and "commit unknown" not in version, version
    for name in ("Chromium", "SQLCipher", "web3"):
        assert f"\n{name}: " in version and "unavailable" not in version, version
    m("vault", "create", "personal")
    alice = json.loads(m("--json", "identity", "create", "--vault", "personal", "Alice"))
    card = m("identity", "card", "--vault", "personal").strip()
    assert card.startswith("mfc1."), card
    backup = work / "personal.mfbackup"
    m("vault", "backup", "personal", str(backup))
    m("vault", "restore", str(backup), h=fresh)
    restored = json.loads(m("--json", "identity", "list", "--vault", "personal", h=fresh))
    assert [i["id"] for i in restored] == [alice["id"]]
    assert m("identity", "card", "--vault", "personal", h=fresh).strip() == card
    return home


def first_screen(launcher: str, home: Path, work: Path, *args: str) -> dict[str, Any]:
    """Start the launcher offscreen, save its first screen, quit; the screen's description."""
    png = work / f"first-screen-{len(list(work.glob('first-screen-*.png')))}.png"
    run([launcher, "--home", str(home), "--screenshot", str(png), *args], cwd=work)
    assert png.stat().st_size > 5000  # a real picture, not an empty grab
    info: dict[str, Any] = json.loads(png.with_suffix(".json").read_text())
    info["png"] = png
    return info


def assert_lock_screen(info: dict[str, Any]) -> None:
    assert info["page"] == "lock", info
    assert {"lockScreen", "vaultPicker", "unlockPassword", "unlockButton"} <= set(info["widgets"]), info
    assert "Unlock your vault" in info["texts"], info
