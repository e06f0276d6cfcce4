"""Signing and sending transactions: one pipeline for every send, swap, approval and dapp request.

    fill (EIP-1559 or legacy fees, gas with a margin) -> check funds -> ask the user (decoded,
    with a warning when the call will most likely fail)
    -> under the sender's lock: settle interrupted sends, take the nonce, sign, record as
       "signed" (with the raw bytes), broadcast
    -> "pending" -> track the receipt

The nonce is taken after the user approved, under one lock per (chain, sender) held until the
broadcast: two sends approved while each other's dialog was open never share a nonce, and two
identical sends are two transactions. The record is written before the broadcast, so nothing is
lost: a network that drops mid-send leaves it "pending" for `recheck`, and a process killed
before the broadcast leaves it "signed", settled on the next start (interrupted.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from .. import errors as E
from ..events import Notification
from ..faults import crash_point
from ..prompter import SEND_ANYWAY, PromptRequest
from . import interrupted as I
from . import rpc
from .amounts import format_amount
from .chain import ChainService, Connection, NetworkDown
from .describe import addresses_of, apply_edit, describe_or_none
from .fill import Filled, InsufficientFunds, TransactionFailed, fill, is_revert, revert_reason
from .history import TransactionStatusChanged, record_signed, set_status, summary
from .outcome import Sent, broadcast_and_record, receipt_outcome
from .parties import vault_facts, wanted_addresses
from .signing import sign
from .store import SeedCache, Signer, account_rows, find_account, signing_key

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress, HexStr

__all__ = [
    "InsufficientFunds",
    "TransactionFailed",
    "TransactionStatusChanged",
    "TxService",
    "revert_reason",
    "summary",
]

log = logging.getLogger("mainframe_os.wallet")
# runs on the chain thread just before a fill: raises to refuse, or returns fields for the tx
Check = Callable[["Connection", str], dict[str, Any]]

_ = is_revert  # re-exported for callers that classify errors


def failing_warning(reason: str) -> str:
    return f"This transaction will most likely fail: {reason}. A failed transaction still costs its fee."


FAILING_HOW = (
    "Only an explicit 'Send anyway' sends it: the button in the launcher's dialog, or on the command "
    "line --send-failing together with --yes. Scripts and a node with no one to ask refuse it."
)


class TxService:
    def __init__(self, node: Any) -> None:
        self.node = node
        self.chain = ChainService.of(node)
        self._trackers: set[asyncio.Task[Any]] = set()
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}
        self._next_nonce: dict[tuple[int, str], int] = {}  # after this process's own broadcasts
        self._settled: set[tuple[int, str]] = set()  # senders whose interrupted sends were settled
        self._inflight: set[str] = set()  # hashes recorded as "signed" by a send still running
        self._paid: dict[str, set[str]] = {}  # per identity: addresses it paid before (parties.vault_facts)

    @classmethod
    def of(cls, node: Any) -> TxService:
        """The open vault's send pipeline: `node.session.txs`."""
        return node.session.txs

    def sender_lock(self, chain_id: int, sender: str) -> asyncio.Lock:
        """One lock per (chain, sender), held from taking the nonce to the broadcast."""
        return self._locks.setdefault((chain_id, sender.lower()), asyncio.Lock())

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
        approved: bool = False,
        description: dict[str, Any] | None = None,
        may_fail: bool = False,
        check: Check | None = None,
    ) -> dict[str, Any]:
        """Fill, confirm with the user, sign, record and broadcast `tx` (to, value, data, from?,
        gas?, gasPrice? or maxFeePerGas?/maxPriorityFeePerGas?). `approved`: the user already approved
        this transaction as part of a batch (EIP-5792).

        The user sees `description` (default: the transaction decoded by wallet/describe.py); when
        they lower an allowance in it, the calldata signed is re-encoded with their amount.
        A call whose estimate reverts is refused with the reason, unless `may_fail` (a dapp's
        request, as in MetaMask): then the user is warned and decides ("send anyway").
        `check(connection, sender)` runs on the chain thread just before the fill, in the same
        call: it raises to refuse (a token balance too low) or returns fields for `tx` (a gas limit)."""
        conn = await self.chain.connection()
        chain_id = conn.network.chain_id
        # The description (vault and chain reads) is built in the same call on the chain thread
        # as the sender's look-up and the fill: one hop and one vault session for all three.
        describe = description is None and not approved
        sender, signer, name, request, retry, filled, described = await self._sender_and_fill(
            identity_id, chain_id, tx, check, describe
        )
        if retry is not None:
            again = await self._answer_retry(chain_id, sender, retry)
            if again is not None:
                return again
        if filled is None:  # a retry of a send that never went out: this request is the payment
            filled = await self.chain.call(lambda c: _fill_checked(c, tx, sender, check))
        if filled.will_fail is not None and not may_fail:
            raise TransactionFailed(f"The transaction would fail: {filled.will_fail}", {"reason": filled.will_fail})
        shown, choices = _prompt_details(conn.network.name, f"{name} ({sender})", details, filled)
        description = described if describe else description
        choice, answer_data = None, None  # `approved`: the user approved it already in a batch (EIP-5792)
        if not approved:
            answer = await self.node.prompter.ask(
                PromptRequest("transaction", ctx, title, shown, choices, description=description)
            )
            if not answer.approved:
                raise E.UserRejected("You rejected the transaction")
            choice, answer_data = answer.choice, answer.data
        if filled.will_fail is not None and choice != SEND_ANYWAY:
            raise TransactionFailed(
                f"Not sent: {failing_warning(filled.will_fail)} {FAILING_HOW}", {"reason": filled.will_fail}
            )
        edited = apply_edit(description, str(filled.tx.get("data") or ""), answer_data)
        if edited is not None:  # the user lowered an allowance: sign their amount, not the dapp's
            filled.tx["data"], details = edited[0], {**details, "allowance": edited[1]}
        # Approved: from here the payment completes even if the caller goes away (a closed
        # socket, a cancelled task); only a killed process stops it, and that is settled later.
        work = asyncio.get_running_loop().create_task(
            self._complete(
                identity_id, chain_id, sender, signer, filled, kind, {**details, I.REQUEST_KEY: request}, wait
            )
        )
        self._trackers.add(work)
        work.add_done_callback(self._trackers.discard)
        return await asyncio.shield(work)

    async def _sender_and_fill(
        self, identity_id: str, chain_id: int, tx: dict[str, Any], check: Check | None, describe: bool
    ) -> tuple[str, Signer, str, str, I.Retry | None, Filled | None, dict[str, Any] | None]:
        """The sender (from the vault), where its key comes from (signing looks nothing up again),
        its name, the request's key, an interrupted send it repeats if any, the fill (none when it
        repeats one) and, with `describe`, the description the user will see: one call on the
        chain thread, as the vault's connections serve any thread, without a hop back to the loop
        between the look-up, the fill and the description."""
        vault = self.node.require_vault()
        inflight = self._inflight  # read live on the chain thread: a concurrent send adds to it there
        shown = _as_signed(tx)
        wanted = wanted_addresses(addresses_of(shown)) if describe else []

        def run(c: Connection) -> tuple[str, Signer, str, str, I.Retry | None, Filled | None, dict[str, Any] | None]:
            with vault.sql(write=False) as conn:  # plain SQL: these reads run before every prompt
                accounts = account_rows(conn, identity_id)  # read once for the sender and the description
                acct = find_account(None, identity_id, tx.get("from"), accounts)
                sender, signer, name = acct.address, Signer.of(acct), acct.name
                key = I.request_key(sender, tx)
                retry = I.find_retry(conn, identity_id, chain_id, sender, key, inflight)
                paid = self._paid.setdefault(identity_id, set())
                known = vault_facts(conn, identity_id, wanted, paid, accounts) if wanted else {}
            filled = None if retry is not None else _fill_checked(c, tx, sender, check)
            return sender, signer, name, key, retry, filled, describe_or_none(c, shown, known) if describe else None

        return await self.chain.call(run)

    async def _complete(
        self,
        identity_id: str,
        chain_id: int,
        sender: str,
        signer: Signer,
        filled: Filled,
        kind: str,
        details: dict[str, Any],
        wait: bool,
    ) -> dict[str, Any]:
        sent = await self._sign_and_broadcast(identity_id, chain_id, sender, signer, filled, kind, details, wait)
        try:
            if sent.status == "pending":
                self._spawn_tracker(chain_id, sent.hash)
        finally:
            self._inflight.discard(sent.hash)
        return {"hash": sent.hash, "status": sent.status, "from": sender, "nonce": sent.nonce}

    async def describe(self, identity_id: str, tx: dict[str, Any]) -> dict[str, Any] | None:
        """What the user will be shown for `tx` (describe.py), or None when it cannot be built."""
        shown = _as_signed(tx)
        wanted = wanted_addresses(addresses_of(shown))
        vault = self.node.require_vault()

        def run(c: Connection) -> dict[str, Any] | None:
            with vault.sql(write=False) as conn:
                known = vault_facts(conn, identity_id, wanted) if wanted else {}
            return describe_or_none(c, shown, known)

        return await self.chain.call(run)

    async def _sign_and_broadcast(
        self,
        identity_id: str,
        chain_id: int,
        sender: str,
        signer: Signer,
        filled: Filled,
        kind: str,
        details: dict[str, Any],
        wait: bool = False,
    ) -> Sent:
        """Take the nonce, sign, record as "signed" (committed), broadcast, read the receipt with
        `wait` (a dev chain mines at once) and record the status: one call on the chain thread (a
        hop between threads costs more than a step on a busy machine). The "signed" event runs on
        the loop before the status events and the answer: handed over once the record is committed
        on a remote network (its broadcast may take seconds), announced after the call returns on
        the embedded chain (it broadcasts and mines within milliseconds: waking the loop meanwhile
        only took the GIL from the send)."""
        key = (chain_id, sender.lower())
        async with self.sender_lock(chain_id, sender):
            if key not in self._settled:
                await self.settle_interrupted(chain_id, sender, locked=True)
            vault = self.node.require_vault()
            seeds = SeedCache.of(self.node)  # taken here, on the loop: a lock meanwhile drops it
            known_next = self._next_nonce.get(key, 0)
            loop = asyncio.get_running_loop()
            signed_event = self.node.events.emit
            recorded: list[str] = []  # the hash, once its record is committed
            handed_over: list[bool] = []  # once the chain thread handed the "signed" event to the loop

            def sign_and_send(c: Connection) -> tuple[Sent, int]:
                # A node behind a load balancer may not count what we just sent: never go below it.
                tx = dict(filled.tx, nonce=max(rpc.pending_nonce(c, sender), known_next))
                builder = c.devchain.transaction_builder if c.devchain is not None else None
                with vault.sql() as conn:  # durable: committed and fsynced before the broadcast
                    tx_hash, raw = sign(tx, signing_key(conn, signer, seeds), builder)
                    self._inflight.add(tx_hash)  # before the commit: never mistaken for an interrupted send
                    record_signed(conn, identity_id, chain_id, tx_hash, tx, kind, details, raw)
                recorded.append(tx_hash)
                if c.devchain is None:
                    loop.call_soon_threadsafe(signed_event, TransactionStatusChanged(tx_hash, "signed", chain_id))
                    handed_over.append(True)
                crash_point("tx-recorded")  # fault-injection tests: killed between record and broadcast
                mine = (identity_id, kind, details)
                return broadcast_and_record(c, vault, chain_id, tx_hash, raw, wait, mine), int(tx["nonce"])

            try:
                sent, nonce = await self.chain.call(sign_and_send)
            except BaseException:
                if recorded:
                    self._announce_signed(chain_id, recorded, handed_over)
                    self._settled.discard(key)  # unknown whether it went out: the next send checks
                    self._inflight.discard(recorded[0])
                raise
            tx_hash = sent.hash
            self._announce_signed(chain_id, recorded, handed_over)
            self._announce(chain_id, tx_hash, sent.status, sent.error, sent.what)
            if sent.down is not None:
                self._inflight.discard(tx_hash)
                raise NetworkDown(
                    f"{sent.down}. The signed transaction is kept in history as pending and will be re-checked.",
                    {"hash": tx_hash},
                )
            if sent.refused:
                self._inflight.discard(tx_hash)
                raise TransactionFailed(f"The network refused the transaction: {sent.error}", {"hash": tx_hash})
            self._next_nonce[key] = nonce + 1
            return Sent(tx_hash, nonce, sent.status)

    def _announce_signed(self, chain_id: int, recorded: list[str], handed_over: list[bool]) -> None:
        """The "signed" event of a committed record, unless the chain thread handed it over."""
        if recorded and not handed_over:
            self.node.events.emit(TransactionStatusChanged(recorded[0], "signed", chain_id))

    # -- interrupted sends ----------------------------------------------------------------------

    async def settle_interrupted(self, chain_id: int, sender: str | None = None, *, locked: bool = False) -> int:
        """Settle "signed" records no running send owns (see interrupted.py); how many."""
        skip = set(self._inflight)
        recs = await self.node.db(lambda s: I.interrupted_records(s, chain_id, sender, skip))
        for rec in recs:
            if locked:
                await self._settle_one(chain_id, rec)
            else:
                async with self.sender_lock(chain_id, rec.sender):
                    await self._settle_one(chain_id, rec)
        if sender is not None:
            self._settled.add((chain_id, sender.lower()))
        return len(recs)

    async def _settle_one(self, chain_id: int, rec: I.Interrupted) -> None:
        try:
            outcome, error = await self.chain.call(lambda c: I.settle_on_chain(c, rec))
        except NetworkDown:
            return  # stays "signed": settled when the network is back
        what = await self.node.db(lambda s: I.mark_settled(s, chain_id, rec.hash, outcome, error))
        status = "pending" if outcome.startswith("sent") else outcome
        self.node.events.emit(TransactionStatusChanged(rec.hash, status, chain_id, error))
        self.node.events.emit(I.TransactionRecovered(rec.hash, chain_id, outcome, what or ""))
        title = "An interrupted payment was sent" if status == "pending" else "An interrupted payment was not sent"
        body = f"{what}: {I.OUTCOME_TEXT[outcome]}" if what else I.OUTCOME_TEXT[outcome]
        self.node.events.emit(Notification(title, body, "info" if status == "pending" else "warning", "wallet"))
        if status == "pending" and await self._track_once(chain_id, rec.hash) == "pending":
            self._spawn_tracker(chain_id, rec.hash)

    async def _answer_retry(self, chain_id: int, sender: str, retry: I.Retry) -> dict[str, Any] | None:
        """A request that repeats an interrupted send: the answer is that send, if it went out."""
        if retry.status == "signed":
            async with self.sender_lock(chain_id, sender):
                await self.settle_interrupted(chain_id, sender, locked=True)
        claimed = await self.node.db(lambda s: I.claim(s, chain_id, retry.hash))
        if claimed is None or claimed[0] not in ("pending", "confirmed"):
            return None  # it never went out: this request is the payment
        status = claimed[0]
        if status == "pending":
            status = await self._track_once(chain_id, retry.hash)
        return {"hash": retry.hash, "status": status, "from": sender, "nonce": claimed[1], "repeated": True}

    # -- before the prompt (estimates) ----------------------------------------------------------

    async def fill(self, tx: dict[str, Any]) -> Filled:
        """Fees and gas for `tx` (with its "from"), as a send would fill them; nothing is sent."""
        return await self.chain.call(lambda c: fill(c, tx))

    # -- history --------------------------------------------------------------------------------

    async def _update(
        self,
        chain_id: int,
        tx_hash: str,
        status: str,
        error: str | None = None,
        block: int | None = None,
        fee: int | None = None,
    ) -> None:
        what = await self.node.db(lambda s: set_status(s, chain_id, tx_hash, status, error, block, fee))
        self._announce(chain_id, tx_hash, status, error, what)

    def _announce(self, chain_id: int, tx_hash: str, status: str, error: str | None, what: str | None) -> None:
        """The events of a status change `set_status` made (`what`: the record's summary; None
        when the record already had that status)."""
        if what is None:
            return
        self.node.events.emit(TransactionStatusChanged(tx_hash, status, chain_id, error))
        if status in ("confirmed", "failed"):
            title = "Transaction confirmed" if status == "confirmed" else "Transaction failed"
            body = what + (f": {error}" if error else "")
            self.node.events.emit(Notification(title, body, "success" if status == "confirmed" else "error", "wallet"))

    async def _track_once(self, chain_id: int, tx_hash: str) -> str:
        try:
            outcome = await self.chain.call(lambda c: receipt_outcome(c, tx_hash))
        except NetworkDown:
            return "pending"
        if outcome[0] != "pending":
            await self._update(chain_id, tx_hash, *outcome)
        return outcome[0]

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
        await self.settle_interrupted(chain_id)  # sends killed before their broadcast
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
                    c.w3.eth.get_transaction(cast("HexStr", tx_hash))
                    return "pending"
                except TransactionNotFound:
                    pass
                if c.w3.eth.get_transaction_count(cast("ChecksumAddress", sender), "latest") > nonce:
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
                self._next_nonce.pop((chain_id, sender.lower()), None)  # the chain's count is right again
            elif outcome == "rebroadcast":
                if await self._track_once(chain_id, tx_hash) == "pending":
                    self._spawn_tracker(chain_id, tx_hash)
            counts[outcome] += 1
        return counts

    def close(self) -> None:
        for t in list(self._trackers):
            t.cancel()


def _fill_checked(c: Connection, tx: dict[str, Any], sender: str, check: Check | None) -> Filled:
    return fill(c, {**tx, "from": sender, **(check(c, sender) if check else {})})


def _as_signed(tx: dict[str, Any]) -> dict[str, Any]:
    """What fill() keeps of a request's to/value/data, for describing it to the user."""
    data = tx.get("data")
    return {"to": tx.get("to"), "value": int(tx.get("value") or 0), "data": data if data not in ("0x", b"") else None}


def _prompt_details(
    network: str, sender: str, details: dict[str, Any], filled: Filled
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """What the approval shows beside the decoded transaction (network, sender, fee, a warning
    when it would fail) and the choices it offers ("send anyway" only then)."""
    shown = {"network": network, "from": sender, **details}
    shown["max fee"] = f"{format_amount(filled.max_fee, 18, 8)} ETH"
    if filled.legacy:
        shown["gas price"] = f"{format_amount(int(filled.tx['gasPrice']), 9, 3)} gwei (legacy transaction)"
    if filled.will_fail is None:
        return shown, ("approve", "reject")
    shown["warning"] = failing_warning(filled.will_fail)
    shown["note"] = FAILING_HOW
    return shown, (SEND_ANYWAY, "reject")
