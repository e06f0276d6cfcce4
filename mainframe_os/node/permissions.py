"""Where app callers are checked against their grants: the node's one place for that decision.

Until an app host is attached (the dapp feature), every permissioned method is refused to apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from . import errors as E

if TYPE_CHECKING:
    from .context import CallerContext
    from .registry import Method


class PermissionPolicy(Protocol):
    async def require(self, ctx: CallerContext, method: Method, params: Any) -> None: ...


class DenyAppsPolicy:
    async def require(self, ctx: CallerContext, method: Method, params: Any) -> None:
        raise E.Unauthorized(f"{method.name} needs the {method.access.permission} permission")
