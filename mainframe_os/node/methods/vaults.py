"""vault_* methods: create, unlock, lock, change password, back up, restore and wipe vaults.

All trusted-only: an app never sees a vault method. Slow work (Argon2id, backup encryption)
runs on the node's vault thread, so the event loop and the window stay responsive.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..events import BackupProgress, VaultOpened, VaultsChanged
from ..params import Param
from ..password_rules import check_new_password
from ..registry import Access, method

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node


def _progress(node: Node, operation: str) -> Any:
    loop = asyncio.get_running_loop()

    def report(done: int, total: int) -> None:
        loop.call_soon_threadsafe(node.events.emit, BackupProgress(operation, done, total))

    return report


@method("vault_list", needs_vault=False)
async def vault_list(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """The vaults on this machine (names only: their content stays encrypted)."""
    infos = await node.on_vault_thread(node.store.list)
    open_name = node.vault.name if node.vault is not None else None
    return [{"name": i.name, "createdAt": i.created_at, "open": i.name == open_name} for i in infos]


@method(
    "vault_create",
    Param("name"),
    Param("password", secret=True),
    Param("remember", "boolean", required=False, default=False),
    needs_vault=False,
)
async def vault_create(node: Node, ctx: CallerContext, name: str, password: str, remember: bool) -> dict[str, Any]:
    """Create a vault protected by `password` and open it."""
    check_new_password(password)
    v = await node.on_vault_thread(node.store.create, name, password)
    await node.set_open_vault(v)
    if remember:
        await node.on_vault_thread(v.remember_on_device)
    node.events.emit(VaultsChanged())
    node.events.emit(VaultOpened(v.name))
    return {"name": v.name}


@method(
    "vault_unlock",
    Param("name"),
    Param("password", secret=True),
    Param("remember", "boolean", required=False, default=None),
    needs_vault=False,
)
async def vault_unlock(
    node: Node, ctx: CallerContext, name: str, password: str, remember: bool | None
) -> dict[str, Any]:
    """Unlock a vault with its password and make it the open vault."""
    from .identities import warm_first_reads

    v = await node.on_vault_thread(node.store.open, name)
    await node.on_vault_thread(v.unlock, password, warm_first_reads)
    await node.set_open_vault(v)
    if remember is True:
        await node.on_vault_thread(v.remember_on_device)
    elif remember is False:
        await node.on_vault_thread(_forget_quietly, v)
    node.events.emit(VaultOpened(v.name))
    return {"name": v.name}


def _forget_quietly(v: Any) -> None:
    import vault

    try:
        v.forget_on_device()
    except vault.KeyringUnavailable:
        pass


@method("vault_unlockRemembered", Param("name"), needs_vault=False)
async def vault_unlock_remembered(node: Node, ctx: CallerContext, name: str) -> dict[str, Any]:
    """Unlock a vault with the key remembered in the OS keyring, if there is one."""
    v = await node.on_vault_thread(node.store.unlock_remembered, name)
    if v is None:
        return {"name": name, "unlocked": False}
    await node.set_open_vault(v)
    node.events.emit(VaultOpened(v.name))
    return {"name": v.name, "unlocked": True}


@method("vault_lock", needs_vault=False)
async def vault_lock(node: Node, ctx: CallerContext) -> bool:
    """Lock the open vault: keys leave memory until the next unlock."""
    await node.lock()
    return True


@method("vault_keyringAvailable", needs_vault=False)
async def vault_keyring_available(node: Node, ctx: CallerContext) -> bool:
    """Whether "remember on this device" can be offered."""
    return bool(await node.on_vault_thread(node.store.keyring_available))


@method("vault_setRemember", Param("enabled", "boolean"))
async def vault_set_remember(node: Node, ctx: CallerContext, enabled: bool) -> bool:
    """Remember (or forget) the open vault's unlock in the OS keyring."""
    v = node.require_vault()
    await node.on_vault_thread(v.remember_on_device if enabled else v.forget_on_device)
    return enabled


@method(
    "vault_changePassword",
    Param("oldPassword", secret=True),
    Param("newPassword", secret=True),
    Param("name", required=False),
    Param("rekey", "boolean", required=False, default=False),
    access=Access.secret("oldPassword", "name"),
    needs_vault=False,
)
async def vault_change_password(
    node: Node, ctx: CallerContext, oldPassword: str, newPassword: str, name: str | None, rekey: bool
) -> bool:
    """Change a vault's password. Only its header is rewritten, unless `rekey` asks for a new
    data key too (the database is re-encrypted: "my old password leaked")."""
    check_new_password(newPassword, "new password")
    is_open = node.vault is not None and name in (None, node.vault.name)
    if name is None:
        name = node.require_vault().name
    if not rekey:
        v = node.require_vault() if is_open else await node.on_vault_thread(node.store.open, name)
        try:
            await node.on_vault_thread(v.change_password, oldPassword, newPassword)
        finally:
            if not is_open:
                await node.on_vault_thread(v.close)
        return True
    # The database file is replaced: it must be closed here (and in every other program).
    probe = await node.on_vault_thread(node.store.open, name)
    try:
        await node.on_vault_thread(probe.unlock, oldPassword)  # wrong password: nothing closes
    finally:
        await node.on_vault_thread(probe.close)
    if is_open:
        await node.lock()
    try:
        await node.on_vault_thread(lambda: node.store.change_password(name, oldPassword, newPassword, rekey=True))
    finally:
        if is_open:
            await _reopen(node, name, (newPassword, oldPassword))
    return True


async def _reopen(node: Node, name: str, passwords: tuple[str | None, ...], key: bytes | None = None) -> bool:
    """Open `name` again after its folder was replaced; True if `key` or a password fits."""
    import vault

    for pw in (key, *passwords):
        if not pw:
            continue
        try:
            v = await node.on_vault_thread(node.store.open, name)
        except vault.VaultError:
            return False
        try:
            await node.on_vault_thread(v.unlock_with_key if isinstance(pw, bytes) else v.unlock, pw)
        except vault.VaultError:
            await node.on_vault_thread(v.close)
            continue
        await node.set_open_vault(v)
        node.events.emit(VaultOpened(v.name))
        return True
    return False


@method(
    "vault_delete",
    Param("name"),
    Param("password", secret=True),
    Param("confirm", required=False),
    access=Access.secret("password", "name"),
    needs_vault=False,
)
async def vault_delete(node: Node, ctx: CallerContext, name: str, password: str, confirm: str | None) -> bool:
    """Wipe a vault from this machine: its password again, and `confirm` repeating its name."""
    if confirm != name:
        raise E.ConfirmationRequired("To delete a vault, confirm by typing its name")
    if not await node.on_vault_thread(node.store.exists, name):
        raise E.VaultNotFoundError()
    if node.vault is not None and node.vault.name == name:
        await node.lock()
    v = await node.on_vault_thread(node.store.open, name)
    await node.on_vault_thread(_forget_quietly, v)
    await node.on_vault_thread(v.close)
    await node.on_vault_thread(node.store.delete, name)
    node.events.emit(VaultsChanged())
    return True


@method(
    "vault_backup",
    Param("path"),
    Param("password", secret=True, description="encrypts the backup: the vault password or a backup password"),
    Param("vaultPassword", secret=True),
    Param("overwrite", "boolean", required=False, default=False),
    access=Access.secret(),
)
async def vault_backup(
    node: Node, ctx: CallerContext, path: str, password: str, vaultPassword: str, overwrite: bool
) -> dict[str, Any]:
    """Back up the open vault to one encrypted file (the vault password or a backup password).
    An existing file is replaced only with `overwrite`; a folder, device or link never is."""
    import vault

    v = node.require_vault()
    check_new_password(password, "backup password")
    dest = Path(path).expanduser()
    try:
        vault.VaultStore.check_backup_target(dest)
    except vault.BackupError as exc:
        raise E.InvalidParams(str(exc)[:1].upper() + str(exc)[1:]) from None
    if dest.exists() and not overwrite:
        raise E.BackupExists("A file is already there: replace it (--force) or choose another name")
    report = _progress(node, "backup")
    await node.on_vault_thread(lambda: node.store.backup(v, dest, password, progress=report))
    return {"path": str(dest), "size": dest.stat().st_size}


@method("vault_inspectBackup", Param("path"), needs_vault=False)
async def vault_inspect_backup(node: Node, ctx: CallerContext, path: str) -> dict[str, Any]:
    """Check that a file is a whole backup, without its password."""
    info = await node.on_vault_thread(node.store.inspect_backup, Path(path).expanduser())
    return {"formatVersion": info.format_version, "createdAt": info.created_at, "size": info.size}


@method(
    "vault_restore",
    Param("path"),
    Param("password", secret=True),
    Param("as", required=False),
    Param("overwrite", "boolean", required=False, default=False),
    Param("vaultPassword", required=False, secret=True),
    needs_vault=False,
)
async def vault_restore(
    node: Node, ctx: CallerContext, path: str, password: str, overwrite: bool, **kw: Any
) -> dict[str, Any]:
    """Restore a vault from a backup file; never replaces an existing vault unless asked."""
    as_name = kw.get("as")
    src = Path(path).expanduser()
    if not src.is_file():
        raise E.BackupRpcError("No backup file at that path")
    was_open = node.vault.name if node.vault is not None else None
    key = node.vault._require_data_key() if node.vault is not None else None
    if overwrite and was_open is not None and as_name in (None, was_open):
        await node.lock()  # the open vault may be the one replaced
    report = _progress(node, "restore")
    try:
        info = await node.on_vault_thread(
            lambda: node.store.restore(src, password, as_name=as_name, overwrite=overwrite, progress=report)
        )
    finally:
        if was_open is not None and node.vault is None:
            # Keep serving a vault under that name: the same key opens it when it was not
            # replaced (or replaced by a backup of itself); else the restored vault's password.
            await _reopen(node, was_open, (password, kw.get("vaultPassword")), key)
    node.events.emit(VaultsChanged())
    return {
        "name": info.name,
        "open": node.vault is not None and node.vault.name == info.name,
        "notes": [
            "The dev chain lives on each machine: balances and dev token addresses here are this "
            "machine's, not those of the machine the backup came from."
        ],
    }


@method("vault_verifyPassword", Param("password", secret=True))
async def vault_verify_password(node: Node, ctx: CallerContext, password: str) -> bool:
    """Check the open vault's password (before it encrypts a backup, say); WrongPassword if not."""
    v = node.require_vault()

    def verify() -> None:
        probe = node.store.open(v.name)
        try:
            probe.unlock(password)
        finally:
            probe.close()

    await node.on_vault_thread(verify)
    return True


@method("vault_info", Param("name", description="the vault's name"), needs_vault=False)
async def vault_info(node: Any, ctx: Any, name: str) -> dict[str, Any]:
    """Where a vault lives on this machine and how big it is (what a backup will hold).

    Its name, folder, format version, creation time, size in bytes on disk and whether it is
    the open vault; nothing from inside it (its content stays encrypted)."""

    def read() -> dict[str, Any]:
        info = next((i for i in node.store.list() if i.name == name), None)
        if info is None:
            raise E.VaultNotFoundError(f"No vault named '{name[:64]}'")
        size = sum(f.stat().st_size for f in Path(info.path).rglob("*") if f.is_file())
        return {
            "name": info.name,
            "path": str(info.path),
            "formatVersion": info.format_version,
            "createdAt": info.created_at,
            "sizeBytes": size,
            "open": node.vault is not None and node.vault.name == info.name,
        }

    return dict(await node.on_vault_thread(read))
