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

from ._backup import BackupInfo
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
from ._kdf import KdfParams
from ._store import VaultInfo, VaultStore, validate_name
from ._vault import Vault, VaultState

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
    "validate_name",
]
