"""Named crash points for fault-injection tests (a kill at an exact step, not after a sleep).

Every step of a writing operation that leaves the disk in a different state calls
``crash_point("step name")``. In normal use this only reads one environment variable. Tests set:

- ``MFOS_CRASH_TRACE=/path/file``: append each step reached (one per line), to learn the steps;
- ``MFOS_CRASH_AT=step`` (or ``step#n`` for its n-th occurrence, counted from 1): the process
  ends on the spot with ``os._exit(CRASH_EXIT)``, as abruptly as a SIGKILL (no cleanup, no
  ``finally`` blocks, no flush).
"""

from __future__ import annotations

import os
import threading

CRASH_AT = "MFOS_CRASH_AT"
CRASH_TRACE = "MFOS_CRASH_TRACE"
CRASH_EXIT = 137  # what a shell reports for a SIGKILLed process

_counts: dict[str, int] = {}
_lock = threading.Lock()


def crash_point(step: str) -> None:
    target = os.environ.get(CRASH_AT)
    trace = os.environ.get(CRASH_TRACE)
    if not target and not trace:
        return
    with _lock:
        n = _counts[step] = _counts.get(step, 0) + 1
        if trace:
            with open(trace, "a", encoding="utf-8") as f:
                f.write(f"{step}#{n}\n")
    if target in (step, f"{step}#{n}") and (target != step or n == 1):
        os._exit(CRASH_EXIT)
