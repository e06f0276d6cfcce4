"""`packaging/build.sh` makes a self-contained .deb (PyInstaller one-folder: Python, Qt and
QtWebEngine inside; lintian finds no errors). Installed with dpkg on this machine it puts the
launcher in the menu (desktop entry, icons, the .mfapp file type) and `mfos` on the PATH; the
installed programs run the CLI session, start to the lock screen offscreen and take a .mfapp file
to review (themselves, or handed to the launcher already running for that home); removing the
package leaves the user's data."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .installed import REPO, assert_lock_screen, clean_env, cli_session, first_screen, run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _dpkg_status() -> str:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "mainframe-os"], capture_output=True, text=True)
    return r.stdout


def _pack_hello(work: Path, home: Path) -> Path:
    """A signed .mfapp made with the installed `mfos` (a developer identity signs it)."""
    mfos = "/usr/bin/mfos"
    run([mfos, "--home", str(home), "identity", "create", "--vault", "personal", "--developer", "Dana"], cwd=work)
    run([mfos, "app", "create", "Opened App", "--dir", str(work / "opened-app")], cwd=work)
    out = work / "opened-app.mfapp"
    run(
        [
            mfos,
            "--home",
            str(home),
            "app",
            "pack",
            str(work / "opened-app"),
            "--vault",
            "personal",
            "--identity",
            "Dana",
            "--out",
            str(out),
        ],
        cwd=work,
    )
    return out


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("dpkg"), reason="installs a .deb: needs root and dpkg")
def test_build_install_run_remove(tmp_path: Path) -> None:
    if _dpkg_status().startswith("install ok"):
        pytest.skip("mainframe-os is installed on this machine: this test would replace and remove it")
    t0 = time.monotonic()
    out = run(["packaging/build.sh"], cwd=REPO, timeout=3000).stdout
    deb = Path(out.strip().splitlines()[-1])
    built = time.monotonic()
    print(f"\n{out}")
    assert "lintian: no errors" in out

    run(["dpkg", "-i", str(deb)], cwd=tmp_path, timeout=600)
    try:
        assert _dpkg_status() == "install ok installed"
        for prog in ("/usr/bin/mainframe-os", "/usr/bin/mfos"):
            assert os.access(prog, os.X_OK), prog
        desktop = Path("/usr/share/applications/mainframe-os.desktop").read_text()
        assert "Exec=mainframe-os %f" in desktop and "MimeType=application/x-mainframe-app;" in desktop
        for size in ICON_SIZES:
            assert Path(f"/usr/share/icons/hicolor/{size}x{size}/apps/mainframe-os.png").stat().st_size > 100
        # dpkg's trigger ran update-mime-database: the system knows the type by its glob
        assert "*.mfapp" in Path("/usr/share/mime/globs2").read_text()

        home = cli_session("/usr/bin/mfos", tmp_path)
        assert_lock_screen(first_screen("/usr/bin/mainframe-os", home, tmp_path))

        # Double-click on a .mfapp: the desktop entry runs `mainframe-os FILE`: the install review
        # waits for the unlock ...
        pkg = _pack_hello(tmp_path, home)
        info = first_screen("/usr/bin/mainframe-os", home, tmp_path, str(pkg))
        assert_lock_screen(info)
        assert "Unlock to review and install opened-app.mfapp." in info["texts"], info
        # ... or, with a launcher already running for that home, the file is handed to it.
        log = home / "logs" / "launcher.log"
        starts = log.read_text().count(" INFO mainframe_os.gui: ready in ")  # the --screenshot runs
        running = subprocess.Popen(
            ["/usr/bin/mainframe-os", "--home", str(home)],
            cwd=tmp_path,
            env=clean_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(lambda: log.read_text().count(" INFO mainframe_os.gui: ready in ") > starts, "the launcher")
            second = run(["/usr/bin/mainframe-os", "--home", str(home), str(pkg)], cwd=tmp_path, timeout=60)
            assert second.returncode == 0 and running.poll() is None
            _wait(lambda: "asked to open opened-app.mfapp for install" in log.read_text(), "the hand-over")
        finally:
            running.terminate()
            running.wait(30)
    finally:
        removed = subprocess.run(["dpkg", "-r", "mainframe-os"], capture_output=True, text=True, timeout=300)
    assert removed.returncode == 0, removed.stderr
    assert _dpkg_status() in ("", "deinstall ok config-files", "unknown ok not-installed")
    assert not Path("/usr/bin/mfos").exists() and not Path("/usr/lib/mainframe-os").exists()
    assert (home / "vaults").is_dir() and any((home / "vaults").iterdir())  # the user's data stays
    print(
        f"build {built - t0:.0f}s, deb {deb.stat().st_size / 2**20:.0f} MB, install+run+remove "
        f"{time.monotonic() - built:.0f}s"
    )


def _wait(cond: object, what: str, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
