"""GrantPolicy: the node's one decision point for app callers (installed by AppsService).

For a method needing permission key K, an app call passes when:

1. the app is installed for the calling identity (or open in dev mode) and its manifest
   declares K (else 4100: an app cannot ask for what it did not declare at install);
2. the grant is not "never" (4100, no dialog: the user said so);
3. for BLOCKCHAIN_SEND / BLOCKCHAIN_SIGN through the Ethereum provider methods: the app is
   connected (EIP-1102) and any address in the request is one exposed to it. No standing grant
   is ever enough: the wallet shows each decoded transaction or signature in a launcher dialog
   (through ``node.prompter``) with the app as caller, so sending and signing always ask;
4. otherwise an "always"/"session" grant passes, STORAGE passes once declared (an app's own
   data), and anything else asks the user (once / this session / always / never).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..prompter import PromptRequest
from .errors import AppError
from .manifest import PERMISSION_LABELS

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node
    from ..registry import Method
    from .service import AppsService

ALWAYS_ASK = ("BLOCKCHAIN_SEND", "BLOCKCHAIN_SIGN")
IMPLICIT = ("STORAGE",)
# Provider methods whose parameters name an account (EIP-1193 world): they need a connection.
PROVIDER_PREFIXES = ("eth_", "personal_", "wallet_")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def addresses_in(params: Any, depth: int = 0) -> set[str]:
    """Every 0x-address string anywhere in the params (from, address args, typed data signer)."""
    if depth > 6:
        return set()
    if isinstance(params, str):
        return {params.lower()} if _ADDRESS.match(params) else set()
    if isinstance(params, dict):
        keys = ("from", "address", "account")
        return set().union(*(addresses_in(v, depth + 1) for k, v in params.items() if k in keys)) if params else set()
    if isinstance(params, list):
        return set().union(*(addresses_in(v, depth + 1) for v in params)) if params else set()
    return set()


class GrantPolicy:
    def __init__(self, node: Node, service: AppsService) -> None:
        self.node = node
        self.service = service

    async def require(self, ctx: CallerContext, method: Method, params: Any) -> None:
        key = method.access.permission
        assert key is not None
        if not ctx.identity_id or not ctx.app_id:
            raise E.Unauthorized("unknown app")
        try:
            manifest = await self.service.manifest(ctx.identity_id, ctx.app_id)
        except AppError:
            raise E.Unauthorized("this app is not installed for the identity") from None
        if key not in manifest.permissions:
            raise E.Unauthorized(f"{method.name} needs the {key} permission, which this app did not ask for")
        grants = await self.service.grants(ctx.identity_id, ctx.app_id)
        grant = grants.get(key)
        if grant is not None and grant.decision == "never":
            raise E.Unauthorized(f"You did not allow this app to: {PERMISSION_LABELS[key].lower()}")
        if key in ALWAYS_ASK:
            if method.name.startswith(PROVIDER_PREFIXES):
                await self._require_connected(ctx, params)
            return
        if grant is not None or key in IMPLICIT:
            return
        await self.ask(ctx, manifest.name, key, method.name)

    async def _require_connected(self, ctx: CallerContext, params: Any) -> None:
        exposed = {a.lower() for a in await self.service.exposed_accounts(ctx)}
        if not exposed:
            raise E.Unauthorized("Connect first: call eth_requestAccounts")
        foreign = addresses_in(params) - exposed
        owned = {a.lower() for a in await _owned(self.node, ctx)}
        # another of the identity's accounts, not shared with this app: refuse
        if foreign & owned:
            raise E.Unauthorized("That account is not connected to this app")

    async def ask(self, ctx: CallerContext, app_name: str, key: str, method_name: str) -> None:
        assert ctx.identity_id and ctx.app_id
        answer = await self.node.prompter.ask(
            PromptRequest(
                "permission",
                ctx,
                f"{app_name} asks to: {PERMISSION_LABELS[key].lower()}",
                {"app": app_name, "appId": ctx.app_id, "permission": key, "method": method_name},
                ("once", "session", "always", "never"),
            )
        )
        choice = answer.choice if answer.choice in ("once", "session", "always", "never") else None
        if not answer.approved or choice == "never":
            if choice == "never":
                await self.service.set_grant(ctx.identity_id, ctx.app_id, key, "never")
            raise E.UserRejected()
        if choice in ("session", "always"):
            await self.service.set_grant(ctx.identity_id, ctx.app_id, key, choice)


async def _owned(node: Node, ctx: CallerContext) -> list[str]:
    assert ctx.identity_id
    return await identity_addresses(node, ctx.identity_id)


async def identity_addresses(node: Node, identity_id: str) -> list[str]:
    """The identity's wallet addresses, default first; none when the vault cannot say (locked)."""
    from ..wallet.store import identity_addresses as addresses

    try:
        return await addresses(node, identity_id)
    except E.RpcError:
        return []
