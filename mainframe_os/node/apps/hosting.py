"""The app host's one doorway into the node, beyond calling methods and hearing events.

The launcher's app host (gui/apphost) shows each app in a sandboxed webview. Most of what it
needs it asks like any screen does, through node methods (the identity's name, the wallet
connection, the permissions, the icon). What cannot be a method is here: the webview's scheme
handler reads an app's verified files synchronously, the request interceptor needs the granted
domains in memory, and every open page needs its own session with the node.

    hosting = AppHosting(node)
    source = await hosting.source(identity_id, app_id)      # serves the page's files
    session = hosting.open_session(CallerContext.app(app_id, identity_id), send_to_page)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..dispatcher import MAX_MESSAGE_BYTES, RateLimiter, peek_id
from ..prompt_queue import caller_key
from .errors import AppFileRefused
from .gateway import AppSession
from .store import AppSource, DevSource

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

__all__ = [
    "MAX_MESSAGE_BYTES",
    "AppFileRefused",
    "AppHosting",
    "AppSession",
    "AppSource",
    "DevSource",
    "RateLimiter",
    "peek_id",
]


class AppHosting:
    """What an app host may do with one node's apps (see the module docstring)."""

    def __init__(self, node: Node) -> None:
        self._node = node

    async def source(self, identity_id: str, app_id: str) -> AppSource:
        """An installed app's verified files (AppNotInstalled if the identity has no such app)."""
        return await self._node.apps.source(identity_id, app_id)

    async def dev_source(self, identity_id: str, folder: str | Path) -> DevSource:
        """`mfos app dev`: an unsigned folder served as an app of the identity (asks like any app)."""
        source = DevSource(Path(folder).expanduser())
        await self._node.apps.register_dev(identity_id, source)
        return source

    async def web_domains(self, identity_id: str, app_id: str) -> list[str]:
        """The domains the app may reach (granted WEB_REQUEST ∩ its manifest)."""
        return await self._node.apps.web_domains(identity_id, app_id)

    def profile_dir(self, identity_id: str, app_id: str) -> Path:
        """Where the app's webview keeps its storage for this identity."""
        return self._node.apps.files.profile_dir(identity_id, app_id)

    def open_session(self, ctx: CallerContext, send: Callable[[str], None]) -> AppSession:
        """A page's conversation with the node; reopening an app lifts its "block for now"."""
        self._node.prompter.unblock(caller_key(ctx))
        return AppSession(self._node, ctx, send)
