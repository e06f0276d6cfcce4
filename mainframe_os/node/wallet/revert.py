"""Why a mined transaction failed: its revert reason, read at its own position in its block.

Replaying a failed transaction as a call on the block before is wrong when an earlier
transaction of the same block changed the state it ran on (a front-runner's swap moved the
price): the replay then succeeds and the reason is lost. So, in order:

1. the node traces the transaction itself (`debug_traceTransaction` with the call tracer:
   anvil, geth and erigon with the debug namespace);
2. the node simulates the block's earlier transactions, then this one, on the parent block
   (`eth_simulateV1`: geth, anvil, most current clients);
3. a call on the parent block, exact only when the transaction was the block's first (always on
   the embedded dev chain, which mines one transaction per block).

Functions here block (web3 calls): run them on the chain thread.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["decode_revert", "failure_reason"]

log = logging.getLogger("mainframe_os.wallet")

ERROR_SELECTOR = "08c379a0"  # Error(string)
PANIC_SELECTOR = "4e487b71"  # Panic(uint256)
PANICS = {0x01: "assertion failed", 0x11: "arithmetic overflow", 0x12: "division by zero", 0x32: "index out of range"}
# When nothing else says why: an earlier transaction in the block made this one fail.
CHANGED_BEFORE = (
    "reverted, though it would have succeeded just before its block: a transaction mined ahead "
    "of it in the same block changed the outcome"
)


def decode_revert(data: Any) -> str | None:
    """Error(string) -> its text; Panic(n) -> what it means; a custom error -> its selector."""
    if isinstance(data, (bytes, bytearray)):
        hexdata = bytes(data).hex()
    elif isinstance(data, str):
        hexdata = data[2:] if data.startswith("0x") else data
    else:
        return None
    if len(hexdata) < 8:
        return None
    sel, body = hexdata[:8].lower(), bytes.fromhex(hexdata[8:]) if len(hexdata) % 2 == 0 else b""
    from eth_abi import decode

    try:
        if sel == ERROR_SELECTOR:
            return str(decode(["string"], body)[0]) or None
        if sel == PANIC_SELECTOR:
            code = int(decode(["uint256"], body)[0])
            return f"panic 0x{code:02x} ({PANICS.get(code, 'internal error')})"
    except Exception:  # noqa: BLE001 - malformed revert data: show the selector below
        pass
    return f"custom error 0x{sel}"


def failure_reason(conn: Any, tx_hash: str, rcpt: Any) -> str:
    """The revert reason of a failed, mined transaction, read at its position in its block."""
    tx = conn.w3.eth.get_transaction(tx_hash)
    ways = [_replayed] if conn.devchain is not None else [_traced, _simulated, _replayed]
    for way in ways:
        try:
            reason = way(conn, tx, rcpt)
        except Exception as exc:  # noqa: BLE001 - a node without that method: try the next way
            log.debug("revert reason by %s failed: %s", way.__name__, exc)
            continue
        if reason:
            return reason
    return "reverted"


def _hex(tx_hash: Any) -> str:
    return tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex()


def _request(conn: Any, method: str, params: list[Any]) -> Any:
    resp = conn.w3.provider.make_request(method, params)
    if not isinstance(resp, dict) or "error" in resp:
        raise RuntimeError(f"{method}: {resp.get('error') if isinstance(resp, dict) else resp}")
    return resp.get("result")


def _traced(conn: Any, tx: Any, rcpt: Any) -> str | None:
    frame = _request(conn, "debug_traceTransaction", [_hex(tx["hash"]), {"tracer": "callTracer"}])
    if not isinstance(frame, dict):
        return None
    if frame.get("revertReason"):
        return str(frame["revertReason"])
    return decode_revert(frame.get("output")) or (str(frame["error"]) if frame.get("error") else None)


def _call_of(tx: Any) -> dict[str, Any]:
    call = {
        "from": tx["from"],
        "to": tx.get("to"),
        "value": hex(int(tx.get("value") or 0)),
        "input": _hex(tx.get("input") or b""),
        "gas": hex(int(tx["gas"])),
        "nonce": hex(int(tx["nonce"])),
    }
    for k in ("maxFeePerGas", "maxPriorityFeePerGas", "gasPrice"):
        if tx.get(k) is not None:
            call[k] = hex(int(tx[k]))
    return call


def _simulated(conn: Any, tx: Any, rcpt: Any) -> str | None:
    index = int(rcpt["transactionIndex"])
    block = conn.w3.eth.get_block(rcpt["blockNumber"], full_transactions=True)
    calls = [_call_of(t) for t in block["transactions"][: index + 1]]
    payload = {"blockStateCalls": [{"calls": calls}], "validation": False}
    result = _request(conn, "eth_simulateV1", [payload, hex(int(rcpt["blockNumber"]) - 1)])
    last = result[0]["calls"][-1]
    if int(last.get("status", "0x0"), 16) == 1:
        return None
    err = last.get("error") or {}
    return decode_revert(err.get("data")) or decode_revert(last.get("returnData")) or err.get("message")


def _replayed(conn: Any, tx: Any, rcpt: Any) -> str | None:
    from .fill import revert_reason

    call = {"from": tx["from"], "to": tx["to"], "value": tx["value"], "data": tx["input"], "gas": tx["gas"]}
    try:
        conn.w3.eth.call(call, int(rcpt["blockNumber"]) - 1)
    except Exception as exc:  # noqa: BLE001 - the revert is what we are after
        return revert_reason(exc)
    # It succeeds on the parent block: only an earlier transaction of its block explains it.
    return CHANGED_BEFORE if int(rcpt.get("transactionIndex") or 0) > 0 else None
