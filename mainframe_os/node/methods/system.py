"""node_* methods: what the node is and what it can do."""

from __future__ import annotations

from typing import Any

from ... import __version__
from ..registry import PUBLIC, REGISTRY, TRUSTED, method


@method("node_version", access=PUBLIC, needs_vault=False)
async def node_version(node: Any, ctx: Any) -> dict[str, Any]:
    """The node's version and API version."""
    return {"version": __version__, "apiVersion": 1}


@method("node_status", access=TRUSTED, needs_vault=False)
async def node_status(node: Any, ctx: Any) -> dict[str, Any]:
    """Which vault is open and which identity is active."""
    v = node.vault
    return {
        "version": __version__,
        "home": str(node.paths.root),
        "vault": v.name if v is not None else None,
        "identityId": await _active_identity(node) if v is not None else None,
    }


@method("node_answerPrompts", access=TRUSTED, needs_vault=False)
async def node_answer_prompts(node: Any, ctx: Any) -> bool:
    """This socket client answers the prompts its own calls raise (its terminal, or `--yes`)."""
    from .. import errors as E

    if ctx.session is None or not node.prompter.attach(ctx.session):
        raise E.UnsupportedMethod("This connection cannot carry prompts")
    return True


@method("node_methods", access=PUBLIC, needs_vault=False)
async def node_methods(node: Any, ctx: Any) -> list[dict[str, Any]]:
    """Every method the node declares (the SDK and the CLI are generated from this list)."""
    return [m.describe() for m in REGISTRY.all()]


async def _active_identity(node: Any) -> str | None:
    from .identities import active_identity_id

    return await active_identity_id(node)
