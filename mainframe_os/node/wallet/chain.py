"""The node's connection to the active network, on its own worker thread.

Web3 calls block (HTTP, or py-evm executing a block), and the embedded chain is not
thread-safe: every chain call runs on this one thread, in order, so the event loop and the
window stay responsive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from .. import errors as E
from ..threads import run_on
from .networks import DEV, PRESETS, Contracts, Network, check_rpc_url, network_from_json, with_rpc

if TYPE_CHECKING:
    from web3 import Web3

    from ..node import Node

T = TypeVar("T")
log = logging.getLogger("mainframe_os.chain")

ACTIVE_KEY = "network.active"
CUSTOM_KEY = "network.custom"
RPC_KEY = "network.rpc"  # {preset id: url} for mainnet/sepolia


@dataclass
class Connection:
    network: Network
    remote_w3: Web3 | None = None  # web3 over a remote node's HTTP RPC; None on the embedded chain
    devchain: Any = None  # the DevChain when embedded (faucet, deployment)
    # Facts read from this chain once per connection: token metadata by address, checked
    # contracts. A new connection (another network, a restarted node) starts empty.
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def w3(self) -> Web3:
        """web3 for this network (on the embedded chain built on first use: DevChain.w3)."""
        if self.remote_w3 is not None:
            return self.remote_w3
        return self.devchain.w3


class NetworkDown(E.ChainDisconnected):
    pass


class ChainService:
    """Vault-scoped: which network the vault's owner chose, and a live connection to it."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="mfos-chain")
        # The payment watcher's lane on a remote network: its own thread and HTTP session, so a
        # block scan never sits in front of a send (see watch_call).
        self._watch_thread: ThreadPoolExecutor | None = None
        self._watch_conn: Connection | None = None
        self._conn: Connection | None = None
        self._devchain: Any = None
        self._nets: list[Network] | None = None  # cached: settings change only through this service
        self._active: str | None = None

    @classmethod
    def of(cls, node: Node) -> ChainService:
        """The open vault's chain service: `node.session.chain` (this spelling stays for
        wallet/txs.py and the tests that use it)."""
        return node.session.chain

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await run_on(self._thread, fn, *args)

    # -- networks -------------------------------------------------------------------------------

    async def networks(self) -> list[Network]:
        if self._nets is None:
            v = self.node.require_vault()
            custom, rpcs = await self.node.on_vault_thread(
                lambda: (v.get_setting(CUSTOM_KEY, []), v.get_setting(RPC_KEY, {}))
            )
            nets = [with_rpc(n, rpcs.get(n.id)) for n in PRESETS.values()]
            self._nets = nets + [network_from_json(d) for d in custom]
        return list(self._nets)

    async def active_id(self) -> str:
        if self._active is None:
            v = self.node.require_vault()
            self._active = str(await self.node.on_vault_thread(v.get_setting, ACTIVE_KEY, DEV))
        return self._active

    async def network(self, net_id: str | None = None) -> Network:
        net_id = net_id or await self.active_id()
        for n in await self.networks():
            if n.id == net_id:
                return n
        raise E.InvalidParams(f"No network with id '{net_id[:40]}'")

    async def add_network(self, name: str, rpc_url: str, chain_id: int, contracts: dict[str, str] | None) -> Network:
        v = self.node.require_vault()
        url = check_rpc_url(rpc_url)
        custom = list(await self.node.on_vault_thread(v.get_setting, CUSTOM_KEY, []))
        net_id = f"custom-{len(custom) + 1}"
        while any(d["id"] == net_id for d in custom):
            net_id += "x"
        net = Network(net_id, name, chain_id, url, _contracts(contracts), preset=False)
        conn = await self._probe(net)  # the chain id is checked before the network is saved
        if contracts:
            await self.run(_check_contracts, conn)  # and so is every contract it names
        custom.append(net.to_json())
        await self.node.on_vault_thread(v.set_setting, CUSTOM_KEY, custom)
        self._nets = None
        return net

    async def set_rpc(self, net_id: str, rpc_url: str) -> None:
        v = self.node.require_vault()
        if net_id not in PRESETS or net_id == DEV:
            raise E.InvalidParams("Only the mainnet and Sepolia presets take an RPC URL")
        rpcs = dict(await self.node.on_vault_thread(v.get_setting, RPC_KEY, {}))
        rpcs[net_id] = check_rpc_url(rpc_url)
        await self.node.on_vault_thread(v.set_setting, RPC_KEY, rpcs)
        self._nets = None

    async def use(self, net_id: str) -> Connection:
        net = await self.network(net_id)
        conn = await self._connect(net)
        v = self.node.require_vault()
        await self.node.on_vault_thread(v.set_setting, ACTIVE_KEY, net.id)
        self._conn, self._active = conn, net.id
        return conn

    # -- the connection -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a connection is open already (nothing is loaded to answer this)."""
        return self._conn is not None

    async def connection(self) -> Connection:
        net = await self.network()
        if self._conn is not None and self._conn.network.id == net.id:
            return self._conn
        self._conn = await self._connect(net)
        return self._conn

    async def _connect(self, net: Network) -> Connection:
        if net.id == DEV:
            return await self.run(self._open_dev)
        return await self._probe(net)

    def _open_dev(self) -> Connection:
        from ..chain.devchain import DevChain

        if self._devchain is None:
            self._devchain = DevChain.open(self.node.paths.chain)
        d = self._devchain.deployment
        net = replace(PRESETS[DEV], contracts=Contracts(mft=d.mft, dai=d.dai, weth=d.weth, router=d.router))
        return Connection(net, devchain=self._devchain)

    async def _probe(self, net: Network) -> Connection:
        if not net.rpc_url:
            raise NetworkDown(f"{net.name} has no RPC URL yet: add one in the network settings")

        def connect() -> Connection:
            from web3 import Web3

            url = net.rpc_url or ""
            if url.startswith(("ws://", "wss://")):
                raise E.InvalidParams("WebSocket RPC URLs are not supported yet: use http(s)")
            w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))
            try:
                chain_id = w3.eth.chain_id
            except Exception as exc:  # noqa: BLE001 - any transport failure means "down"
                raise NetworkDown(f"The network '{net.name}' is unreachable ({type(exc).__name__})") from None
            if chain_id != net.chain_id:
                raise E.ChainDisconnected(
                    f"The node at that URL is on chain {chain_id}, not {net.chain_id} ({net.name})"
                )
            return Connection(net, w3)

        return await self.run(connect)

    async def call(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn(connection)` on the chain thread; transport failures become NetworkDown."""
        conn = await self.connection()
        return await self.run(_translated, fn, conn)

    async def call_reading_vault(self, fn: Callable[[Connection, Any], T]) -> T:
        """`call`, with a read of the open vault for `fn(connection, sql)`: `sql` is the vault's
        DB-API connection in one read-only snapshot (Vault.sql). The vault's connections serve any
        thread, so a step that reads the vault and then the chain costs one hop from the loop
        instead of two."""
        vault = self.node.require_vault()

        def run(c: Connection) -> T:
            with vault.sql(write=False) as sql:
                return fn(c, sql)

        return await self.call(run)

    async def watch_call(self, fn: Callable[[Connection], T]) -> T:
        """`call` for the payment watcher, in its own lane so a block scan never delays a send.
        A remote network gets a second thread with its own HTTP session. The embedded chain
        (py-evm is not thread-safe) stays on the chain thread: the watcher keeps each of these
        calls to one block, so a send waits for one block's scan at most."""
        conn = await self.connection()
        if conn.devchain is not None:
            return await self.run(_translated, fn, conn)
        if self._watch_thread is None:
            self._watch_thread = ThreadPoolExecutor(1, thread_name_prefix="mfos-watch")
        if self._watch_conn is None or self._watch_conn.network.id != conn.network.id:
            from web3 import Web3

            url = conn.network.rpc_url or ""
            self._watch_conn = Connection(conn.network, Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10})))
        lane = self._watch_conn
        return await run_on(self._watch_thread, _translated, fn, lane)

    async def aclose(self) -> None:
        """Close without holding the event loop: an HTTP call in flight finishes (or times out)
        on its own thread; the embedded chain is closed on its thread, awaited, so its folder
        is free before the next vault opens it."""
        devchain, self._devchain, self._conn, self._watch_conn = self._devchain, None, None, None
        if self._watch_thread is not None:
            self._watch_thread.shutdown(wait=False, cancel_futures=True)
        if devchain is not None:
            await asyncio.wrap_future(self._thread.submit(devchain.close))
        self._thread.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Blocking close, for callers without a loop (the node uses aclose)."""
        devchain, self._devchain, self._conn, self._watch_conn = self._devchain, None, None, None
        if self._watch_thread is not None:
            self._watch_thread.shutdown(wait=False, cancel_futures=True)
        if devchain is not None:
            self._thread.submit(devchain.close).result()
        self._thread.shutdown(wait=True)


def _translated(fn: Callable[[Connection], T], conn: Connection) -> T:
    """`fn(conn)` with transport failures turned into NetworkDown (runs on a chain thread)."""
    try:
        return fn(conn)
    except E.RpcError:
        raise
    except (ConnectionError, OSError, TimeoutError) as exc:
        raise NetworkDown(f"The network '{conn.network.name}' is unreachable") from exc
    except Exception as exc:
        if _is_transport_error(exc):
            raise NetworkDown(f"The network '{conn.network.name}' is unreachable") from exc
        raise


def _check_contracts(conn: Connection) -> None:
    from .netcheck import check_contracts
    from .tokens import BadNetworkContract

    try:
        check_contracts(conn)
    except BadNetworkContract as exc:
        raise BadNetworkContract(f"The network was not added: {exc.message[:1].lower()}{exc.message[1:]}") from None
    except (ConnectionError, OSError, TimeoutError) as exc:
        raise NetworkDown(f"The network '{conn.network.name}' is unreachable") from exc


def _contracts(d: dict[str, str] | None) -> Contracts:
    if not d:
        return Contracts()
    from web3 import Web3

    unknown = sorted(set(d) - {"mft", "dai", "weth", "router"})
    if unknown:
        raise E.InvalidParams(f"Unknown contract slot '{str(unknown[0])[:20]}': use mft, dai, weth or router")
    out = {}
    for k in ("mft", "dai", "weth", "router"):
        if d.get(k):
            if not Web3.is_address(d[k]):
                raise E.InvalidParams(f"The {k} contract address is not an address")
            out[k] = Web3.to_checksum_address(d[k])
    return Contracts(**out)


def _is_transport_error(exc: Exception) -> bool:
    import requests

    return isinstance(exc, requests.exceptions.RequestException)
