"""Messaging errors as the caller sees them (contacts range, 4020-4029)."""

from __future__ import annotations

from ..errors import ContactRpcError


class CommsError(ContactRpcError):
    code, default_message = 4020, "Messaging error"


class CommsOffline(CommsError):
    code, default_message = 4021, "Messaging is offline: run 'mfos peer start' (peer_start) first"


class MessageTooLarge(CommsError):
    code, default_message = 4022, "The message is too large"


class PeerUnreachable(Exception):
    """The peer could not be dialled, or the stream broke before every reply came back (raised by
    the host; the methods turn it into what the caller sees). Declared here rather than in
    host.py so that the method modules name it without importing trio and libp2p: every command
    that opens a vault imports them, and most never go online."""
