"""Typed events the node emits; screens and app bridges subscribe and decide what to refresh.

The node never calls a widget: it says what changed, once, here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

log = logging.getLogger("mainframe_os.events")


@dataclass(frozen=True)
class Event:
    @property
    def name(self) -> str:
        return type(self).__name__

    def to_json(self) -> dict[str, Any]:
        return {"event": self.name, **asdict(self)}


@dataclass(frozen=True)
class VaultOpened(Event):
    vault: str


@dataclass(frozen=True)
class VaultLocked(Event):
    vault: str


@dataclass(frozen=True)
class VaultsChanged(Event):
    """A vault was created, deleted or restored."""


@dataclass(frozen=True)
class IdentitiesChanged(Event):
    pass


@dataclass(frozen=True)
class ActiveIdentityChanged(Event):
    identity_id: str | None


@dataclass(frozen=True)
class ContactsChanged(Event):
    identity_id: str


@dataclass(frozen=True)
class Notification(Event):
    """Something to tell the user (payment received, transaction confirmed, ...)."""

    title: str
    body: str
    kind: str = "info"
    source: str = "node"


E = TypeVar("E", bound=Event)
Listener = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[type[Event], list[Listener]] = {}

    def subscribe(self, event_type: type[E], fn: Callable[[E], None]) -> Callable[[], None]:
        """Listen for `event_type` (and its subclasses); returns an unsubscribe function."""
        fns = self._listeners.setdefault(event_type, [])
        fns.append(fn)

        def unsubscribe() -> None:
            if fn in fns:
                fns.remove(fn)

        return unsubscribe

    def emit(self, event: Event) -> None:
        for etype, fns in list(self._listeners.items()):
            if isinstance(event, etype):
                for fn in list(fns):
                    try:
                        fn(event)
                    except Exception:  # noqa: BLE001 - one broken listener must not stop the others
                        log.exception("event listener failed for %s", event.name)


@dataclass(frozen=True)
class WalletsChanged(Event):
    """A wallet, account, default account or token list changed."""


# -- peer-to-peer messaging (issue 12) ---------------------------------------------------------


@dataclass(frozen=True)
class MessageReceived(Event):
    """A message from a contact was stored in the vault (emitted once per message)."""

    identity_id: str
    contact_id: str | None
    message_id: str
    kind: str  # "text" | "json"
    group_id: str | None = None  # a group message


@dataclass(frozen=True)
class GroupsChanged(Event):
    """A group was created, renamed, or its members changed (or we were removed)."""

    identity_id: str
    group_id: str


@dataclass(frozen=True)
class MessageStateChanged(Event):
    """One of our messages moved on: "sent" (a holder has it), "delivered", "read"."""

    identity_id: str
    message_id: str
    state: str


@dataclass(frozen=True)
class ContactRequestsChanged(Event):
    """A contact request arrived, or one was accepted, declined or blocked."""

    identity_id: str


@dataclass(frozen=True)
class ContactKeysChanged(Event):
    """A contact's end-to-end keys changed: nothing of theirs is accepted until the user looks."""

    identity_id: str
    peer: str  # hex Ed25519 key of the contact's identity


@dataclass(frozen=True)
class ContactVerification(Event):
    """A verification with a contact moved on: "compare" (emoji ready), "verified", "mismatch"."""

    identity_id: str
    peer: str
    state: str


@dataclass(frozen=True)
class PeerStatusChanged(Event):
    """Messaging went online or offline (the libp2p host started or stopped)."""

    online: bool
    peer_id: str
