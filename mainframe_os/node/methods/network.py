"""network_* methods: which chain the wallet talks to (dev chain, mainnet, Sepolia, custom RPC)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..events import NetworkChanged
from ..params import Param
from ..registry import method
from ..wallet.chain import NetworkDown

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node


@method("network_list")
async def network_list(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """Every network the wallet can use; `active` marks the chosen one."""
    chain = node.session.chain
    active = await chain.active_id()
    return [dict(n.to_json(), active=n.id == active) for n in await chain.networks()]


@method("network_use", Param("id"), Param("rpcUrl", required=False))
async def network_use(node: Node, ctx: CallerContext, id: str, rpcUrl: str | None) -> dict[str, Any]:
    """Switch network (giving mainnet/Sepolia their RPC URL); refuses one that is down or on the wrong chain."""
    chain = node.session.chain
    if rpcUrl:
        await chain.set_rpc(id, rpcUrl)
    conn = await chain.use(id)
    node.events.emit(NetworkChanged(conn.network.id, conn.network.chain_id))
    return dict(conn.network.to_json(), active=True)


@method(
    "network_add",
    Param("name", max_length=64),
    Param("rpcUrl", max_length=2048),
    Param("chainId", "integer"),
    Param("contracts", "object", required=False, description="{mft, dai, weth, router} addresses"),
)
async def network_add(
    node: Node, ctx: CallerContext, name: str, rpcUrl: str, chainId: int, contracts: dict[str, str] | None
) -> dict[str, Any]:
    """Add a custom JSON-RPC network; its chain id is checked on connect before it is saved."""
    from .identities import clean_name

    net = await node.session.chain.add_network(clean_name(name, "network name"), rpcUrl, chainId, contracts)
    return net.to_json()


@method("network_status")
async def network_status(node: Node, ctx: CallerContext) -> dict[str, Any]:
    """Whether the active network answers, and its head block; never raises for a network that is down."""
    chain = node.session.chain
    net = await chain.network()
    try:
        block = await chain.call(lambda c: int(c.w3.eth.block_number))
    except NetworkDown as exc:
        return {"id": net.id, "name": net.name, "chainId": net.chain_id, "connected": False, "error": exc.message}
    return {"id": net.id, "name": net.name, "chainId": net.chain_id, "connected": True, "blockNumber": block}
