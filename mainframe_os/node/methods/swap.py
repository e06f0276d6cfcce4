"""swap_* methods: quote and run ETH <-> token swaps through the network's Uniswap V2 router.

    await node.call("swap_quote", {"from": "ETH", "to": "MFT", "amount": "0.5", "slippage": "0.5"})
    await node.call("swap_run",   {"from": "ETH", "to": "MFT", "amount": "0.5"})

`swap_run` is one or two prompted transactions through the wallet's single pipeline (TxService):
an exact-amount `approve` when the router may not yet spend a token input, then the swap itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..params import Param
from ..registry import method
from ..wallet.amounts import format_amount, parse_amount
from ..wallet.swap import (
    Quote,
    SwapFailed,
    approve_tx,
    parse_slippage,
    quote,
    received_in,
    swap_tx,
    token_balance,
)
from .identities import require_identity
from .wallet import resolve_token

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

_SWAP_PARAMS = (
    Param("from", description="ETH, or a token symbol or address"),
    Param("to", description="ETH, or a token symbol or address"),
    Param("amount", "any", description="how much of `from` to pay, as a decimal string"),
    Param("slippage", "any", required=False, default="0.5", description="percent the price may move"),
    Param("address", required=False, description="the paying account (default: the default account)"),
)

# What a failed swap means, in words a user can act on.
_HINTS = {
    "INSUFFICIENT_OUTPUT_AMOUNT": "the price moved more than your slippage tolerance allows; "
    "get a new quote or allow more slippage",
    "EXPIRED": "the swap was not mined before its deadline; get a new quote and try again",
    "TRANSFER_FROM_FAILED": "the router could not take your tokens (allowance or balance too low)",
    "changed the outcome": "most likely another trade in that block moved the price; get a new quote "
    "or allow more slippage",
}


async def _prepare(
    node: Node, ctx: CallerContext, params: dict[str, Any], then: Callable[[Any, str, Quote], Any] | None = None
) -> tuple[str, str, Quote, Any]:
    """The identity, the paying account and the quote; with `then(connection, owner, quote)`,
    its result too, read in the same call on the chain thread (a hop less)."""
    from ..wallet import store

    ident = await require_identity(node, ctx)
    t_in = await resolve_token(node, ident, str(params["from"]))
    t_out = await resolve_token(node, ident, str(params["to"]))
    amount = parse_amount(str(params["amount"]), t_in.decimals)
    bps = parse_slippage(params.get("slippage") if params.get("slippage") is not None else "0.5")

    def owner_and_quote(c: Any, sql: Any) -> tuple[str, Quote, Any]:
        owner = store.find_account(None, ident, params.get("address"), store.account_rows(sql, ident)).address
        q = quote(c, t_in, t_out, amount, bps, owner)
        return owner, q, then(c, owner, q) if then is not None else None

    owner, q, extra = await node.session.chain.call_reading_vault(owner_and_quote)
    return ident, owner, q, extra


@method("swap_quote", *_SWAP_PARAMS)
async def swap_quote(node: Node, ctx: CallerContext, **params: Any) -> dict[str, Any]:
    """What a swap would give: amount out, minimum received for the slippage, price impact, route."""
    _, _, q, _ = await _prepare(node, ctx, params)
    return q.to_json()


@method("swap_run", *_SWAP_PARAMS)
async def swap_run(node: Node, ctx: CallerContext, **params: Any) -> dict[str, Any]:
    """Approve (if the router may not spend the token yet) and swap, each approved by the user."""
    from ..wallet.txs import InsufficientFunds

    def first_reads(c: Any, owner: str, q: Quote) -> tuple[int, int, dict[str, Any] | None]:
        """The input's balance, the ETH balance when ETH comes out (what the swap adds to it is
        the difference) and, with no approval first, the swap's call."""
        have = token_balance(c, q.token_in, owner)
        before = token_balance(c, q.token_out, owner) if q.token_out.address is None else 0
        return have, before, None if q.needs_approval else swap_tx(c, q, owner)

    ident, owner, q, (have, before, tx) = await _prepare(node, ctx, params, first_reads)
    chain = node.session.chain
    txs = node.session.txs
    ti, to = q.token_in, q.token_out
    if have < q.amount_in:  # before any prompt; the fee is checked by the pipeline
        raise InsufficientFunds(
            f"Insufficient funds: the account has {format_amount(have, ti.decimals, 6)} {ti.symbol}"
        )
    approval_hash = None
    if q.needs_approval:
        approval = await chain.call(lambda c: approve_tx(c, q))
        amount_text = f"{format_amount(q.amount_in, ti.decimals)} {ti.symbol}"
        res = await txs.send(
            ctx,
            ident,
            dict(approval, **{"from": owner}),
            kind="approve",
            title=f"Allow the Uniswap router to spend {amount_text}",
            details={
                "token": f"{ti.symbol} ({ti.address})",
                "spender": f"Uniswap V2 router ({q.router})",
                "allowance": amount_text,
                "call": f"{ti.symbol}.approve({q.router}, {q.amount_in})",
            },
        )
        approval_hash = res["hash"]
        await _until_final(node, txs, (ident, "approve"), res, "The approval")
        # Prices may have moved while the approval was mined: quote again for the swap itself.
        _, _, q, (_, before, tx) = await _prepare(
            node, ctx, params, lambda c, o, q: first_reads(c, o, replace(q, needs_approval=False))
        )

    when = datetime.fromtimestamp(q.deadline, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    details = {
        "you pay": f"{format_amount(q.amount_in, ti.decimals)} {ti.symbol}",
        "you receive at least": f"{format_amount(q.minimum_out, to.decimals)} {to.symbol}",
        "expected": f"{format_amount(q.amount_out, to.decimals)} {to.symbol}",
        "price impact": f"{q.to_json()['priceImpact']}%",
        "slippage tolerance": f"{q.to_json()['slippage']}%",
        "router": f"Uniswap V2 ({q.router})",
        "deadline": f"{when} (chain time)",
    }
    assert tx is not None
    res = await txs.send(
        ctx,
        ident,
        dict(tx, **{"from": owner}),
        kind="swap",
        title=f"Swap {details['you pay']} for {to.symbol}",
        details=details,
    )

    def got(c: Any) -> int:
        if to.address is None:
            return token_balance(c, to, owner) - before  # the fee is added back below
        return received_in(c, res["hash"], to, owner) or 0

    record, received = await _until_final(node, txs, (ident, "swap"), res, "The swap", q.deadline, got)
    if to.address is None and record.get("fee"):
        received += int(record["fee"])  # the ETH balance also paid the gas
    return {
        **q.to_json(),
        "hash": res["hash"],
        "status": record["status"],
        "approvalHash": approval_hash,
        "received": str(received),
        "receivedFormatted": format_amount(received, to.decimals),
    }


async def _until_final(
    node: Node,
    txs: Any,
    mine: tuple[str, str],
    res: dict[str, Any],
    what: str,
    deadline: int | None = None,
    received: Callable[[Any], int] | None = None,
    timeout: float = 180,
) -> tuple[dict[str, Any], int]:
    """Wait for a sent transaction to be mined; a failure raises with the revert reason. Its
    record (`mine`: the identity and kind it was sent as), and `received(connection)` read in the
    same call once it is final."""
    chain_id = (await txs.chain.connection()).network.chain_id
    status, delay, started = res["status"], 0.2, time.monotonic()
    while status == "pending" and time.monotonic() - started < timeout:
        await asyncio.sleep(delay)
        status = await txs._track_once(chain_id, res["hash"])
        delay = min(delay * 1.5, 3.0)
    record, balance = await _record(node, chain_id, mine, res["hash"], received)
    if status == "pending":
        raise SwapFailed(
            f"{what} is still pending after {int(timeout)} s: check its status in history", {"hash": res["hash"]}
        )
    if status != "confirmed":
        reason = record.get("error") or "reverted"
        if reason == "reverted" and deadline is not None:
            reason = await _expired(node, txs, chain_id, res["hash"], deadline) or reason
        hint = next((h for k, h in _HINTS.items() if k in reason), None)
        raise SwapFailed(
            f"{what} failed: {reason}" + (f" ({hint})" if hint else ""), {"hash": res["hash"], "reason": reason}
        )
    return record, balance


async def _expired(node: Node, txs: Any, chain_id: int, tx_hash: str, deadline: int) -> str | None:
    """Replaying a mined swap on its parent block runs it at the parent's time, so a passed
    deadline replays as success and the reason is lost: compare the block's time instead."""
    from sqlalchemy import select

    from vault.models import TxRecord

    def mined_at(c: Any) -> int:
        rcpt = c.w3.eth.get_transaction_receipt(tx_hash)
        return int(c.w3.eth.get_block(rcpt["blockNumber"])["timestamp"])

    if await txs.chain.call(mined_at) <= deadline:
        return None
    reason = "UniswapV2Router: EXPIRED"

    def note(s: Any) -> None:
        r = s.scalars(select(TxRecord).where(TxRecord.chain_id == chain_id, TxRecord.hash == tx_hash)).first()
        if r is not None:
            r.error = reason

    await node.db(note)
    return reason


# By the unique (identity, chain, hash, kind) index: (chain, hash) alone read the whole history.
_RECORD = "SELECT status, error, fee FROM tx_record WHERE identity_id = ? AND chain_id = ? AND hash = ? AND kind = ?"


async def _record(
    node: Node, chain_id: int, mine: tuple[str, str], tx_hash: str, received: Callable[[Any], int] | None
) -> tuple[dict[str, Any], int]:
    def read(c: Any, sql: Any) -> tuple[dict[str, Any], int]:
        row = sql.execute(_RECORD, (mine[0], chain_id, tx_hash, mine[1])).fetchone()
        record = {} if row is None else {"status": row[0], "error": row[1], "fee": row[2]}
        return record, (received(c) if received is not None and record.get("status") == "confirmed" else 0)

    return await node.session.chain.call_reading_vault(read)
