"""The vault error tree.

::

    VaultError                      every error this package raises on purpose
    ├── VaultNotFound               no vault folder under that name
    ├── VaultExists                 a vault with that name is already there
    ├── InvalidVaultName            name fails the naming rules
    ├── VaultLocked                 needs an unlocked vault
    ├── VaultClosed                 the Vault object was closed
    ├── WrongPassword               password (or remembered key) does not open it
    ├── CorruptVault                header or database unreadable
    ├── UnsupportedFormat           written by a newer version of this library
    ├── KeyringUnavailable          no usable OS keyring backend
    ├── VaultBusy                   another program holds the vault (after a bounded wait)
    └── BackupError
        ├── NotABackup              magic bytes missing
        ├── BackupTruncated         shorter than its header declares
        ├── BackupCorrupt           checksum or structure mismatch
        └── BackupWrongPassword     intact file, but the password does not decrypt it

Each class carries a stable ``code`` (the 2xxx range the node's JSON-RPC layer reserves for
vaults) so the edge can translate without a lookup table. Messages never contain a password or
key material: they are meant to be shown to the user as they are.
"""

from __future__ import annotations


class VaultError(Exception):
    """Base class of every error raised on purpose by :mod:`vault`."""

    code: int = 2000


class VaultNotFound(VaultError):
    code = 2001


class VaultExists(VaultError):
    code = 2002


class InvalidVaultName(VaultError, ValueError):
    code = 2003


class VaultLocked(VaultError):
    code = 2004


class VaultClosed(VaultError):
    code = 2005


class WrongPassword(VaultError):
    code = 2006


class CorruptVault(VaultError):
    code = 2007


class UnsupportedFormat(VaultError):
    code = 2008


class KeyringUnavailable(VaultError):
    code = 2009


class VaultBusy(VaultError):
    code = 2010


class BackupError(VaultError):
    code = 2100


class NotABackup(BackupError):
    code = 2101


class BackupTruncated(BackupError):
    code = 2102


class BackupCorrupt(BackupError):
    code = 2103


class BackupWrongPassword(BackupError):
    code = 2104
