"""node_* methods: what the node is and what it can do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import __version__
from ..registry import PUBLIC, REGISTRY, TRUSTED, method

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node


@method("node_version", access=PUBLIC, needs_vault=False)
async def node_version(node: Node, ctx: CallerContext) -> dict[str, Any]:
    """The node's version and API version."""
    return {"version": __version__, "apiVersion": 1}


@method("node_status", access=TRUSTED, needs_vault=False)
async def node_status(node: Node, ctx: CallerContext) -> dict[str, Any]:
    """Which vault is open and which identity is active."""
    v = node.vault
    return {
        "version": __version__,
        "home": str(node.paths.root),
        "vault": v.name if v is not None else None,
        "identityId": await _active_identity(node) if v is not None else None,
    }


@method("node_answerPrompts", access=TRUSTED, needs_vault=False)
async def node_answer_prompts(node: Node, ctx: CallerContext) -> bool:
    """This socket client answers the prompts its own calls raise (its terminal, or `--yes`)."""
    from .. import errors as E

    if ctx.session is None or not node.prompter.attach(ctx.session):
        raise E.UnsupportedMethod("This connection cannot carry prompts")
    return True


@method("node_methods", access=PUBLIC, needs_vault=False)
async def node_methods(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """Every method the node declares (the SDK and the CLI are generated from this list)."""
    return [m.describe() for m in REGISTRY.all()]


async def _active_identity(node: Node) -> str | None:
    from .identities import active_identity_id

    return await active_identity_id(node)
