"""Where the CLI gets passwords: a file, an environment variable, or the terminal (never argv)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path


class PasswordUnavailable(Exception):
    pass


def _from_file(path: str | None) -> str | None:
    """The password in ``path`` (one trailing newline dropped); None when no file is named.

    A file that was named but cannot be used is an error, never a silent fall-back to
    ``$MFOS_PASSWORD`` or the terminal: the script meant that file.
    """
    if not path:
        return None
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PasswordUnavailable(f"the password file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise PasswordUnavailable(f"cannot read the password file {path}: {exc.strerror or exc}") from None
    text = text[:-1] if text.endswith("\n") else text
    if not text:
        raise PasswordUnavailable(f"the password file {path} is empty")
    return text


def scripted(file: str | None, env: str = "MFOS_PASSWORD") -> str | None:
    """A password given for scripts, or None."""
    from_file = _from_file(file)
    if from_file is not None:
        return from_file
    return os.environ.get(env) or None


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
