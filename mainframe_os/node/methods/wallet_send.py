"""wallet_* methods for moving money: sends (and their fee), history, re-checking sends in flight
and watching for payments received. Wallets, accounts, balances and tokens: methods/wallet.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..params import Param
from ..registry import method
from ..wallet.amounts import format_amount, parse_amount
from .identities import require_identity
from .wallet import resolve_token

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node


async def resolve_recipient(node: Node, ident: str, to: str) -> tuple[str, str | None]:
    """An address (checksum checked), or a contact id/name: (address, label)."""
    from ..wallet.addresses import is_address, is_checksum_address, to_checksum_address

    if to.startswith("0x") or to.startswith("0X"):
        if not is_address(to):
            raise E.InvalidParams("That is not a valid Ethereum address")
        if to != to.lower() and to[2:] != to[2:].upper() and not is_checksum_address(to):
            raise E.InvalidParams("The address's checksum (its upper/lower case) is wrong: check it for a typo")
        return to_checksum_address(to), None
    from .contacts import contact_address

    return await contact_address(node, ident, to)


async def prepare_send(
    node: Node, ident: str, to: str, amount: str, token: str
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    t = await resolve_token(node, ident, token)
    recipient, label = await resolve_recipient(node, ident, to)
    wei = parse_amount(amount, t.decimals)
    shown_to = f"{label} ({recipient})" if label else recipient
    details = {"to": shown_to, "amount": f"{format_amount(wei, t.decimals)} {t.symbol}"}
    if t.address is None:
        return {"to": recipient, "value": wei}, details, t

    from eth_abi import encode

    from ..wallet.fill import TRANSFER_SELECTOR

    data = TRANSFER_SELECTOR + encode(["address", "uint256"], [recipient, wei]).hex()
    details["call"] = f"{t.symbol}.transfer({recipient}, {wei})"
    return {"to": t.address, "value": 0, "data": data, "_token_amount": wei}, details, t


@method(
    "wallet_send",
    Param("to"),
    Param("amount", "any"),
    Param("token", required=False, default="ETH"),
    Param("from", required=False),
)
async def wallet_send(node: Node, ctx: CallerContext, to: str, amount: Any, token: str, **kw: Any) -> dict[str, Any]:
    """Send ETH or a token to an address or a contact, after the user approves the decoded send."""
    from ..wallet.fill import known_transfer_gas
    from ..wallet.swap import token_balance
    from ..wallet.txs import InsufficientFunds

    ident = await require_identity(node, ctx)
    tx, details, t = await prepare_send(node, ident, to, str(amount), token)
    wei = tx.pop("_token_amount", 0)

    def token_check(c: Any, owner: str) -> dict[str, Any]:
        """The token balance, read with the fill; a network's own token then needs no estimate."""
        bal = token_balance(c, t, owner)
        if bal < wei:
            raise InsufficientFunds(
                f"Insufficient funds: the account has {format_amount(bal, t.decimals, 6)} {t.symbol}"
            )
        gas = known_transfer_gas(c, t.address) if t.slot else None
        return {"gas": gas} if gas else {}

    if kw.get("from"):
        tx["from"] = kw["from"]
    return await node.session.txs.send(
        ctx,
        ident,
        tx,
        kind="send" if t.address is None else "token",
        title=f"Send {details['amount']}",
        details={**details, "token": t.symbol},
        check=token_check if t.address is not None else None,
    )


@method(
    "wallet_estimateSend",
    Param("to"),
    Param("amount", "any"),
    Param("token", required=False, default="ETH"),
    Param("from", required=False),
)
async def wallet_estimate_send(
    node: Node, ctx: CallerContext, to: str, amount: Any, token: str, **kw: Any
) -> dict[str, Any]:
    """The fee a send would cost (EIP-1559: gas x max fee per gas) before the user confirms."""
    from ..wallet import store
    from ..wallet.txs import TransactionFailed

    ident = await require_identity(node, ctx)
    tx, details, _ = await prepare_send(node, ident, to, str(amount), token)
    tx.pop("_token_amount", None)
    sender = await node.db(lambda s: store.find_account(s, ident, kw.get("from")).address)
    svc = node.session.txs
    filled = await svc.fill(dict(tx, **{"from": sender}))
    if filled.will_fail is not None:  # wallet_send would refuse it: say so before the user tries
        raise TransactionFailed(f"The transaction would fail: {filled.will_fail}")
    fee = filled.max_fee
    return {
        "gas": filled.tx["gas"],
        "maxFeePerGas": str(filled.tx.get("maxFeePerGas", filled.tx.get("gasPrice"))),
        "maxFee": str(fee),
        "maxFeeFormatted": format_amount(fee, 18, 8),
        **details,
    }


@method("wallet_history", Param("address", required=False), Param("limit", "integer", required=False, default=200))
async def wallet_history(node: Node, ctx: CallerContext, address: str | None, limit: int) -> list[dict[str, Any]]:
    """The transactions this identity sent or received on the active network, newest first."""
    from sqlalchemy import select

    import vault.models as m

    from ..wallet.interrupted import public_details
    from ..wallet.txs import summary

    ident = await require_identity(node, ctx)
    chain_id = (await node.session.chain.connection()).network.chain_id
    stmt = select(m.TxRecord).where(m.TxRecord.identity_id == ident, m.TxRecord.chain_id == chain_id)
    if address:
        stmt = stmt.where(m.TxRecord.from_address == address)
    stmt = stmt.order_by(m.TxRecord.created_at.desc()).limit(max(1, min(limit, 1000)))
    return await node.db(
        lambda s: [
            {
                "hash": r.hash,
                "from": r.from_address,
                "to": r.to_address,
                "nonce": r.nonce,
                "value": r.value,
                "kind": r.kind,
                "status": r.status,
                "error": r.error,
                "details": public_details(r.details),
                "blockNumber": r.block_number,
                "fee": r.fee,
                "createdAt": r.created_at,
                "summary": summary(r.kind, r.details or {}),
            }
            for r in s.scalars(stmt)
        ]
    )


@method("wallet_recheck")
async def wallet_recheck(node: Node, ctx: CallerContext) -> dict[str, int]:
    """Re-check pending transactions (after a restart or an outage): confirm, re-broadcast or retire."""

    return await node.session.txs.recheck(await require_identity(node, ctx))


@method("wallet_watchPayments", Param("interval", "number", required=False, default=3.0))
async def wallet_watch_payments(node: Node, ctx: CallerContext, interval: float) -> bool:
    """Start announcing payments received by the vault's accounts (events + notifications)."""

    node.session.watcher.start(max(0.5, float(interval)))
    return True


@method("wallet_scanPayments")
async def wallet_scan_payments(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """Scan new blocks for payments now (the watcher does this on its own every few seconds)."""

    found = await node.session.watcher.scan()
    return [
        {
            "identityId": f.identity_id,
            "address": f.address,
            "from": f.sender,
            "symbol": f.symbol,
            "amount": format_amount(f.value, f.decimals),
            "hash": f.hash,
        }
        for f in found
    ]
