"""mfos vault|identity|contact flows with more than one step, and mfos rpc|methods|node."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

from .framework import arg, command
from .session import CliError, CliSession, pick, resolve_path


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
    arg(
        "--with-blocks",
        action="store_true",
        help="also write the file blocks to FILE.blocks.car (its size is shown before it starts)",
    ),
    formatter=lambda r: _backup_written(r),
    method="vault_backup",
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
    if a.with_blocks:
        need = await s.call("files_blocksSize")
        print(f"File blocks to back up: {need['bytes']:,} bytes in {need['blocks']:,} blocks.", file=sys.stderr)
    done = await s.call(
        "vault_backup", {"path": str(dest), "password": pw, "vaultPassword": vault_pw, "overwrite": overwrite}
    )
    if a.with_blocks:  # beside the backup; replaced along with it
        blocks = await s.call("files_exportBlocks", {"path": f"{dest}.blocks.car", "overwrite": overwrite})
        done |= {"blocksPath": blocks["path"], "blocksSize": blocks["size"]}
    return done


def _backup_written(r: dict[str, Any]) -> str:
    text = f"Backup written to {r['path']} ({r['size']:,} bytes)."
    if "blocksPath" in r:
        text += f"\nFile blocks written to {r['blocksPath']} ({r['blocksSize']:,} bytes)."
    return text


@command(
    "vault restore",
    "restore a vault from a backup file",
    arg("file"),
    arg("--as", dest="as_name", help="restore under another name"),
    arg("--overwrite", action="store_true", help="replace an existing vault of that name"),
    formatter=lambda r: "\n".join([f"Restored vault '{r['name']}'.", *r.get("notes", [])]),
    method="vault_restore",
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


@command(
    "vault delete",
    "wipe a vault from this machine",
    arg("name"),
    formatter=lambda r: "Vault deleted.",
    method="vault_delete",
)
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


@command(
    "identity create",
    "create an identity with its own keys",
    arg("display_name"),
    arg("--developer", action="store_true", help="a developer identity (signs app packages)"),
    arg("--avatar", help="a PNG/JPEG/GIF file"),
    vault="required",
    formatter=lambda r: f"Created identity '{r['displayName']}' ({r['id']}).",
    method="identity_create",
)
async def identity_create(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    params: dict[str, Any] = {"displayName": a.display_name, "developer": a.developer}
    if a.avatar:
        params["avatar"] = base64.b64encode(Path(a.avatar).read_bytes()).decode()
    return await s.call("identity_create", params)


@command(
    "identity delete",
    "delete an identity, its keys and contacts",
    arg("identity"),
    vault="required",
    formatter=lambda r: "Identity deleted.",
    method="identity_delete",
)
async def identity_delete(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    ident = await s.call("identity_get", {"id": a.identity})
    _confirm(s, f"Delete identity '{ident['displayName']}' with its keys and contacts?")
    return await s.call("identity_delete", {"id": ident["id"]})


# -- contacts --------------------------------------------------------------------------------------


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
