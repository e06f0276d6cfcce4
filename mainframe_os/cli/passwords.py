"""Where the CLI gets passwords: a file, an environment variable, or the terminal (never argv)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path


class PasswordUnavailable(Exception):
    pass


def _from_file(path: str | None) -> str | None:
    if not path:
        return None
    text = Path(path).expanduser().read_text(encoding="utf-8")
    return text[:-1] if text.endswith("\n") else text


def scripted(file: str | None, env: str = "MFOS_PASSWORD") -> str | None:
    """A password given for scripts, or None."""
    return _from_file(file) or os.environ.get(env) or None


def ask(prompt: str, *, file: str | None = None, env: str = "MFOS_PASSWORD", confirm: bool = False) -> str:
    given = scripted(file, env)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise PasswordUnavailable(f"{prompt}: no terminal to ask on (use --password-file or ${env})")
    while True:
        pw = getpass.getpass(f"{prompt}: ")
        if not confirm:
            return pw
        if pw == getpass.getpass("Repeat it: "):
            return pw
        print("The two passwords differ; try again.", file=sys.stderr)
