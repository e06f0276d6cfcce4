"""Encrypted vaults for Mainframe OS: SQLCipher databases behind an Argon2id password.

Usage::

    from vault import VaultStore
    from vault.models import Identity

    store = VaultStore(home / "vaults")
    vault = store.create("personal", password)        # returned unlocked
    with vault.session() as s:
        s.add(Identity(display_name="Alice", sign_seed=seed, box_secret=secret))
    vault.lock()

This package stands alone: it imports neither ``mainframe_os`` nor Qt nor web3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._errors import (
    BackupCorrupt,
    BackupError,
    BackupTruncated,
    BackupWrongPassword,
    CorruptVault,
    InvalidVaultName,
    KeyringUnavailable,
    NotABackup,
    UnsupportedFormat,
    VaultBusy,
    VaultClosed,
    VaultError,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WrongPassword,
)
from ._header import prefetch_unlock
from ._kdf import KdfParams

if TYPE_CHECKING:
    from ._backup import BackupInfo
    from ._store import VaultInfo, VaultStore, validate_name
    from ._vault import Vault, VaultState

# Loaded on first use (PEP 562): these pull in SQLAlchemy and SQLCipher, while the header and
# the KDF (vault._header, vault._kdf) need neither, so a command line can start unlocking first.
_LAZY = {
    "BackupInfo": "_backup",
    "VaultInfo": "_store",
    "VaultStore": "_store",
    "validate_name": "_store",
    "Vault": "_vault",
    "VaultState": "_vault",
}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'vault' has no attribute '{name}'")
    if where == "_backup":
        from . import _backup as module
    elif where == "_store":
        from . import _store as module  # type: ignore[no-redef]
    else:
        from . import _vault as module  # type: ignore[no-redef]
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "BackupCorrupt",
    "BackupError",
    "BackupInfo",
    "BackupTruncated",
    "BackupWrongPassword",
    "CorruptVault",
    "InvalidVaultName",
    "KdfParams",
    "KeyringUnavailable",
    "NotABackup",
    "UnsupportedFormat",
    "Vault",
    "VaultBusy",
    "VaultClosed",
    "VaultError",
    "VaultExists",
    "VaultInfo",
    "VaultLocked",
    "VaultNotFound",
    "VaultState",
    "VaultStore",
    "WrongPassword",
    "prefetch_unlock",
    "validate_name",
]
