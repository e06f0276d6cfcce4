"""Typed events the node emits; screens and app bridges subscribe and decide what to refresh.

The node never calls a widget: it says what changed, once, here. Every event class lives in this
module, so a subscriber imports what it listens to from one place and never reaches into a
domain package for it. Subscribers are matched by type (`isinstance`), never by name.

    unsubscribe = node.events.subscribe(ContactsChanged, on_contacts)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from .context import CallerContext

log = logging.getLogger("mainframe_os.events")


@dataclass(frozen=True)
class Event:
    @property
    def name(self) -> str:
        return type(self).__name__

    def to_json(self) -> dict[str, Any]:
        return {"event": self.name, **asdict(self)}


# -- vaults and identities -----------------------------------------------------------------------


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
class BackupProgress(Event):
    operation: str  # "backup" | "restore"
    done: int
    total: int


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


# -- wallet and chain ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletsChanged(Event):
    """A wallet, account, default account or token list changed."""


@dataclass(frozen=True)
class NetworkChanged(Event):
    network_id: str
    chain_id: int


@dataclass(frozen=True)
class PaymentReceived(Event):
    identity_id: str
    address: str
    sender: str
    amount: str  # formatted
    symbol: str
    hash: str


@dataclass(frozen=True)
class TransactionStatusChanged(Event):
    hash: str
    status: str  # signed | pending | confirmed | failed | dropped
    chain_id: int
    error: str | None = None


@dataclass(frozen=True)
class TransactionRecovered(Event):
    """An interrupted send was settled: `outcome` is one of wallet/interrupted.py's OUTCOME_TEXT keys."""

    hash: str
    chain_id: int
    outcome: str
    what: str  # "0.5 ETH to Bob"


# -- apps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppGrantsChanged(Event):
    """An app's grants (or wallet connection) changed; open app windows refresh."""

    identity_id: str
    app_id: str


@dataclass(frozen=True)
class AppsChanged(Event):
    """Apps were installed, updated or removed for an identity."""

    identity_id: str


@dataclass(frozen=True)
class SubscriptionPush(Event):
    """An eth_subscribe notification for one caller (the caller's transport delivers it)."""

    caller: CallerContext
    subscription: str
    result: Any


@dataclass(frozen=True)
class CallerGone(Event):
    """A caller's transport closed (an app page went away): its subscriptions end."""

    caller: CallerContext


# -- files ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilesChanged(Event):
    """A file of this identity was added, moved, renamed or removed."""

    identity_id: str


@dataclass(frozen=True)
class FileProgress(Event):
    """Bytes done of a long file operation ("add" | "get" | "fetch" | "download" | "backup");
    `done == total` when it ends. A download's job is its share's id (files_cancel takes it)."""

    operation: str
    job: str
    file_name: str
    done: int
    total: int


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


@dataclass(frozen=True)
class AppMessageReceived(Event):
    """An app-scoped message (mainframe.comms) for one app of the identity was stored."""

    identity_id: str
    app_id: str
    message_id: str


# -- the bus -------------------------------------------------------------------------------------

E = TypeVar("E", bound=Event)
Listener = Callable[[Any], None]


class EventBus:
    """Calls each listener of an event's type (or a base type) in turn. Listeners run inside
    `emit`, on the node's loop: GUI code defers its widget work (gui/context.py's subscribe)."""

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
