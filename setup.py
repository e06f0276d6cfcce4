"""Build hooks only (the project is described in pyproject.toml): every wheel and sdist built
from a git checkout carries the commit in `mainframe_os/_build_info.py`, which `mfos --version`
and Settings -> About show. An sdist carries the file, so a wheel built from it keeps the commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent


def _commit() -> str | None:
    if not (HERE / ".git").exists():
        return None  # an unpacked sdist: its _build_info.py is already in the sources
    try:
        out = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True
        )
        dirty = subprocess.run(["git", "-C", str(HERE), "diff", "--quiet", "HEAD", "--"], capture_output=True)
    except OSError:
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.returncode == 1 else "")


def _write_build_info(package_dir: Path) -> None:
    commit = _commit()
    if commit is not None and package_dir.is_dir():
        (package_dir / "_build_info.py").write_text(f'"""Generated at build time."""\n\nCOMMIT = "{commit}"\n')


class BuildPyWithCommit(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads git at run time: a file here would go stale
        _write_build_info(Path(self.build_lib) / "mainframe_os")


class SdistWithCommit(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        _write_build_info(Path(base_dir) / "mainframe_os")


setup(cmdclass={"build_py": BuildPyWithCommit, "sdist": SdistWithCommit})
