"""Signing and sending transactions: one pipeline for every send, swap, approval and dapp request.

    fill (nonce, EIP-1559 fees, gas with a margin) -> check funds -> ask the user (decoded)
    -> sign locally -> record as pending (with the raw bytes) -> broadcast -> track the receipt

The record is written before the broadcast, so a network that drops mid-send loses nothing: the
transaction stays in history as pending and `recheck` finds, re-broadcasts or retires it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from .. import errors as E
from ..events import Event, Notification
from ..prompter import PromptRequest
from .amounts import format_amount
from .chain import ChainService, Connection, NetworkDown
from .describe import apply_edit, describe_transaction
from .store import KeyCache, WalletError, find_account

log = logging.getLogger("mainframe_os.wallet")

GWEI = 10**9
# eth_estimateGas is known to run low for the first Uniswap V2 swap in a block (storage slots
# going from zero to non-zero): this margin was enough on py-evm and on anvil.
GAS_MULTIPLIER_NUM, GAS_MULTIPLIER_DEN, GAS_EXTRA = 5, 4, 20_000
DEFAULT_PRIORITY_FEE = 1 * GWEI


@dataclass(frozen=True)
class TransactionStatusChanged(Event):
    hash: str
    status: str  # pending | confirmed | failed | dropped
    chain_id: int
    error: str | None = None


class InsufficientFunds(WalletError):
    code, default_message = 5003, "Insufficient funds"


class TransactionFailed(WalletError):
    code, default_message = 5004, "The transaction would fail"


def revert_reason(exc: BaseException) -> str:
    """A readable reason from web3's ContractLogicError (or any revert-ish error)."""
    msg = getattr(exc, "message", None) or str(exc)
    if isinstance(msg, tuple):
        msg = msg[0]
    msg = str(msg)
    for prefix in ("execution reverted: ", "execution reverted:", "VM Exception while processing transaction: revert "):
        if prefix in msg:
            msg = msg.split(prefix, 1)[1]
    return msg.strip().strip("'\"") or "reverted"


def _is_revert(exc: BaseException) -> bool:
    from web3.exceptions import ContractLogicError

    if isinstance(exc, ContractLogicError):
        return True
    text = str(exc).lower()
    return "revert" in text or "invalid opcode" in text


def summary(kind: str, details: dict[str, Any]) -> str | None:
    """A transaction in words, for notifications and history: "Sent 0.5 ETH to Bob"."""
    amount, to = details.get("amount"), details.get("to")
    if kind in ("send", "token") and amount:
        who = str(to).split(" (")[0] if to else None
        return f"Sent {amount}" + (f" to {who}" if who else "")
    if kind == "receive" and amount:
        return f"Received {amount}" + (f" from {details.get('from')}" if details.get("from") else "")
    if kind == "swap" and details.get("you pay"):
        return f"Swap of {details['you pay']}"
    if kind == "approve":
        return "Token approval"
    if details.get("call"):
        return f"Contract call {details['call']}"
    return None


class TxService:
    def __init__(self, node: Any) -> None:
        self.node = node
        self.chain = ChainService.of(node)
        self._trackers: set[asyncio.Task[Any]] = set()

    @classmethod
    def of(cls, node: Any) -> TxService:
        svc = node.services.get("vault:txs")
        if svc is None:
            svc = node.services["vault:txs"] = cls(node)
        return svc

    # -- the pipeline ---------------------------------------------------------------------------

    async def send(
        self,
        ctx: Any,
        identity_id: str,
        tx: dict[str, Any],
        *,
        kind: str,
        title: str,
        details: dict[str, Any],
        wait: bool = True,
        description: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Fill, confirm with the user, sign, record and broadcast `tx` (to, value, data, from?).

        The user sees `description` (default: the transaction decoded by wallet/describe.py); when
        they lower an allowance in it, the calldata signed is re-encoded with their amount."""
        account = await self.node.db(lambda s: find_account(s, identity_id, tx.get("from")))
        sender = account.address
        filled = await self.chain.call(lambda c: self._fill(c, dict(tx, **{"from": sender})))
        conn = await self.chain.connection()
        fee_max = filled["gas"] * filled["maxFeePerGas"]
        shown = {
            "network": conn.network.name,
            "from": f"{account.name} ({sender})",
            **details,
            "max fee": f"{format_amount(fee_max, 18, 8)} ETH",
        }
        if description is None:
            description = await self._describe(identity_id, filled)
        answer = await self.node.prompter.ask(PromptRequest("transaction", ctx, title, shown, description=description))
        if not answer.approved:
            raise E.UserRejected("You rejected the transaction")
        edited = apply_edit(description, str(filled.get("data") or ""), answer.data)
        if edited is not None:
            filled["data"], details = edited[0], {**details, "allowance": edited[1]}

        def sign(s: Any) -> tuple[str, bytes]:
            from eth_account import Account

            acct = find_account(s, identity_id, sender)
            signed = Account.sign_transaction(filled, KeyCache.of(self.node).key(s, acct))
            return "0x" + bytes(signed.hash).hex(), bytes(signed.raw_transaction)

        tx_hash, raw = await self.node.db(sign)
        record = {
            "hash": tx_hash,
            "from": sender,
            "to": filled.get("to"),
            "nonce": filled["nonce"],
            "value": str(filled.get("value", 0)),
            "kind": kind,
            "details": details,
        }
        await self._record(identity_id, conn.network.chain_id, record, raw)
        try:
            await self.chain.call(lambda c: c.w3.eth.send_raw_transaction(raw))
        except NetworkDown as exc:
            raise NetworkDown(
                f"{exc.message}. The signed transaction is kept in history as pending and will be re-checked.",
                {"hash": tx_hash},
            ) from None
        except Exception as exc:  # noqa: BLE001 - a refusal by the node: record it as failed
            reason = revert_reason(exc)
            await self._update(conn.network.chain_id, tx_hash, "failed", reason)
            raise TransactionFailed(f"The network refused the transaction: {reason}", {"hash": tx_hash}) from None
        status = "pending"
        if wait:
            status = await self._track_once(conn.network.chain_id, tx_hash, quick=True)
        if status == "pending":
            self._spawn_tracker(conn.network.chain_id, tx_hash)
        return {"hash": tx_hash, "status": status, "from": sender, "nonce": filled["nonce"]}

    async def _describe(self, identity_id: str, tx: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return await describe_transaction(self.node, identity_id, tx)
        except NetworkDown:
            raise
        except Exception:  # a description is help for the user, never a reason to lose a send
            log.exception("could not describe a transaction")
            return None

    def _fill(self, c: Connection, tx: dict[str, Any]) -> dict[str, Any]:
        from web3 import Web3

        w3 = c.w3
        sender = Web3.to_checksum_address(tx["from"])
        out: dict[str, Any] = {
            "from": sender,
            "value": int(tx.get("value") or 0),
            "chainId": c.network.chain_id,
            "nonce": w3.eth.get_transaction_count(sender, "pending"),
            "type": 2,
        }
        if tx.get("to"):
            out["to"] = Web3.to_checksum_address(tx["to"])
        if tx.get("data") and tx["data"] not in ("0x", b""):
            out["data"] = tx["data"]
        latest = w3.eth.get_block("latest")
        base = int(latest.get("baseFeePerGas") or GWEI)
        try:
            tip = int(w3.eth.max_priority_fee)
        except Exception:  # noqa: BLE001 - eth-tester lacks eth_maxPriorityFeePerGas
            tip = DEFAULT_PRIORITY_FEE
        out["maxPriorityFeePerGas"] = int(tx.get("maxPriorityFeePerGas") or tip)
        out["maxFeePerGas"] = int(tx.get("maxFeePerGas") or (2 * base + out["maxPriorityFeePerGas"]))
        if tx.get("gas"):
            out["gas"] = int(tx["gas"])
        elif "data" not in out and "to" in out and not w3.eth.get_code(out["to"]):
            out["gas"] = 21_000  # plain ETH to an account without code: no need to run the EVM
        else:
            probe = {k: v for k, v in out.items() if k in ("from", "to", "value", "data")}
            try:
                estimate = int(w3.eth.estimate_gas(probe))
            except Exception as exc:
                if _is_revert(exc):
                    raise TransactionFailed(f"The transaction would fail: {revert_reason(exc)}") from None
                text = str(exc).lower()
                # geth/anvil say "insufficient funds"; py-evm "does not have enough balance"
                if "insufficient funds" in text or "enough balance" in text:
                    raise InsufficientFunds("Insufficient funds for this transaction") from None
                raise
            plain_transfer = "data" not in out and estimate == 21_000
            out["gas"] = estimate if plain_transfer else estimate * GAS_MULTIPLIER_NUM // GAS_MULTIPLIER_DEN + GAS_EXTRA
        balance = int(w3.eth.get_balance(sender))
        need = out["value"] + out["gas"] * out["maxFeePerGas"]
        if balance < need:
            raise InsufficientFunds(
                f"Insufficient funds: this needs up to {format_amount(need, 18, 6)} ETH "
                f"(amount + fee), the account has {format_amount(balance, 18, 6)} ETH"
            )
        return out

    # -- history --------------------------------------------------------------------------------

    async def _record(self, identity_id: str, chain_id: int, r: dict[str, Any], raw: bytes) -> None:
        from vault.models import TxRecord

        now = time.time()
        await self.node.db(
            lambda s: s.add(
                TxRecord(
                    id=uuid.uuid4().hex,
                    identity_id=identity_id,
                    chain_id=chain_id,
                    hash=r["hash"],
                    from_address=r["from"],
                    to_address=r["to"],
                    nonce=r["nonce"],
                    value=r["value"],
                    kind=r["kind"],
                    status="pending",
                    raw=raw,
                    details=r["details"],
                    created_at=now,
                    updated_at=now,
                )
            )
        )

    async def _update(
        self,
        chain_id: int,
        tx_hash: str,
        status: str,
        error: str | None = None,
        block: int | None = None,
        fee: int | None = None,
    ) -> None:
        from sqlalchemy import select

        from vault.models import TxRecord

        def update(s: Any) -> str | None:
            """The changed record's summary ("0.5 ETH to Bob"), or None when nothing changed."""
            recs = s.scalars(
                select(TxRecord).where(
                    TxRecord.chain_id == chain_id, TxRecord.hash == tx_hash, TxRecord.kind != "receive"
                )
            ).all()
            changed = None
            for rec in recs:
                if rec.status == status:
                    continue
                rec.status, rec.error, rec.updated_at = status, error, time.time()
                if block is not None:
                    rec.block_number = block
                if fee is not None:
                    rec.fee = str(fee)
                if status != "pending":
                    rec.raw = None  # final: nothing left to re-broadcast
                changed = summary(rec.kind, rec.details or {}) or f"Transaction {tx_hash[:10]}…"
            return changed

        what = await self.node.db(update)
        if what is not None:
            self.node.events.emit(TransactionStatusChanged(tx_hash, status, chain_id, error))
            if status in ("confirmed", "failed"):
                title = "Transaction confirmed" if status == "confirmed" else "Transaction failed"
                body = what + (f": {error}" if error else "")
                self.node.events.emit(
                    Notification(title, body, "success" if status == "confirmed" else "error", "wallet")
                )

    async def _track_once(self, chain_id: int, tx_hash: str, quick: bool = False) -> str:
        def check(c: Connection) -> tuple[str, str | None, int | None, int | None]:
            from web3.exceptions import TransactionNotFound

            try:
                rcpt = c.w3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                return "pending", None, None, None
            fee = int(rcpt["gasUsed"]) * int(rcpt.get("effectiveGasPrice") or 0)
            if rcpt["status"] == 1:
                return "confirmed", None, rcpt["blockNumber"], fee
            return "failed", self._failure_reason(c, tx_hash, rcpt), rcpt["blockNumber"], fee

        try:
            status, error, block, fee = await self.chain.call(check)
        except NetworkDown:
            return "pending"
        if status != "pending":
            await self._update(chain_id, tx_hash, status, error, block, fee)
        return status

    @staticmethod
    def _failure_reason(c: Connection, tx_hash: str, rcpt: Any) -> str:
        """The revert reason, read at the transaction's own position in its block (wallet/revert.py)."""
        from .revert import failure_reason

        return failure_reason(c, tx_hash, rcpt)

    def _spawn_tracker(self, chain_id: int, tx_hash: str) -> None:
        async def track() -> None:
            delay = 1.0
            for _ in range(600):
                await asyncio.sleep(delay)
                if self.node.vault is None:
                    return
                if await self._track_once(chain_id, tx_hash) != "pending":
                    return
                delay = min(delay * 1.5, 15.0)

        task = asyncio.get_running_loop().create_task(track())
        self._trackers.add(task)
        task.add_done_callback(self._trackers.discard)

    async def recheck(self, identity_id: str | None = None) -> dict[str, int]:
        """Pending records after a restart or an outage: confirm, re-broadcast, or retire them."""
        from sqlalchemy import select

        from vault.models import TxRecord

        # the chain id comes from settings: with nothing pending, no connection is opened at all
        chain_id = (await self.chain.network()).chain_id
        stmt = select(TxRecord.hash, TxRecord.raw, TxRecord.from_address, TxRecord.nonce).where(
            TxRecord.chain_id == chain_id, TxRecord.status == "pending"
        )
        if identity_id:
            stmt = stmt.where(TxRecord.identity_id == identity_id)
        pending = await self.node.db(lambda s: s.execute(stmt).all())
        counts = {"confirmed": 0, "failed": 0, "rebroadcast": 0, "dropped": 0, "pending": 0}
        for tx_hash, raw, sender, nonce in pending:
            status = await self._track_once(chain_id, tx_hash)
            if status != "pending":
                counts[status] += 1
                continue

            def known_or_resend(
                c: Connection, tx_hash: str = tx_hash, raw: bytes = raw, sender: str = sender, nonce: int = nonce
            ) -> str:
                from web3.exceptions import TransactionNotFound

                try:
                    c.w3.eth.get_transaction(tx_hash)
                    return "pending"
                except TransactionNotFound:
                    pass
                if c.w3.eth.get_transaction_count(sender, "latest") > nonce:
                    return "dropped"  # another transaction took this nonce
                if raw:
                    c.w3.eth.send_raw_transaction(raw)
                    return "rebroadcast"
                return "dropped"

            try:
                outcome = await self.chain.call(known_or_resend)
            except NetworkDown:
                counts["pending"] += 1
                continue
            except Exception as exc:  # noqa: BLE001 - the node refused the old bytes
                await self._update(chain_id, tx_hash, "failed", revert_reason(exc))
                counts["failed"] += 1
                continue
            if outcome == "dropped":
                await self._update(chain_id, tx_hash, "dropped", "replaced or dropped by the network")
            elif outcome == "rebroadcast":
                if await self._track_once(chain_id, tx_hash, quick=True) == "pending":
                    self._spawn_tracker(chain_id, tx_hash)
            counts[outcome] += 1
        return counts

    def close(self) -> None:
        for t in list(self._trackers):
            t.cancel()
