"""The node's error tree, translated to JSON-RPC error objects at the transport edge.

RpcError                      a user-facing error: its message goes to the caller
├── ParseError           -32700
├── InvalidRequest       -32600
├── MethodNotFound       -32601
├── InvalidParams        -32602
├── InternalError        -32603  (anything unexpected becomes this; traceback only in the log)
├── UserRejected          4001   (EIP-1193)
│   ├── NobodyToApprove           (a prompt with no one to answer it)
│   └── CallerBlocked             (the user blocked this app's requests for now)
├── Unauthorized          4100
├── UnsupportedMethod     4200
├── Disconnected          4900
├── ChainDisconnected     4901
├── RateLimited         -32005
│   └── TooManyPrompts            (an app's prompt queue is full)
├── FileAccessError     -32010   (an OSError on a path the caller gave: its reason, one line)
└── domain ranges:  vault 2xxx, identity 3xxx, contacts 4xxx (below 4001/4100/4200/4900),
                    wallet/chain 5xxx, apps 6xxx
"""

from __future__ import annotations

from typing import Any


class RpcError(Exception):
    code: int = -32603
    default_message: str = "Internal error"

    def __init__(self, message: str | None = None, data: Any = None, *, code: int | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.data = data
        if code is not None:
            self.code = code

    def to_json(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


class ParseError(RpcError):
    code, default_message = -32700, "Parse error"


class InvalidRequest(RpcError):
    code, default_message = -32600, "Invalid request"


class MethodNotFound(RpcError):
    code, default_message = -32601, "Method not found"


class InvalidParams(RpcError):
    code, default_message = -32602, "Invalid params"


class InternalError(RpcError):
    code, default_message = -32603, "Internal error"


class FileAccessError(RpcError):
    code, default_message = -32010, "A file could not be read or written"


class RateLimited(RpcError):
    code, default_message = -32005, "Too many requests"


class UserRejected(RpcError):
    code, default_message = 4001, "User rejected the request"


class NobodyToApprove(UserRejected):
    default_message = "No one is there to approve: run the command from a terminal or pass --yes"


class CallerBlocked(UserRejected):
    default_message = "You blocked this app's requests until it is reopened"


class TooManyPrompts(RateLimited):
    default_message = "Too many requests are waiting for your approval: answer or close the open ones first"


class Unauthorized(RpcError):
    code, default_message = 4100, "The requested method and/or account has not been authorized"


class UnsupportedMethod(RpcError):
    code, default_message = 4200, "The provider does not support the requested method"


class Disconnected(RpcError):
    code, default_message = 4900, "The provider is disconnected"


class ChainDisconnected(RpcError):
    code, default_message = 4901, "The provider is not connected to the requested chain"


# --- vault 2xxx -------------------------------------------------------------------------------


class VaultRpcError(RpcError):
    code, default_message = 2000, "Vault error"


class NoVaultOpen(VaultRpcError):
    code, default_message = 2001, "No vault is open: unlock a vault first"


class VaultNotFoundError(VaultRpcError):
    code, default_message = 2002, "No vault with that name"


class VaultExistsError(VaultRpcError):
    code, default_message = 2003, "A vault with that name already exists"


class WrongPasswordError(VaultRpcError):
    code, default_message = 2004, "Wrong password"


class InvalidVaultNameError(VaultRpcError):
    code, default_message = 2005, "Invalid vault name"


class VaultCorruptError(VaultRpcError):
    code, default_message = 2006, "The vault file is damaged"


class BackupRpcError(VaultRpcError):
    code, default_message = 2010, "Backup error"


class BackupExists(BackupRpcError):
    code, default_message = 2011, "A file is already at the backup path"


class VaultBusyError(VaultRpcError):
    code, default_message = 2040, "The vault is busy in another program; try again in a moment"


class KeyringError(VaultRpcError):
    code, default_message = 2020, "No keyring is available on this device"


class ConfirmationRequired(VaultRpcError):
    code, default_message = 2030, "This action needs confirmation"


# --- identity 3xxx / contacts 40xx ------------------------------------------------------------


class IdentityRpcError(RpcError):
    code, default_message = 3000, "Identity error"


class NoIdentity(IdentityRpcError):
    code, default_message = 3001, "No identity selected: create one first"


class IdentityNotFound(IdentityRpcError):
    code, default_message = 3002, "No identity with that id"


class ContactRpcError(RpcError):
    code, default_message = 4010, "Contact error"


class InvalidCard(ContactRpcError):
    code, default_message = 4011, "That is not a valid contact card"


class ContactNotFound(ContactRpcError):
    code, default_message = 4012, "No contact with that id"


class ContactExists(ContactRpcError):
    code, default_message = 4013, "That contact is already in your list"
