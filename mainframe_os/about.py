"""What is running: the version, the git commit it was built from, and its main components.

`mfos --version` and Settings -> About show the same report. The commit comes from
`mainframe_os/_build_info.py`, which the wheel/sdist build (setup.py) and `packaging/build.sh`
generate; in a git checkout without it, it is read from git. Component versions are looked up
only when asked (package metadata, one SQLCipher pragma), so importing this module costs nothing;
Qt and QtWebEngine versions are the GUI's to report (`mainframe_os.gui.versions`): the core never
imports Qt.
"""

from __future__ import annotations

import importlib
import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

from mainframe_os import __version__

__all__ = ["commit", "components", "report", "version"]


def version() -> str:
    return __version__


@cache
def commit() -> str:
    """The short git commit of this build, or "unknown" (e.g. a wheel built outside git)."""
    try:
        from mainframe_os import _build_info  # type: ignore[attr-defined]

        return str(_build_info.COMMIT)
    except ImportError:
        pass
    return git_commit(Path(__file__).resolve().parent.parent) or "unknown"


def git_commit(folder: Path) -> str | None:
    """`git rev-parse` in a checkout (with "-dirty" when tracked files changed); None elsewhere."""
    if not (folder / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(folder), "diff", "--quiet", "HEAD", "--"], capture_output=True, timeout=5
        ).returncode
        return head.stdout.strip() + ("-dirty" if dirty == 1 else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def sqlcipher_version() -> str:
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        try:
            row = conn.execute("PRAGMA cipher_version").fetchone()
        finally:
            conn.close()
        return str(row[0]) if row and row[0] else "unknown"
    except Exception as exc:  # noqa: BLE001 - a report line, never a crash
        return f"unavailable ({type(exc).__name__})"


def qt_versions() -> dict[str, str]:
    """Qt, QtWebEngine and Chromium, from the GUI package (imported only here, when asked)."""
    try:
        gui_versions = importlib.import_module("mainframe_os.gui.versions")
        result: dict[str, str] = gui_versions.qt_versions()
        return result
    except Exception as exc:  # noqa: BLE001 - e.g. Qt's system libraries missing on a server
        return {"Qt": f"unavailable ({type(exc).__name__}: {exc})"}


def components(with_qt: bool = True) -> dict[str, str]:
    """Name -> version of what this build runs on, in the order a report shows them."""
    out: dict[str, str] = {"Python": platform.python_version()}
    if with_qt:
        out.update(qt_versions())
    out["SQLCipher"] = sqlcipher_version()
    out["web3"] = _dist_version("web3")
    return out


def report(with_qt: bool = True) -> str:
    """The text `mfos --version` prints (first line: "Mainframe OS 0.1.0 (commit abc123)")."""
    lines = [f"Mainframe OS {version()} (commit {commit()})"]
    lines += [f"{name}: {value}" for name, value in components(with_qt).items()]
    return "\n".join(lines)
