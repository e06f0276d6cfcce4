"""Filling a transaction before the user sees it: fees, gas with a margin, and the funds check.

The nonce is NOT filled here: it is taken after the user approves, under the sender's lock
(txs.py), so two sends approved while each other's dialog was open never share one.

    filled = fill(connection, {"from": a, "to": b, "value": 1})
    filled.tx          # what gets signed once it has a nonce
    filled.will_fail   # None, or why the chain says the call reverts (the user may still send)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import rpc
from .amounts import format_amount
from .store import WalletError

if TYPE_CHECKING:
    from .chain import Connection

GWEI = 10**9
# eth_estimateGas is known to run low for the first Uniswap V2 swap in a block (storage slots
# going from zero to non-zero): this margin was enough on py-evm and on anvil.
GAS_MULTIPLIER_NUM, GAS_MULTIPLIER_DEN, GAS_EXTRA = 5, 4, 20_000
DEFAULT_PRIORITY_FEE = 1 * GWEI
# The gas limit of a call whose estimate reverts (there is no estimate to add a margin to): a
# revert refunds what it did not use, so this bounds the fee without making a success impossible.
FAILING_CALL_GAS = 500_000
# ERC-20 transfer(address,uint256): a network's own token moves by this call again and again
TRANSFER_SELECTOR = "0xa9059cbb"


class InsufficientFunds(WalletError):
    code, default_message = 5003, "Insufficient funds"


class TransactionFailed(WalletError):
    code, default_message = 5004, "The transaction would fail"


@dataclass
class Filled:
    tx: dict[str, Any]
    will_fail: str | None = None  # the revert reason of the estimate, when it reverted

    @property
    def legacy(self) -> bool:
        return "gasPrice" in self.tx

    @property
    def max_fee(self) -> int:
        """The most the fee can cost (gas x max fee per gas, or x the legacy gas price)."""
        return int(self.tx["gas"]) * int(self.tx["gasPrice"] if self.legacy else self.tx["maxFeePerGas"])


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


def is_revert(exc: BaseException) -> bool:
    from web3.exceptions import ContractLogicError

    if isinstance(exc, ContractLogicError):
        return True
    text = str(exc).lower()
    return "revert" in text or "invalid opcode" in text


def wants_legacy(tx: dict[str, Any]) -> bool:
    """A request that names a `gasPrice` and no EIP-1559 fee (or asks for type 0/1) is sent as a
    legacy type-0 transaction at that price, as MetaMask does: the dapp chose the price."""
    if tx.get("maxFeePerGas") is not None or tx.get("maxPriorityFeePerGas") is not None:
        return False
    return tx.get("gasPrice") is not None or tx.get("type") in (0, 1)


def fill(c: Connection, tx: dict[str, Any]) -> Filled:
    """Fees, gas and the funds check for `tx` (from, to?, value?, data?, gas?, fee fields?)."""
    from .addresses import to_checksum_address

    sender = to_checksum_address(tx["from"])
    out: dict[str, Any] = {"from": sender, "value": int(tx.get("value") or 0), "chainId": c.network.chain_id}
    if tx.get("to"):
        out["to"] = to_checksum_address(tx["to"])
    if tx.get("data") and tx["data"] not in ("0x", b""):
        out["data"] = tx["data"]
    _fees(c, tx, out)
    will_fail = None
    if tx.get("gas"):
        out["gas"] = int(tx["gas"])
    elif "data" not in out and "to" in out and not rpc.has_code(c, out["to"]):
        out["gas"] = 21_000  # plain ETH to an account without code: no need to run the EVM
    else:
        out["gas"], will_fail = _estimate(c, out)
    balance = rpc.balance(c, sender)
    filled = Filled(out, will_fail)
    need = out["value"] + filled.max_fee
    if balance < need:
        raise InsufficientFunds(
            f"Insufficient funds: this needs up to {format_amount(need, 18, 6)} ETH "
            f"(amount + fee), the account has {format_amount(balance, 18, 6)} ETH"
        )
    return filled


def _fees(c: Connection, tx: dict[str, Any], out: dict[str, Any]) -> None:
    if wants_legacy(tx):
        out["gasPrice"] = int(tx["gasPrice"]) if tx.get("gasPrice") is not None else int(c.w3.eth.gas_price)
        return
    base = rpc.base_fee(c) or GWEI
    tip = tx.get("maxPriorityFeePerGas")
    if tip is None and c.devchain is not None:
        tip = DEFAULT_PRIORITY_FEE  # eth-tester has no eth_maxPriorityFeePerGas (below: what it falls back to)
    if tip is None:
        try:
            tip = int(c.w3.eth.max_priority_fee)
        except Exception:  # noqa: BLE001 - eth-tester lacks eth_maxPriorityFeePerGas
            tip = DEFAULT_PRIORITY_FEE
    out["type"] = 2
    out["maxPriorityFeePerGas"] = int(tip)
    out["maxFeePerGas"] = int(tx.get("maxFeePerGas") or (2 * base + out["maxPriorityFeePerGas"]))


def _estimate(c: Connection, out: dict[str, Any]) -> tuple[int, str | None]:
    """(gas limit, None), or (a bounded limit, the revert reason) when the call would revert."""
    probe = {k: v for k, v in out.items() if k in ("from", "to", "value", "data")}
    known = _known_call_limit(c, out)
    if known is not None and _succeeds_at(c, out, probe, known):
        return known, None
    try:
        estimate = rpc.estimate_gas(c, probe)
        _remember_transfer_gas(c, out, estimate)
        _remember_call_gas(c, out, estimate)
    except Exception as exc:
        if is_revert(exc):
            return FAILING_CALL_GAS, revert_reason(exc)
        text = str(exc).lower()
        # geth/anvil say "insufficient funds"; py-evm "does not have enough balance"
        if "insufficient funds" in text or "enough balance" in text:
            raise InsufficientFunds("Insufficient funds for this transaction") from None
        raise
    plain_transfer = "data" not in out and estimate == 21_000
    return (estimate if plain_transfer else with_margin(estimate)), None


def _succeeds_at(c: Connection, out: dict[str, Any], probe: dict[str, Any], gas: int) -> bool:
    """Whether the call runs to the end with `gas`. On the embedded chain the whole transaction
    runs as the pending block's next one (rpc.run_ahead): the same question, with the fee charged,
    and the block that mines it takes that run instead of running it again."""
    ahead = rpc.run_ahead(c, {**out, "gas": gas})
    return ahead if ahead is not None else rpc.call_succeeds(c, probe, gas)


def with_margin(estimate: int) -> int:
    return estimate * GAS_MULTIPLIER_NUM // GAS_MULTIPLIER_DEN + GAS_EXTRA


def _remember_transfer_gas(c: Connection, out: dict[str, Any], estimate: int) -> None:
    data = out.get("data")
    if isinstance(data, str) and data.startswith(TRANSFER_SELECTOR) and "to" in out:
        key = ("transfer-gas", out["to"].lower())
        c.cache[key] = max(int(c.cache.get(key, 0)), estimate)


def _call_key(out: dict[str, Any]) -> tuple[str, str, str] | None:
    data = out.get("data")
    if not isinstance(data, str) or len(data) < 10 or "to" not in out:
        return None
    return ("call-gas", str(out["to"]).lower(), data[:10].lower())


def _remember_call_gas(c: Connection, out: dict[str, Any], estimate: int) -> None:
    key = _call_key(out)
    if key is not None:
        c.cache[key] = max(int(c.cache.get(key, 0)), estimate)


def _known_call_limit(c: Connection, out: dict[str, Any]) -> int | None:
    """The limit for a call of a function this connection estimated before (same contract, same
    selector): the largest estimate seen, with the margin. It is used only after a simulation
    of this very call at this very limit succeeded (rpc.call_succeeds): one run of the call
    instead of the estimate's 3 to 6, and a stronger check than an estimate (which proves
    success only at its own figure, before the margin). A simulation that fails, for want of gas
    or by a revert, falls back to the estimate, which says which and why."""
    key = _call_key(out)
    seen = c.cache.get(key) if key is not None else None
    return None if seen is None else with_margin(int(seen))


def known_transfer_gas(c: Connection, token: str) -> int | None:
    """The gas limit for a transfer of `token`, from the largest estimate this connection saw
    for one, with the margin; None before the first. For a network's own tokens only, and only
    after their balance was checked: the estimate also says whether a call would fail, and a
    standard token's transfer fails only for want of balance. The margin (x5/4 + 20,000) covers
    a recipient that holds none yet (a zero-to-nonzero balance slot costs ~17,000 more)."""
    seen = c.cache.get(("transfer-gas", token.lower()))
    return None if seen is None else with_margin(int(seen))
