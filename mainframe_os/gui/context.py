"""What every screen needs, in one object passed down: the node, the operation runner, the
error presenter, preferences, and event subscriptions that end with the widget."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from .operations import ErrorPresenter, Operations
from .preferences import Preferences
from .qt import QObject

if TYPE_CHECKING:
    from mainframe_os.node.node import Node

    from .prompter import GuiPrompter

E = TypeVar("E")

WALLET_METHODS = ("wallet_list", "wallet_getBalances", "wallet_create")
NETWORK_METHODS = ("network_list", "network_use")


class LauncherContext:
    """Made before the node, so the lock screen paints without it: `attach` hands the node and
    the prompter over right after that first paint (every call and subscription comes later).
    (A plain class, not a dataclass: importing dataclasses costs ~5 ms before that paint.)"""

    node: Node
    prompter: GuiPrompter

    def __init__(self, ops: Operations, errors: ErrorPresenter, prefs: Preferences) -> None:
        self.ops = ops
        self.errors = errors
        self.prefs = prefs
        self.methods: set[str] = set()
        self.keyring_available = False
        self.updates: Any = None  # the node's UpdateChecker for this home (tests give it their own feed and key)
        self._app_host: Any = None
        self.listening = True  # False once the launcher shuts down: events queued then are dropped
        self._held: list[Callable[[], None]] | None = None  # events kept back while the main window comes up

    def attach(self, node: Node, prompter: GuiPrompter) -> None:
        self.node = node
        self.prompter = prompter

    def hold_events(self) -> None:
        """Keep node events back from the screens until :meth:`release_events`, in order, and the
        node's background work (messaging going back online). An unlock does this from the moment
        it starts: a dozen screens refreshing on VaultOpened would queue their queries on the
        vault's thread ahead of the main window; they refresh once it has painted."""
        if self._held is None:
            self._held = []
        self.node.hold_background()

    def release_events(self) -> None:
        held, self._held = self._held, None
        self.node.release_background()
        for deliver in held or []:
            deliver()

    def drop_held_events(self) -> None:
        """The vault locked (or the launcher closes) before the screens had them: they are moot."""
        self._held = None
        self.node.release_background()  # what the node held back sees the vault locked and ends

    @property
    def holding_events(self) -> bool:
        return self._held is not None

    def after_main_window(self, fn: Callable[[], None]) -> None:
        """Run `fn` with the held events (once the main window painted after an unlock), or now
        if nothing is held: for work the first paint does not need."""
        if self._held is not None:
            self._held.append(fn)
        else:
            fn()

    @property
    def app_host_started(self) -> bool:
        return self._app_host is not None

    def app_host(self) -> Any:
        """The one :class:`~mainframe_os.gui.apphost.AppHost`, made when the first app opens (this
        is when QtWebEngine loads: never at startup)."""
        if self._app_host is None:
            from .apphost import AppHost

            self._app_host = AppHost(self.node)
        return self._app_host

    def close_apps(self, identity_id: str | None = None, app_id: str | None = None) -> None:
        """Close open app windows (all, one identity's, or one app's) if any app ever opened."""
        if self._app_host is not None:
            self._app_host.close_apps(identity_id, app_id)

    def call(self, method: str, params: Any = None) -> Coroutine[Any, Any, Any]:
        return self.node.call(method, params)

    def has(self, *methods: str) -> bool:
        return all(m in self.methods for m in methods)

    @property
    def has_wallet(self) -> bool:
        return self.has(*WALLET_METHODS)

    @property
    def has_networks(self) -> bool:
        return self.has(*NETWORK_METHODS)

    async def refresh_methods(self) -> None:
        self.methods = {m["name"] for m in await self.node.call("node_methods")}

    def subscribe(self, owner: QObject, event_type: type[E], fn: Callable[[E], None], holdable: bool = True) -> None:
        """Listen to a node event for as long as `owner` lives (`holdable=False`: also while
        :meth:`hold_events` holds the others back: the window, which holds and releases them).

        `fn` runs on a later turn of the loop (`call_soon`), never inside the node's `emit`: the
        node is in the middle of a method when it emits, and a widget refreshing there (calling
        the node back, opening a dialog) would run inside that method. The owner may be gone by
        then: the call is dropped."""
        from mainframe_os.node.events import VaultLocked

        alive = [True]
        locked = event_type is VaultLocked  # a lock reaches every screen at once, never held

        def deliver(event: E) -> None:
            if self._held is not None and holdable and not locked:
                self._held.append(lambda: deliver(event))
                return
            if locked:
                self.drop_held_events()
            if alive[0] and self.listening:
                fn(event)

        def schedule(event: E) -> None:
            import asyncio

            try:
                asyncio.get_running_loop().call_soon(deliver, event)
            except RuntimeError:  # no loop runs (a test emitting by hand): nothing to be inside of
                deliver(event)

        unsubscribe = self.node.events.subscribe(event_type, schedule)  # type: ignore[arg-type]

        def gone(*_: Any) -> None:
            alive[0] = False
            unsubscribe()

        owner.destroyed.connect(gone)
