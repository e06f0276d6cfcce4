"""Asking for a method's `secret` params on the terminal: never from argv, never echoed."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING, Any

from .session import CliError

if TYPE_CHECKING:
    from ..node.params import Param
    from .from_registry import Prompt
    from .method_specs import MethodSpec as Method
    from .session import CliSession


def read_secret(prompt: str) -> str:
    """One line from the terminal (not echoed) or, for scripts, from stdin."""
    if sys.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        value = sys.stdin.readline()
    value = value.strip()
    if not value:
        raise CliError("Nothing was entered")
    return value


def words(name: str) -> str:
    """`privateKey` -> `Private key`."""
    out = "".join(" " + ch.lower() if ch.isupper() else ch for ch in name)
    return out[:1].upper() + out[1:]


def ask_secret(s: CliSession, m: Method, p: Param, prompt: Prompt | None, params: dict[str, Any], a: Any) -> str:
    """The value of secret param `p` of a call to `m`, asked the way the hand-written commands ask."""
    if prompt is not None:
        file = getattr(a, "f_" + prompt.file_flag.lstrip("-").replace("-", "_"), None) if prompt.file_flag else None
        if file is None and prompt.env != "MFOS_PASSWORD":
            file = ""  # --password-file is the vault password's, not this one's
        text = prompt.text.format(**{k: v for k, v in params.items() if isinstance(v, str)})
        return s.password(text, confirm=prompt.confirm, env=prompt.env, file=file)
    if p.name == m.access.password_param:
        # a secret method needs the vault password again: the node checks it against the vault
        vault = params.get(m.access.vault_param) if m.access.vault_param else getattr(a, "vault", None)
        if vault and m.needs_vault:
            return s.vault_password_again(str(vault))
        return s.password(f"Password for vault '{vault}'" if vault else "Password of the open vault")
    if "password" in p.name.lower():
        new = p.name.startswith("new")
        if new:
            return s.password(words(p.name), confirm=True, env="MFOS_NEW_PASSWORD", file="")
        return s.password(words(p.name))
    return read_secret(f"{words(p.name)}: ")
