"""Networks the wallet can use: the embedded dev chain, mainnet and Sepolia presets, custom RPCs.

One code path for all of them: a `Connection` wraps a Web3 and the addresses of the contracts
the product uses there (tokens, WETH, the Uniswap V2 router).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .. import errors as E

DEV = "dev"


@dataclass(frozen=True)
class Contracts:
    mft: str | None = None
    dai: str | None = None
    weth: str | None = None
    router: str | None = None


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    chain_id: int
    rpc_url: str | None = None  # None: the embedded dev chain
    contracts: Contracts = field(default_factory=Contracts)
    explorer: str | None = None
    preset: bool = True

    @property
    def embedded(self) -> bool:
        return self.rpc_url is None and self.id == DEV

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "chainId": self.chain_id,
            "rpcUrl": self.rpc_url,
            "embedded": self.embedded,
            "preset": self.preset,
            "contracts": {k: v for k, v in vars(self.contracts).items() if v},
        }


MAINNET_CONTRACTS = Contracts(
    mft="0xDF2C7238198Ad8B389666574f2d8bc411A4b7428",
    dai="0x6B175474E89094C44Da98b954EedeAC495271d0F",
    weth="0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    router="0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D",
)

PRESETS: dict[str, Network] = {
    DEV: Network(DEV, "Mainframe dev chain", 61453),
    "mainnet": Network("mainnet", "Ethereum mainnet", 1, "", MAINNET_CONTRACTS, "https://etherscan.io"),
    "sepolia": Network("sepolia", "Sepolia testnet", 11155111, "", Contracts(), "https://sepolia.etherscan.io"),
}


def network_from_json(d: dict[str, Any]) -> Network:
    c = d.get("contracts") or {}
    return Network(
        id=str(d["id"]),
        name=str(d["name"]),
        chain_id=int(d["chainId"]),
        rpc_url=d.get("rpcUrl"),
        contracts=Contracts(**{k: c.get(k) for k in ("mft", "dai", "weth", "router")}),
        preset=False,
    )


def check_rpc_url(url: str) -> str:
    from urllib.parse import urlparse

    u = urlparse(url.strip())
    if u.scheme not in ("http", "https", "ws", "wss") or not u.netloc:
        raise E.InvalidParams("The RPC URL must start with http://, https://, ws:// or wss://")
    return url.strip()


def with_rpc(net: Network, rpc_url: str | None) -> Network:
    return replace(net, rpc_url=rpc_url) if rpc_url else net
