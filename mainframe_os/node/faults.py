"""Crash points for fault-injection tests.

`MFOS_CRASH_AT=<point>` in the environment makes the process exit on the spot (os._exit: no
cleanup, no flush, no finally) when it reaches that point, as a kill -9 or a power cut would.
Tests start a real subprocess with it to prove that every crash window closes on the next start.
Without the variable a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os

ENV = "MFOS_CRASH_AT"
EXIT_CODE = 70  # what the test expects to see, so a crash elsewhere is not mistaken for this one


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os._exit(EXIT_CODE)
