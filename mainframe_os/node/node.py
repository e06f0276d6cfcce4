"""The embedded node: one object holding the open vault, the event bus, the prompter and the
dispatcher. Runs on asyncio without Qt; the GUI, the CLI, the socket server and tests all talk
to it through `call`/`handle_text`.

What it holds, each built here and typed:

    node.store     VaultStore: the vault files of this home
    node.vault     the open Vault, or None
    node.session   VaultSession: what lives while that vault is open (chain, sends, watcher, ...)
    node.apps      AppsService: installed apps and their grants (for the node's lifetime)

    node = Node(home)
    await node.call("vault_unlock", {"name": "main", "password": pw})
    await node.call("identity_create", {"displayName": "Alice"})
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from . import errors as E
from .context import CallerContext
from .dispatcher import Dispatcher
from .events import EventBus, VaultLocked
from .paths import HomePaths
from .permissions import DenyAppsPolicy, PermissionPolicy
from .prompt_queue import PromptQueue
from .prompter import Prompter
from .threads import run_on
from .vault_session import VaultSession

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    import vault as vaultlib

    from .apps.service import AppsService

T = TypeVar("T")
log = logging.getLogger("mainframe_os.node")


RESUME_WAIT_S = 15.0  # the most close() waits for messaging that is still starting


class Node:
    def __init__(self, home: str | os.PathLike[str] | None = None, prompter: Prompter | None = None) -> None:
        self.paths = HomePaths.resolve(home).ensure()
        self.events = EventBus()
        # Every prompt goes through this queue; `prompter` is the node's own answerer (the
        # launcher's dialogs, an in-process CLI's terminal), None on a headless node.
        self.prompts = PromptQueue(prompter)
        self.permissions: PermissionPolicy = DenyAppsPolicy()
        self.dispatcher = Dispatcher(self)
        self.vault: vaultlib.Vault | None = None
        # SQLite connections belong to the thread that opened them, and the KDF must not block
        # the loop: every vault operation runs on this one worker thread, in order.
        self._vault_thread = ThreadPoolExecutor(1, thread_name_prefix="mfos-vault")
        self.session = VaultSession(self)
        self._store: vaultlib.VaultStore | None = None
        self._apps: AppsService | None = None
        self._warm = False
        self._closed = False
        # Work an unlock sets off that no caller waits for (messaging going back online) waits
        # while this is clear: the launcher holds it while its main window comes up, so that work
        # neither queues on the vault's thread ahead of the window's first query nor loads its
        # libraries before the paint. Set (nothing held) unless someone holds it.
        self._background = asyncio.Event()
        self._background.set()
        from .comms.running import attach as attach_comms  # messaging resumes at unlock when it was on

        self.resuming = attach_comms(self)  # close() waits for them: no host left starting
        from .files.online import attach as attach_files  # files are served whenever messaging is online

        attach_files(self, self.resuming)

    @property
    def prompter(self) -> PromptQueue:
        """What services ask (`await node.prompter.ask(request)`): the queue, never an answerer
        directly, so every prompt is routed to its owner and shown one at a time."""
        return self.prompts

    @prompter.setter
    def prompter(self, answerer: Prompter | None) -> None:
        self.prompts.launcher = answerer

    @property
    def apps(self) -> AppsService:
        """Installed apps, their grants and what they see; made on first use (it installs the
        grant policy, so apps get their real permissions from then on)."""
        if self._apps is None:
            from .apps.service import AppsService

            self._apps = AppsService(self)
        return self._apps

    @property
    def apps_started(self) -> bool:
        return self._apps is not None

    # -- calling methods ------------------------------------------------------------------------

    async def call(self, method: str, params: Any = None, ctx: CallerContext | None = None) -> Any:
        """Call a method directly (in-process transport). Raises RpcError subclasses."""
        try:
            return await self.dispatcher.call(method, params, ctx or CallerContext.launcher())
        except E.RpcError:
            raise
        except Exception as exc:  # noqa: BLE001 - same translation as on the wire
            raise self.dispatcher.to_rpc_error(exc, method) from exc

    async def handle_text(self, text: str | bytes, ctx: CallerContext) -> str | None:
        return await self.dispatcher.handle_text(text, ctx)

    # -- the vault ------------------------------------------------------------------------------

    @property
    def store(self) -> vaultlib.VaultStore:
        if self._store is None:
            from vault import VaultStore

            store = VaultStore(self.paths.vaults)
            # finish or roll back what a crash interrupted; wipe its leftovers
            for note in store.recover().notes:
                log.warning("%s", note)
            self._store = store
        return self._store

    async def on_vault_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await run_on(self._vault_thread, fn, *args)

    async def db(self, fn: Callable[[Session], T]) -> T:
        """Run `fn(session)` in the open vault, committed when it returns."""
        v = self.require_vault()

        def run() -> T:
            with v.session() as s:
                return fn(s)

        return await self.on_vault_thread(run)

    async def warm_up(self) -> None:
        """Import the method modules and the vault library (SQLAlchemy, SQLCipher, the models)
        on the vault thread, once. The first import takes most of a second: on the event loop it
        would freeze the window."""
        if not self._warm:
            await self.on_vault_thread(_import_libraries, self.dispatcher.registry)
            self._warm = True

    def require_vault(self) -> vaultlib.Vault:
        if self.vault is None:
            raise E.NoVaultOpen()
        return self.vault

    async def set_open_vault(self, v: vaultlib.Vault | None) -> None:
        """Make `v` the open vault, locking and closing the previous one."""
        old, self.vault = self.vault, v
        if old is not None and old is not v:
            await self.on_vault_thread(old.close)
            ended, self.session = self.session, VaultSession(self)
            await ended.close()
            self.events.emit(VaultLocked(old.name))

    async def lock(self) -> None:
        await self.set_open_vault(None)

    # -- background work after an unlock ---------------------------------------------------------

    def hold_background(self) -> None:
        """Keep background work back (see `background_may_start`) until `release_background`."""
        self._background.clear()

    def release_background(self) -> None:
        self._background.set()

    async def background_may_start(self) -> None:
        """Wait while a front end holds background work back (returns at once when none does)."""
        await self._background.wait()

    # -- lifecycle ------------------------------------------------------------------------------

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.release_background()  # a resume still held back finds the vault locked and ends
        # A resume still starting messaging: let it finish, then it is stopped below. Its going
        # online sets off more (the files exchange attaching to the host): wait for those too.
        deadline = asyncio.get_running_loop().time() + RESUME_WAIT_S
        while self.resuming and (left := deadline - asyncio.get_running_loop().time()) > 0:
            await asyncio.wait(set(self.resuming), timeout=left)
        await self.lock()
        await self.session.close()  # what was started with no vault open (a chain for the CLI)
        self._vault_thread.shutdown(wait=True)


def _import_libraries(registry: Any) -> None:
    from sqlalchemy.orm import configure_mappers

    import vault  # noqa: F401 - imported for its side effect: the modules are loaded
    import vault.models  # noqa: F401
    from vault import VaultStore  # noqa: F401 - with the database layer: `node.store` is made on the loop

    # SQLAlchemy configures the models' mappers at the first query otherwise: ~25 ms that the
    # first query after an unlock (the launcher's identity list) would wait for.
    configure_mappers()
    registry.load()
