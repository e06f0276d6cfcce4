"""Messaging errors as the caller sees them (contacts range, 4020-4029)."""

from __future__ import annotations

from ..errors import ContactRpcError


class CommsError(ContactRpcError):
    code, default_message = 4020, "Messaging error"


class CommsOffline(CommsError):
    code, default_message = 4021, "Messaging is offline: run 'mfos peer start' (peer_start) first"


class MessageTooLarge(CommsError):
    code, default_message = 4022, "The message is too large"
