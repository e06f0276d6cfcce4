"""How the Files screens write sizes and transfer speeds (one rule for the list, the add and
download bars)."""

from __future__ import annotations

import time


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    exponent = min(4, (n.bit_length() - 1) // 10)
    return f"{n / 1024**exponent:.1f} {('B', 'KiB', 'MiB', 'GiB', 'TiB')[exponent]}"


def eta_text(done: int, total: int, started: float) -> str:
    elapsed = max(time.monotonic() - started, 1e-3)
    speed = done / elapsed
    if speed <= 0 or done >= total:
        return f"{human_size(int(speed))}/s"
    return f"{human_size(int(speed))}/s, {int((total - done) / speed) + 1} s left"
