"""Types and lint are checked like tests (STYLE: strict on vault/, typed core, ruff), so CI keeps them true."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_mypy_core_and_vault() -> None:
    pytest.importorskip("mypy")
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "vault", "mainframe_os/node"], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_ruff_lint() -> None:
    pytest.importorskip("ruff")
    r = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "mainframe_os", "vault", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
