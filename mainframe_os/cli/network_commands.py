"""mfos network list|use|add|status."""

from __future__ import annotations

import json
from typing import Any

from .core_commands import _table
from .framework import arg, command
from .session import CliError, CliSession


def _networks(rows: list[dict[str, Any]]) -> str:
    shown = [
        dict(
            r,
            mark="*" if r.get("active") else "",
            rpc=r.get("rpcUrl") or ("embedded" if r["embedded"] else "(no RPC URL)"),
        )
        for r in rows
    ]
    return _table(
        shown, [("mark", " "), ("id", "ID"), ("name", "NAME"), ("chainId", "CHAIN"), ("rpc", "RPC")], "No networks."
    )


@command("network list", "list the networks the wallet can use", vault="required", formatter=_networks)
async def network_list(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("network_list")


@command(
    "network use",
    "switch network (mainnet/sepolia need --rpc once)",
    arg("id"),
    arg("--rpc", help="the RPC URL for a mainnet/Sepolia preset"),
    vault="required",
    formatter=lambda r: f"Now on {r['name']} (chain {r['chainId']}).",
)
async def network_use(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("network_use", {"id": a.id, "rpcUrl": a.rpc})


@command(
    "network add",
    "add a custom JSON-RPC network (its chain id is checked)",
    arg("name"),
    arg("rpc_url"),
    arg("--chain-id", type=int, required=True),
    arg("--contracts", help='JSON {"mft":..,"dai":..,"weth":..,"router":..} for tokens and swaps there'),
    vault="required",
    formatter=lambda r: f"Added network '{r['name']}' as {r['id']}.",
)
async def network_add(s: CliSession, a: Any) -> Any:
    contracts = None
    if a.contracts:
        try:
            contracts = json.loads(a.contracts)
        except ValueError:
            raise CliError("--contracts must be a JSON object") from None
    await s.connect(a.vault)
    return await s.call(
        "network_add", {"name": a.name, "rpcUrl": a.rpc_url, "chainId": a.chain_id, "contracts": contracts}
    )


@command(
    "network status",
    "is the active network reachable?",
    vault="required",
    formatter=lambda r: f"{r['name']}: " + (f"connected, block {r['blockNumber']}" if r["connected"] else r["error"]),
)
async def network_status(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    return await s.call("network_status")
