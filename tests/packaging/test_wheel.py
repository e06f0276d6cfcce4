"""`pip install` of the built wheel gives a working Mainframe OS in a fresh virtual environment
outside the checkout: every runtime file comes from inside the installed package (never the
checkout), the README's CLI session runs, and the launcher starts offscreen to its lock screen.
The sdist carries the same files (and the commit), and builds the same wheel."""

from __future__ import annotations

import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from .installed import REPO, assert_lock_screen, cli_session, first_screen, run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

RUNTIME_FILES = (
    "mainframe_os/_resources/light.qss",
    "mainframe_os/_resources/dark.qss",
    "mainframe_os/_resources/icons/logo.svg",
    "mainframe_os/_resources/release-key.pub",
    "mainframe_os/_sdk/js/mainframe-sdk.js",
    "mainframe_os/_sdk/js/mainframe-sdk.mjs",
    "mainframe_os/_apps/hello/manifest.json",
    "mainframe_os/_apps/payments/index.html",
    "mainframe_os/node/chain/artifacts/UniswapV2Router02.json",
    "mainframe_os/_build_info.py",
)


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    t0 = time.monotonic()
    wheel = Path(run(["packaging/build.sh", "wheel"], cwd=REPO, timeout=600).stdout.strip().splitlines()[-1])
    sdist = wheel.parent / wheel.name.replace("-py3-none-any.whl", ".tar.gz")
    built = time.monotonic()
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(RUNTIME_FILES) <= names, set(RUNTIME_FILES) - names
    top = sdist.name.removesuffix(".tar.gz")
    in_sdist = {n.removeprefix(top + "/") for n in tarfile.open(sdist).getnames()}
    assert set(RUNTIME_FILES) <= in_sdist, set(RUNTIME_FILES) - in_sdist

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run([*pip, str(wheel)], cwd=tmp_path, timeout=900)
    installed = time.monotonic()
    # The sdist builds a wheel with the same files (its _build_info.py keeps the commit).
    py = str(venv / "bin" / "python")
    run([py, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "w"), str(sdist)], cwd=tmp_path)
    assert set(zipfile.ZipFile(next((tmp_path / "w").glob("*.whl"))).namelist()) == names

    # Every runtime file is found inside the venv, none in the checkout.
    code = (
        "from mainframe_os import datafiles as d; print(d.resources_dir(), d.sdk_dir(), d.apps_dir(), "
        "d.contract_artifacts_dir(), d.release_key_file(), sep='\\n')"
    )
    for line in run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path).stdout.split():
        path = Path(line)
        assert path.exists() and path.is_relative_to(venv) and not path.resolve().is_relative_to(REPO), path

    home = cli_session(str(venv / "bin" / "mfos"), tmp_path)
    info = first_screen(str(venv / "bin" / "mainframe-os"), home, tmp_path)
    assert_lock_screen(info)
    print(
        f"\nwheel+sdist {built - t0:.0f}s, fresh venv install {installed - built:.0f}s, "
        f"session+launcher {time.monotonic() - installed:.0f}s"
    )
