"""Payments received: new blocks are scanned for ETH and token transfers to the vault's accounts.

Each one becomes a "receive" record in the receiving identity's history, a PaymentReceived
event, and a notification. The last block scanned is kept per chain in the vault, so nothing is
announced twice across restarts.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..events import Notification, PaymentReceived
from .amounts import format_amount
from .chain import Connection, NetworkDown
from .tokens import known_tokens

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger("mainframe_os.watcher")

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
MAX_BLOCKS_PER_SCAN = 500
SETTING = "watch.lastBlock.{chain_id}"


@dataclass(frozen=True)
class Incoming:
    identity_id: str
    address: str
    sender: str
    value: int
    symbol: str
    decimals: int
    hash: str
    block: int


class PaymentWatcher:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.chain = node.session.chain
        self._task: asyncio.Task[None] | None = None

    def start(self, interval: float = 3.0) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(interval))

    async def _run(self, interval: float) -> None:
        while self.node.vault is not None:
            try:
                # Wait for something else to open the chain: on the embedded chain only this
                # process makes blocks, and the last scanned block is kept, so nothing is missed,
                # while an idle launcher keeps web3 and py-evm out of memory.
                if self.chain.connected:
                    await self.scan()
            except NetworkDown:
                pass  # the banner says so; try again next round
            except Exception:  # noqa: BLE001 - a watcher must not die on one bad block
                log.exception("payment scan failed")
            await asyncio.sleep(interval)

    async def scan(self) -> list[Incoming]:
        """Scan blocks since the last scan; returns what was received (and announces it)."""
        from sqlalchemy import select

        from vault.models import Account

        v = self.node.require_vault()
        conn = await self.chain.connection()
        key = SETTING.format(chain_id=conn.network.chain_id)
        ours = await self.node.db(
            lambda s: {a.address.lower(): (a.identity_id, a.address) for a in s.scalars(select(Account))}
        )
        last = await self.node.on_vault_thread(v.get_setting, key, None)
        head = await self.chain.watch_call(lambda c: int(c.w3.eth.block_number))
        if last is None:
            last = head  # a new vault announces only what arrives from now on
            await self.node.on_vault_thread(v.set_setting, key, last)
            return []
        if head <= last or not ours:
            if head > last:
                await self.node.on_vault_thread(v.set_setting, key, head)
            return []
        start, end = last + 1, min(head, last + MAX_BLOCKS_PER_SCAN)
        found: list[Incoming] = []
        for n in range(start, end + 1):  # one block per call: a send never waits for a whole scan
            found += await self.chain.watch_call(functools.partial(_scan_block, n=n, ours=ours))
        found += await self.chain.watch_call(lambda c: _scan_logs(c, start, end, ours))
        await self._record(conn.network.chain_id, found)
        await self.node.on_vault_thread(v.set_setting, key, end)
        for f in found:
            amount = format_amount(f.value, f.decimals, 6)
            self.node.events.emit(PaymentReceived(f.identity_id, f.address, f.sender, amount, f.symbol, f.hash))
            self.node.events.emit(
                Notification("Payment received", f"{amount} {f.symbol} from {f.sender[:10]}…", "success", "wallet")
            )
        return found

    async def _record(self, chain_id: int, found: list[Incoming]) -> None:
        from sqlalchemy import select

        from vault.models import TxRecord

        def write(s: Any) -> None:
            now = time.time()
            for f in found:
                exists = s.scalars(
                    select(TxRecord.id).where(
                        TxRecord.identity_id == f.identity_id,
                        TxRecord.chain_id == chain_id,
                        TxRecord.hash == f.hash,
                        TxRecord.kind == "receive",
                    )
                ).first()
                if exists:
                    continue
                s.add(
                    TxRecord(
                        id=uuid.uuid4().hex,
                        identity_id=f.identity_id,
                        chain_id=chain_id,
                        hash=f.hash,
                        from_address=f.sender,
                        to_address=f.address,
                        nonce=0,
                        value=str(f.value) if f.symbol == "ETH" else "0",
                        kind="receive",
                        status="confirmed",
                        details={
                            "amount": f"{format_amount(f.value, f.decimals)} {f.symbol}",
                            "from": f.sender,
                            "token": f.symbol,
                        },
                        block_number=f.block,
                        created_at=now,
                        updated_at=now,
                    )
                )

        if found:
            await self.node.db(write)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


def _scan_block(c: Connection, *, n: int, ours: dict[str, tuple[str, str]]) -> list[Incoming]:
    """ETH received in block `n`."""
    from web3 import Web3

    out: list[Incoming] = []
    block = c.w3.eth.get_block(n, full_transactions=True)
    for tx in block["transactions"]:
        assert not isinstance(tx, bytes)  # full_transactions=True gives objects, not hashes
        to = (tx.get("to") or "").lower()
        # between one identity's own accounts it is a move, not a payment
        if to in ours and int(tx["value"]) > 0 and ours.get(tx["from"].lower(), ("",))[0] != ours[to][0]:
            ident, addr = ours[to]
            out.append(
                Incoming(
                    ident,
                    addr,
                    Web3.to_checksum_address(tx["from"]),
                    int(tx["value"]),
                    "ETH",
                    18,
                    "0x" + bytes(tx["hash"]).hex(),
                    n,
                )
            )
    return out


def _scan_logs(c: Connection, start: int, end: int, ours: dict[str, tuple[str, str]]) -> list[Incoming]:
    """Known tokens received in blocks `start`..`end` (one eth_getLogs)."""
    from web3 import Web3

    w3 = c.w3
    out: list[Incoming] = []
    tokens = {t.address.lower(): t for t in known_tokens(c) if t.address}
    if tokens:
        logs = w3.eth.get_logs(
            {
                "fromBlock": start,
                "toBlock": end,
                "address": [Web3.to_checksum_address(a) for a in tokens],
                "topics": [TRANSFER_TOPIC],
            }
        )
        for lg in logs:
            topics = lg["topics"]
            if len(topics) < 3:
                continue
            to = "0x" + bytes(topics[2])[-20:].hex()
            sender = "0x" + bytes(topics[1])[-20:].hex()
            if to not in ours or ours.get(sender, ("",))[0] == ours[to][0]:
                continue  # moving tokens between one identity's own accounts is not a payment
            t = tokens[lg["address"].lower()]
            ident, addr = ours[to]
            out.append(
                Incoming(
                    ident,
                    addr,
                    Web3.to_checksum_address(sender),
                    int.from_bytes(bytes(lg["data"]), "big"),
                    t.symbol,
                    t.decimals,
                    "0x" + bytes(lg["transactionHash"]).hex(),
                    int(lg["blockNumber"]),
                )
            )
    return out
