"""Things a caller holds by an unguessable id: the subscriptions an app page keeps open.

Both push tables (`eth_subscribe`'s in methods/eth_subscriptions.py, the comms and messenger ones
in comms/app_push.py) follow the same rules, kept here once:

- an id is 128 random bits (`0x` + 32 hex digits): a page cannot guess another page's;
- each caller holds at most `limit` at a time (-32005 beyond: a page cannot grow the table);
- only the caller that added an entry removes it: another caller's id (or garbage) answers
  `False`, as an unknown id does, so a page learns nothing of other pages' ids;
- a caller that goes away (`CallerGone`: its page closed) loses all its entries.

    class Subscriptions(OwnedRegistry[Subscription]):   # Subscription has an `owner`
        ...
    sid = table.hold(sub)     # RpcError(-32005) past the limit
    table.remove(sid, ctx)    # False unless ctx added it
    table.close()             # forgets everything, stops listening for CallerGone
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from . import errors as E
from .events import CallerGone

if TYPE_CHECKING:
    from .context import CallerContext
    from .events import EventBus

TOO_MANY = -32005  # JSON-RPC "limit exceeded", as Ethereum nodes answer it


class Owned(Protocol):
    @property
    def owner(self) -> CallerContext: ...


T = TypeVar("T", bound=Owned)


class OwnedRegistry(Generic[T]):
    """Entries keyed by a random id, each owned by the caller that added it."""

    def __init__(self, events: EventBus, limit: int) -> None:
        self.limit = limit
        self.subs: dict[str, T] = {}
        self._stop_listening = events.subscribe(CallerGone, lambda e: self.drop(e.caller))

    def hold(self, entry: T) -> str:
        """Keep `entry` for its owner; its new id."""
        if sum(1 for e in self.subs.values() if e.owner == entry.owner) >= self.limit:
            raise E.RpcError(f"too many subscriptions (at most {self.limit})", code=TOO_MANY)
        sid = "0x" + secrets.token_hex(16)
        self.subs[sid] = entry
        return sid

    def remove(self, sid: Any, owner: CallerContext) -> bool:
        entry = self.subs.get(sid) if isinstance(sid, str) else None
        if entry is None or entry.owner != owner:
            return False
        del self.subs[sid]
        return True

    def drop(self, owner: CallerContext) -> None:
        for sid in [k for k, e in self.subs.items() if e.owner == owner]:
            del self.subs[sid]

    def close(self) -> None:
        self.subs.clear()
        self._stop_listening()
