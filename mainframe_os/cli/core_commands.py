"""mfos vault|identity|contact|rpc|node|methods."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

from .framework import arg, command
from .session import CliError, CliSession, pick, resolve_path


def _table(rows: list[dict[str, Any]], cols: list[tuple[str, str]], empty: str) -> str:
    if not rows:
        return empty
    from ..node.text import safe_text

    # whatever the cells hold (names from cards, symbols from contracts) reaches a terminal
    rows = [{k: safe_text(str(r.get(k, ""))) for k, _ in cols} for r in rows]
    widths = [max(len(h), *(len(str(r.get(k, ""))) for r in rows)) for k, h in cols]
    lines = ["  ".join(h.ljust(w) for (_, h), w in zip(cols, widths, strict=True))]
    for r in rows:
        lines.append("  ".join(str(r.get(k, "")).ljust(w) for (k, _), w in zip(cols, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def _ask(s: CliSession, question: str, refused: str) -> None:
    """A yes/no question on the terminal; CliError(refused) without a terminal or on no."""
    if getattr(s.args, "yes", False):
        return
    if not sys.stdin.isatty():
        raise CliError(refused)
    if input(question + " [y/N] ").strip().lower() not in ("y", "yes"):
        raise CliError("Cancelled: nothing was changed")


def _confirm(s: CliSession, question: str, expected: str | None = None) -> None:
    """Ask before destroying anything; --yes skips it for scripts."""
    if getattr(s.args, "yes", False):
        return
    if not sys.stdin.isatty():
        raise CliError("Refusing to delete without confirmation: add --yes")
    hint = f" Type '{expected}' to confirm: " if expected else " [y/N] "
    answer = input(question + hint).strip()
    ok = answer == expected if expected else answer.lower() in ("y", "yes")
    if not ok:
        raise CliError("Cancelled: nothing was deleted")


# -- vault -----------------------------------------------------------------------------------------


@command(
    "vault create",
    "create a vault protected by a new password",
    arg("name"),
    arg("--remember", action="store_true", help="remember the unlock on this device (OS keyring)"),
    formatter=lambda r: f"Created vault '{r['name']}'.",
)
async def vault_create(s: CliSession, a: Any) -> Any:
    await s.connect()
    pw = s.password(f"New password for vault '{a.name}'", confirm=True)
    return await s.call("vault_create", {"name": a.name, "password": pw, "remember": a.remember})


@command(
    "vault list",
    "list the vaults on this machine",
    formatter=lambda r: _table(r, [("name", "NAME"), ("open", "OPEN")], "No vaults yet: mfos vault create NAME"),
)
async def vault_list(s: CliSession, a: Any) -> Any:
    await s.connect()
    return await s.call("vault_list")


@command(
    "vault passwd",
    "change a vault's password",
    arg("name"),
    arg("--new-password-file", help="read the new password from this file (or $MFOS_NEW_PASSWORD)"),
    arg(
        "--rekey",
        action="store_true",
        help="also replace the key that encrypts the data (if the old password may have leaked)",
    ),
    formatter=lambda r: "Password changed." + (" The data was re-encrypted under a new key." if r else ""),
)
async def vault_passwd(s: CliSession, a: Any) -> Any:
    await s.connect()
    old = s.password(f"Current password for vault '{a.name}'")
    new = s.password("New password", confirm=True, env="MFOS_NEW_PASSWORD", file=a.new_password_file or "")
    await s.call("vault_changePassword", {"name": a.name, "oldPassword": old, "newPassword": new, "rekey": a.rekey})
    return bool(a.rekey)


@command(
    "vault backup",
    "back up a vault to one encrypted file",
    arg("name"),
    arg("file"),
    arg(
        "--backup-password",
        action="store_true",
        help="encrypt with a separate backup password (asked, or $MFOS_BACKUP_PASSWORD) instead of the vault's",
    ),
    arg("--force", action="store_true", help="replace an existing file without asking"),
    formatter=lambda r: f"Backup written to {r['path']} ({r['size']:,} bytes).",
)
async def vault_backup(s: CliSession, a: Any) -> Any:
    dest = Path(resolve_path(a.file))
    overwrite = bool(a.force)
    if os.path.lexists(dest) and not overwrite:
        if dest.is_file() and not dest.is_symlink():
            _ask(s, f"{dest} already exists. Replace it?", "Not replaced: use --force to replace it from a script")
            overwrite = True
        # anything else (a folder, a device, a link) is refused by the node with its reason
    await s.connect(a.name)
    vault_pw = s.vault_password_again(a.name)  # the node checks it: a backup lets the whole vault leave
    pw = (
        s.password("Backup password", confirm=True, env="MFOS_BACKUP_PASSWORD", file="")
        if a.backup_password
        else vault_pw
    )
    return await s.call(
        "vault_backup", {"path": str(dest), "password": pw, "vaultPassword": vault_pw, "overwrite": overwrite}
    )


@command(
    "vault restore",
    "restore a vault from a backup file",
    arg("file"),
    arg("--as", dest="as_name", help="restore under another name"),
    arg("--overwrite", action="store_true", help="replace an existing vault of that name"),
    formatter=lambda r: "\n".join([f"Restored vault '{r['name']}'.", *r.get("notes", [])]),
)
async def vault_restore(s: CliSession, a: Any) -> Any:
    await s.connect()
    path = resolve_path(a.file)
    await s.call("vault_inspectBackup", {"path": path})  # a damaged file fails before any password prompt
    pw = s.password("Password of the backup", env="MFOS_BACKUP_PASSWORD" if _env_backup() else "MFOS_PASSWORD")
    params: dict[str, Any] = {"path": path, "password": pw, "overwrite": a.overwrite}
    if a.as_name:
        params["as"] = a.as_name
    return await s.call("vault_restore", params)


def _env_backup() -> bool:
    import os

    return bool(os.environ.get("MFOS_BACKUP_PASSWORD"))


@command("vault delete", "wipe a vault from this machine", arg("name"), formatter=lambda r: "Vault deleted.")
async def vault_delete(s: CliSession, a: Any) -> Any:
    await s.connect()
    _confirm(s, f"Delete vault '{a.name}' and everything in it? Only a backup can bring it back.", a.name)
    pw = s.password(f"Password for vault '{a.name}'")
    return await s.call("vault_delete", {"name": a.name, "password": pw, "confirm": a.name})


@command(
    "vault remember",
    "remember (or --forget) a vault's unlock in the OS keyring",
    arg("name"),
    arg("--forget", action="store_true"),
    formatter=lambda r: "Remembered on this device." if r else "Forgotten on this device.",
)
async def vault_remember(s: CliSession, a: Any) -> Any:
    await s.connect(a.name)
    return await s.call("vault_setRemember", {"enabled": not a.forget})


# -- identity --------------------------------------------------------------------------------------


def _identity_rows(r: list[dict[str, Any]]) -> str:
    rows = [dict(x, mark="*" if x["active"] else "", short=x["id"][:8]) for x in r]
    return _table(rows, [("mark", " "), ("short", "ID"), ("displayName", "NAME")], "No identities yet.")


@command(
    "identity create",
    "create an identity with its own keys",
    arg("display_name"),
    arg("--developer", action="store_true", help="a developer identity (signs app packages)"),
    arg("--avatar", help="a PNG/JPEG/GIF file"),
    vault="required",
    formatter=lambda r: f"Created identity '{r['displayName']}' ({r['id']}).",
)
async def identity_create(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    params: dict[str, Any] = {"displayName": a.display_name, "developer": a.developer}
    if a.avatar:
        params["avatar"] = base64.b64encode(Path(a.avatar).read_bytes()).decode()
    return await s.call("identity_create", params)


@command("identity list", "list the identities of a vault", vault="required", formatter=_identity_rows)
async def identity_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("identity_list")


@command(
    "identity card",
    "print an identity's contact card",
    arg("identity", nargs="?"),
    vault="required",
    formatter=lambda r: r["card"],
)
async def identity_card(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("identity_getCard", {"id": a.identity})


@command(
    "identity rename",
    "rename an identity",
    arg("identity"),
    arg("display_name"),
    vault="required",
    formatter=lambda r: f"Renamed to '{r['displayName']}'.",
)
async def identity_rename(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("identity_rename", {"id": a.identity, "displayName": a.display_name})


@command(
    "identity use",
    "make an identity the active one",
    arg("identity"),
    vault="required",
    formatter=lambda r: f"Active identity: {r['id']}.",
)
async def identity_use(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("identity_select", {"id": a.identity})


@command(
    "identity delete",
    "delete an identity, its keys and contacts",
    arg("identity"),
    vault="required",
    formatter=lambda r: "Identity deleted.",
)
async def identity_delete(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    ident = await s.call("identity_get", {"id": a.identity})
    _confirm(s, f"Delete identity '{ident['displayName']}' with its keys and contacts?")
    return await s.call("identity_delete", {"id": ident["id"]})


# -- contacts --------------------------------------------------------------------------------------


@command(
    "contact add",
    "add a contact from their contact card",
    arg("card"),
    arg("--identity", help="the identity that adds the contact (default: the active one)"),
    arg("--name", help="your name for this contact"),
    vault="required",
    formatter=lambda r: f"Added contact '{r['displayName']}' ({r['id'][:8]}).",
)
async def contact_add(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("contacts_add", {"card": a.card, "identityId": a.identity, "displayName": a.name})


def _contact_rows(r: list[dict[str, Any]]) -> str:
    rows = [
        dict(
            x,
            short=x["id"][:8],
            key=x["signPublicKey"][:16] + "…",
            # two names that look alike: the key tells them apart, so point at it
            note="looks like another contact: check the key" if x.get("lookalike") else "",
        )
        for x in r
    ]
    cols = [("short", "ID"), ("displayName", "NAME"), ("key", "KEY"), ("note", "")]
    return _table(rows, cols, "No contacts yet.")


@command(
    "contact list",
    "list an identity's contacts",
    arg("--identity"),
    arg("--search", help="part of a name"),
    vault="required",
    formatter=_contact_rows,
)
async def contact_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("contacts_list", {"identityId": a.identity, "query": a.search})


async def _find_contact(s: CliSession, ref: str, identity: str | None) -> dict[str, Any]:
    return pick(await s.call("contacts_list", {"identityId": identity}), ref, "contact", "displayName")


@command(
    "contact rename",
    "rename a contact",
    arg("contact", help="id, id prefix or name"),
    arg("name"),
    arg("--identity"),
    vault="required",
    formatter=lambda r: f"Renamed to '{r['displayName']}'.",
)
async def contact_rename(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    c = await _find_contact(s, a.contact, a.identity)
    return await s.call("contacts_rename", {"id": c["id"], "displayName": a.name})


@command(
    "contact remove",
    "remove a contact",
    arg("contact", help="id, id prefix or name"),
    arg("--identity"),
    vault="required",
    formatter=lambda r: "Contact removed.",
)
async def contact_remove(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    c = await _find_contact(s, a.contact, a.identity)
    _confirm(s, f"Remove contact '{c['displayName']}'?")
    return await s.call("contacts_remove", {"id": c["id"]})


# -- raw calls and the headless node ---------------------------------------------------------------


@command(
    "rpc",
    "call any node method as the trusted CLI caller",
    arg("method"),
    arg("params", nargs="?", help="JSON params (object or array)"),
    vault="optional",
    formatter=lambda r: json.dumps(r, indent=2),
)
async def rpc(s: CliSession, a: Any) -> Any:
    try:
        params = json.loads(a.params) if a.params else None
    except ValueError:
        raise CliError('params must be JSON, e.g. \'{"name": "main"}\'', -32700) from None
    await s.connect(a.vault)
    return await s.call(a.method, params)


@command(
    "methods",
    "list every node method",
    formatter=lambda r: "\n".join(f"{m['name']:32} {m['access']:16} {m['summary']}" for m in r),
)
async def methods(s: CliSession, a: Any) -> Any:
    await s.connect()
    return await s.call("node_methods")


@command("node", "run the node headless, serving JSON-RPC on a local socket", vault="required")
async def node(s: CliSession, a: Any) -> Any:
    from .headless import serve

    await s.connect(None)
    if s.node is None:
        raise CliError("A node is already running for this home folder")
    await s.unlock(a.vault)
    await serve(s.node, a.vault)
    return None
