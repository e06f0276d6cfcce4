"""EIP-5792 wallet calls: wallet_getCapabilities, wallet_sendCalls, wallet_getCallsStatus.

The node cannot send several calls atomically (that needs a smart account, EIP-7702), so it says
so in its capabilities (`atomic: unsupported`), refuses a batch that requires atomicity (5760),
and sends any other batch as sequential transactions after ONE approval that lists every call.
Batches live in memory for the session (status answers while the app runs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..apps.caller import caller_details
from ..prompter import PromptRequest
from ..registry import PUBLIC, method
from ..wallet.amounts import format_amount
from .ethereum import SEND, _int, _own_account, describe_call

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

VERSION = "2.0.0"
MAX_CALLS = 20
STATUS_PENDING, STATUS_CONFIRMED, STATUS_OFFCHAIN_FAILURE, STATUS_REVERTED, STATUS_PARTIAL = 100, 200, 400, 500, 600


@dataclass
class Batch:
    id: str
    caller: str
    chain_id: int
    hashes: list[str] = field(default_factory=list)
    calls: int = 0
    error: str | None = None


def _batches(node: Node) -> dict[tuple[str, str], Batch]:
    return node.session.batches


@method("wallet_getCapabilities", access=PUBLIC, raw_params=True)
async def wallet_get_capabilities(node: Node, ctx: CallerContext, params: list[Any]) -> dict[str, Any]:
    """EIP-5792: what the wallet can do per chain (here: batches are sequential, not atomic)."""
    net = await node.session.chain.network()
    return {hex(net.chain_id): {"atomic": {"status": "unsupported"}}}


def _call_tx(i: int, call: Any, sender: str) -> dict[str, Any]:
    from web3 import Web3

    if not isinstance(call, dict):
        raise E.InvalidParams(f"calls[{i}] must be an object {{to, data, value}}")
    to, data = call.get("to"), call.get("data") or None
    if to is not None and (not isinstance(to, str) or not Web3.is_address(to)):
        raise E.InvalidParams(f"calls[{i}].to is not an address")
    if data is not None and (not isinstance(data, str) or not data.startswith("0x")):
        raise E.InvalidParams(f"calls[{i}].data must be 0x-prefixed hex")
    return {"from": sender, "to": to, "value": _int(call.get("value"), f"calls[{i}].value"), "data": data}


def _check_request(req: Any, chain_id: int) -> list[Any]:
    if not isinstance(req, dict):
        raise E.InvalidParams("wallet_sendCalls takes [{version, from, chainId, calls}]")
    if req.get("chainId") is not None and _int(req["chainId"], "chainId") != chain_id:
        raise E.RpcError(f"The wallet is on chain {chain_id}, not {req['chainId']}", code=5710)
    if req.get("atomicRequired") is True:
        raise E.RpcError("This wallet sends batched calls one after another; it cannot make them atomic", code=5760)
    for name, cap in (req.get("capabilities") or {}).items():
        if isinstance(cap, dict) and not cap.get("optional"):
            raise E.RpcError(f"Unsupported capability '{str(name)[:40]}'", code=5700)
    calls = req.get("calls")
    if not isinstance(calls, list) or not calls or len(calls) > MAX_CALLS:
        raise E.InvalidParams(f"calls must list 1 to {MAX_CALLS} calls")
    return calls


@method("wallet_sendCalls", access=SEND, raw_params=True)
async def wallet_send_calls(node: Node, ctx: CallerContext, params: list[Any]) -> dict[str, Any]:
    """EIP-5792: send a batch of calls, one approval for all, as sequential transactions."""

    req = params[0] if isinstance(params, list) and params else None
    net = await node.session.chain.network()
    calls = _check_request(req, net.chain_id)
    assert isinstance(req, dict)
    ident, sender = await _own_account(node, ctx, req.get("from"))
    txs = [_call_tx(i, c, sender) for i, c in enumerate(calls)]
    shown: dict[str, Any] = {"account": sender, "network": net.name, "calls": len(txs)}
    for i, tx in enumerate(txs, 1):
        what = describe_call(tx["data"]) or "send"
        shown[f"call {i}"] = f"{tx['to'] or '(new contract)'}: {format_amount(tx['value'], 18)} ETH, {what}"
    who = await caller_details(node, ctx)
    title = f"{who['app']} asks to send {len(txs)} transactions" if who else f"Send {len(txs)} transactions"
    answer = await node.prompter.ask(PromptRequest("transaction", ctx, title, {**shown, **who}))
    if not answer.approved:
        raise E.UserRejected("You rejected the transactions")
    given = req.get("id")
    batch_id = given[:4096] if isinstance(given, str) and given else "0x" + uuid.uuid4().hex
    batches = _batches(node)
    if (ctx.label, batch_id) in batches:  # per caller: one app cannot probe another's ids
        raise E.RpcError("A batch with this id exists already", code=5720)
    batch = batches[(ctx.label, batch_id)] = Batch(batch_id, ctx.label, net.chain_id, calls=len(txs))
    svc = node.session.txs
    for i, tx in enumerate(txs, 1):
        details = {"to": tx["to"] or "(new contract)", "amount": f"{format_amount(tx['value'], 18)} ETH",
                   "batch": f"{batch_id[:18]} call {i}/{len(txs)}"}  # fmt: skip
        try:
            sent = await svc.send(ctx, ident, tx, kind="contract" if tx["data"] else "send", title=title,
                                  details=details, wait=False, approved=True)  # fmt: skip
        except E.RpcError as exc:
            batch.error = f"call {i}: {exc.message}"[:300]
            break
        batch.hashes.append(str(sent["hash"]))
    return {"id": batch_id}


@method("wallet_getCallsStatus", access=PUBLIC, raw_params=True)
async def wallet_get_calls_status(node: Node, ctx: CallerContext, params: list[Any]) -> dict[str, Any]:
    """EIP-5792: a batch's status and the receipts of its transactions so far."""
    from .ethereum import _devchain_request

    batch_id = params[0] if isinstance(params, list) and params else None
    batch = _batches(node).get((ctx.label, batch_id)) if isinstance(batch_id, str) else None
    if batch is None:
        raise E.RpcError("Unknown batch id", code=5730)

    def receipts(c: Any) -> list[Any]:
        if c.devchain is not None:
            return [_devchain_request(c.w3, "eth_getTransactionReceipt", [h]) for h in batch.hashes]
        return [c.w3.provider.make_request("eth_getTransactionReceipt", [h]).get("result") for h in batch.hashes]

    found = await node.session.chain.call(receipts)
    mined = [r for r in found if r]
    ok = [r for r in mined if int(str(r.get("status", "0x0")), 16) == 1]
    if batch.error and not batch.hashes:
        status = STATUS_OFFCHAIN_FAILURE
    elif len(mined) < len(batch.hashes):
        status = STATUS_PENDING
    elif len(ok) == batch.calls:
        status = STATUS_CONFIRMED
    elif not ok:
        status = STATUS_REVERTED
    else:
        status = STATUS_PARTIAL
    keys = ("logs", "status", "blockHash", "blockNumber", "gasUsed", "transactionHash")
    return {
        "version": VERSION,
        "id": batch.id,
        "chainId": hex(batch.chain_id),
        "status": status,
        "atomic": False,
        "receipts": [{k: r.get(k) for k in keys} for r in mined],
    }
