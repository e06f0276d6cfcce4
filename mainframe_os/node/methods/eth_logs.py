"""Logs and filters for dapps: `eth_getLogs` with the whole filter shape, and the polling filters
(`eth_newFilter`, `eth_newBlockFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
`eth_uninstallFilter`) that ethers and web3.js use to follow events.

On the embedded dev chain, eth-tester understands only part of a filter (a single address string
broke web3's ENS formatter, `blockHash` was unknown), so the node reads the block range's logs and
matches address and topics itself, by the JSON-RPC rules (geth's): `address` is one address or a
list (any of them), `topics[i]` is null (anything), one topic, or a list of topics (any of them).
Real networks get the filter as it came.

Filters live in the node, per caller: an app sees only the filters it created (ids are random),
and never another caller's node-side filter on the shared upstream connection.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..context import CallerContext
from ..registry import PUBLIC, method

if TYPE_CHECKING:
    from ..node import Node

_HEX32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_TAGS = ("latest", "earliest", "pending", "safe", "finalized")
MAX_RANGE = 100_000  # blocks one dev-chain query may scan
MAX_FILTERS = 64  # per caller
FILTER_TTL = 300.0  # seconds without a poll before a filter is dropped (geth: 5 minutes)
MAX_TOPICS = 4


@dataclass(frozen=True)
class LogFilter:
    """A validated filter: lower-case addresses (None = any), topic sets per position."""

    from_block: str | int
    to_block: str | int
    addresses: frozenset[str] | None
    topics: tuple[frozenset[str] | None, ...]
    block_hash: str | None = None

    def matches(self, log: dict[str, Any]) -> bool:
        if self.addresses is not None and str(log.get("address", "")).lower() not in self.addresses:
            return False
        log_topics = [str(t).lower() for t in log.get("topics") or []]
        if len(self.topics) > len(log_topics):
            return False
        return all(want is None or log_topics[i] in want for i, want in enumerate(self.topics))

    def wire(self) -> dict[str, Any]:
        """This filter as JSON-RPC (for real networks, and for ranges on the dev chain)."""
        out: dict[str, Any] = {}
        if self.block_hash:
            out["blockHash"] = self.block_hash
        else:
            out["fromBlock"] = _quantity(self.from_block)
            out["toBlock"] = _quantity(self.to_block)
        if self.addresses is not None:
            out["address"] = sorted(self.addresses)
        if self.topics:
            out["topics"] = [None if t is None else sorted(t) for t in self.topics]
        return out


def _quantity(block: str | int) -> str:
    return hex(block) if isinstance(block, int) else block


def _block(value: Any, what: str) -> str | int:
    if value is None:
        return "latest"
    if isinstance(value, str) and value in _TAGS:
        return value
    if isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{1,16}", value):
        return int(value, 16)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise E.InvalidParams(f"'{what}' must be a block number (0x-hex) or one of {', '.join(_TAGS)}")


def _topic_set(value: Any, i: int) -> frozenset[str] | None:
    if value is None:
        return None
    options = value if isinstance(value, list) else [value]
    if not options:
        return None  # an empty OR-list matches anything, as in geth
    for t in options:
        if not isinstance(t, str) or not _HEX32.match(t):
            raise E.InvalidParams(f"'topics[{i}]' must be null, a 32-byte 0x-hex topic or a list of them")
    return frozenset(t.lower() for t in options)


def parse_filter(raw: Any) -> LogFilter:
    """Check a JSON-RPC log filter object; -32602 naming the field that is wrong."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise E.InvalidParams("the filter must be an object {fromBlock, toBlock, address, topics, blockHash}")
    unknown = set(raw) - {"fromBlock", "toBlock", "address", "topics", "blockHash"}
    if unknown:
        raise E.InvalidParams(f"unknown filter field '{sorted(unknown)[0][:40]}'")
    block_hash = raw.get("blockHash")
    if block_hash is not None:
        if not isinstance(block_hash, str) or not _HEX32.match(block_hash):
            raise E.InvalidParams("'blockHash' must be a 32-byte 0x-hex hash")
        if raw.get("fromBlock") is not None or raw.get("toBlock") is not None:
            raise E.InvalidParams("'blockHash' cannot be combined with 'fromBlock'/'toBlock'")
    address = raw.get("address")
    addresses: frozenset[str] | None = None
    if address is not None:
        listed = address if isinstance(address, list) else [address]
        for a in listed:
            if not isinstance(a, str) or not _ADDRESS.match(a):
                raise E.InvalidParams("'address' must be an address or a list of addresses")
        addresses = frozenset(a.lower() for a in listed) if listed else None
    topics = raw.get("topics") or []
    if not isinstance(topics, list) or len(topics) > MAX_TOPICS:
        raise E.InvalidParams(f"'topics' must be a list of at most {MAX_TOPICS} entries")
    parsed = tuple(_topic_set(t, i) for i, t in enumerate(topics))
    while parsed and parsed[-1] is None:
        parsed = parsed[:-1]  # trailing wildcards change nothing (but a log needs fewer topics)
    return LogFilter(
        _block(raw.get("fromBlock"), "fromBlock"),
        _block(raw.get("toBlock"), "toBlock"),
        addresses,
        parsed,
        block_hash.lower() if block_hash else None,
    )


def _dev_block_number(w3: Any, block: str | int, head: int) -> int:
    if isinstance(block, int):
        return block
    return 0 if block == "earliest" else head


def dev_chain_logs(w3: Any, flt: LogFilter) -> list[dict[str, Any]]:
    """Logs on the embedded chain (runs on the chain thread): the range's logs, matched here."""
    from .ethereum import _devchain_request

    head = int(w3.eth.block_number)
    if flt.block_hash:
        block = _devchain_request(w3, "eth_getBlockByHash", [flt.block_hash, False])
        if block is None:
            raise E.RpcError("unknown block", code=-32000)
        start = end = int(block["number"], 16)
    else:
        start = _dev_block_number(w3, flt.from_block, head)
        end = min(_dev_block_number(w3, flt.to_block, head), head)
    if start > end:
        return []
    if end - start > MAX_RANGE:
        raise E.RpcError(f"query returned more than {MAX_RANGE} blocks: narrow the block range", code=-32005)
    logs = _devchain_request(w3, "eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end)}])
    return [log for log in logs or [] if flt.matches(log)]


async def get_logs(node: Node, flt: LogFilter) -> list[dict[str, Any]]:
    def request(c: Any) -> Any:
        if c.devchain is not None:
            return dev_chain_logs(c.w3, flt)
        from .ethereum import _wire_error

        resp = c.w3.provider.make_request("eth_getLogs", [flt.wire()])
        if "error" in resp:
            raise _wire_error(resp["error"])
        return resp.get("result") or []

    result: list[dict[str, Any]] = await node.session.chain.call(request)
    return result


async def block_number(node: Node) -> int:
    def request(c: Any) -> int:
        return int(c.w3.eth.block_number)

    result: int = await node.session.chain.call(request)
    return result


async def block_hashes(node: Node, start: int, end: int) -> list[str]:
    def request(c: Any) -> list[str]:
        return ["0x" + bytes(c.w3.eth.get_block(n)["hash"]).hex() for n in range(start, end + 1)]

    result: list[str] = await node.session.chain.call(request)
    return result


@method("eth_getLogs", access=PUBLIC, raw_params=True)
async def eth_get_logs(node: Node, ctx: CallerContext, params: list[Any]) -> list[dict[str, Any]]:
    """Logs matching a filter: address (one or a list), topics (null, one, or OR-lists), a block
    range or a blockHash."""
    if not isinstance(params, list) or len(params) != 1:
        raise E.InvalidParams("eth_getLogs takes one filter object")
    return await get_logs(node, parse_filter(params[0]))


# -- polling filters ---------------------------------------------------------------------------------


@dataclass
class PollFilter:
    kind: str  # "logs" | "blocks"
    owner: CallerContext
    next_block: int
    criteria: LogFilter | None = None
    polled: float = field(default_factory=time.monotonic)


class Filters:
    """The node's filters, per caller. One per open vault (`node.session.filters`)."""

    def __init__(self) -> None:
        self.filters: dict[str, PollFilter] = {}

    def add(self, f: PollFilter) -> str:
        self._expire()
        if sum(1 for x in self.filters.values() if x.owner == f.owner) >= MAX_FILTERS:
            raise E.RpcError(f"too many filters (at most {MAX_FILTERS}): uninstall some", code=-32005)
        fid = "0x" + secrets.token_hex(16)
        self.filters[fid] = f
        return fid

    def get(self, fid: Any, owner: CallerContext) -> PollFilter:
        self._expire()
        f = self.filters.get(fid) if isinstance(fid, str) else None
        if f is None or f.owner != owner:
            raise E.RpcError("filter not found", code=-32000)
        f.polled = time.monotonic()
        return f

    def remove(self, fid: Any, owner: CallerContext) -> bool:
        f = self.filters.get(fid) if isinstance(fid, str) else None
        if f is None or f.owner != owner:
            return False
        del self.filters[fid]
        return True

    def _expire(self) -> None:
        cutoff = time.monotonic() - FILTER_TTL
        for fid in [k for k, f in self.filters.items() if f.polled < cutoff]:
            del self.filters[fid]


def _one_id(params: Any) -> Any:
    if not isinstance(params, list) or len(params) != 1:
        raise E.InvalidParams("takes one filter id")
    return params[0]


@method("eth_newFilter", access=PUBLIC, raw_params=True)
async def eth_new_filter(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """A log filter to poll with eth_getFilterChanges (logs of blocks mined after it was made)."""
    if not isinstance(params, list) or len(params) != 1:
        raise E.InvalidParams("eth_newFilter takes one filter object")
    flt = parse_filter(params[0])
    start = await block_number(node) + 1
    if isinstance(flt.from_block, int):
        start = flt.from_block
    return node.session.filters.add(PollFilter("logs", ctx, start, flt))


@method("eth_newBlockFilter", access=PUBLIC, raw_params=True)
async def eth_new_block_filter(node: Node, ctx: CallerContext, params: list[Any]) -> str:
    """A filter whose changes are the hashes of new blocks."""
    return node.session.filters.add(PollFilter("blocks", ctx, await block_number(node) + 1))


@method("eth_getFilterChanges", access=PUBLIC, raw_params=True)
async def eth_get_filter_changes(node: Node, ctx: CallerContext, params: list[Any]) -> list[Any]:
    """What happened since the last poll of a filter: logs, or block hashes."""
    f = node.session.filters.get(_one_id(params), ctx)
    head = await block_number(node)
    if f.next_block > head:
        return []
    start, f.next_block = f.next_block, head + 1
    if f.kind == "blocks":
        return await block_hashes(node, max(start, head - 255), head)
    assert f.criteria is not None
    end = head
    if isinstance(f.criteria.to_block, int):
        end = min(end, f.criteria.to_block)
    rng = LogFilter(start, end, f.criteria.addresses, f.criteria.topics)
    return await get_logs(node, rng) if start <= end else []


@method("eth_getFilterLogs", access=PUBLIC, raw_params=True)
async def eth_get_filter_logs(node: Node, ctx: CallerContext, params: list[Any]) -> list[Any]:
    """Every log matching a log filter's criteria."""
    f = node.session.filters.get(_one_id(params), ctx)
    if f.criteria is None:
        raise E.InvalidParams("not a log filter")
    return await get_logs(node, f.criteria)


@method("eth_uninstallFilter", access=PUBLIC, raw_params=True)
async def eth_uninstall_filter(node: Node, ctx: CallerContext, params: list[Any]) -> bool:
    """Drop a filter; false when there was none (or not the caller's)."""
    return node.session.filters.remove(_one_id(params), ctx)
