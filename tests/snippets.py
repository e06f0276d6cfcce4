"""Python code run in a fresh interpreter with the checkout importable (what a cold start sees)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_snippet(
    code: str, *args: str, offscreen: bool = False, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -c code args...` from the checkout's root, its output captured as text."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )
