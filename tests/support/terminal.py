"""Run the real `mfos` with a pty as its terminal, typing answers when their prompts show."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path


def answer_on_a_terminal(
    home: Path, args: list[str], answers: list[tuple[bytes, bytes]], deadline_s: float = 180
) -> tuple[int, str]:
    """Each (prompt, answer) is typed once, in order, after its prompt appears; returns the exit
    code and everything the terminal showed. Fails if a prompt never showed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen, pending, pos = b"", list(answers), 0
    deadline = time.time() + deadline_s
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            at = seen.find(pending[0][0], pos) if pending else -1
            if at >= 0:  # prompts in order: each answered once, after the previous one
                prompt, answer = pending.pop(0)
                pos = at + len(prompt)
                os.write(master, answer)
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert not pending, seen.decode(errors="replace")
    return code, seen.decode(errors="replace")
