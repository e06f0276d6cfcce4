"""A send's transaction run ahead, before the user approves it, and its outcome kept for the block.

The node simulates a contract call before it asks the user (would it fail?), and the embedded chain
then runs it again when it mines it: a Uniswap swap is ~5,000 opcodes, ~18 ms each time. Here the
simulation is the pending block's next transaction run as the signed one will run (the same
sender, nonce, fees, gas, to, value and data; py-evm's SpoofTransaction stands in for the
signature) in a VM of its own that is then set aside: nothing is written, the chain does not move.

When the signed bytes come (PersistentPyEVMBackend.send_and_mine) and they are exactly that
transaction, the pending block is still the one it ran on, and the run is at most AHEAD_TTL old,
the block gets the signed transaction with that run's outcome (the receipt made from the signed
transaction, as py-evm's MiningChain.apply_transaction makes it from there on) instead of a second
run. Anything else (another transaction came first, a different nonce or amount, a legacy or
access-list transaction, a run older than that) runs the transaction the ordinary way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

__all__ = ["AHEAD_TTL", "RunAhead", "apply_ahead", "run_ahead"]

# The mined block keeps the run's timestamp (it ran with it): never more than this behind the clock.
AHEAD_TTL = 3.0
_DYNAMIC_FEE = 2  # the only type run ahead: what the node's sends are


@dataclass(frozen=True)
class RunAhead:
    key: tuple[Any, ...]  # the transaction it ran, sender included (_key)
    header: Any  # the pending header it ran on
    vm: Any  # the VM it ran in, holding the state after it (in memory)
    base: Any  # the pending block it ran on
    computation: Any
    at: float  # time.monotonic() of the run


def _key(tx: Any, sender: bytes) -> tuple[Any, ...]:
    return (
        bytes(sender),
        tx.chain_id,
        tx.nonce,
        tx.max_priority_fee_per_gas,
        tx.max_fee_per_gas,
        tx.gas,
        bytes(tx.to),
        tx.value,
        bytes(tx.data),
        tuple(tx.access_list),
    )


def run_ahead(chain: Any, sender: bytes, fields: dict[str, Any]) -> RunAhead | None:
    """Run the dynamic-fee transaction `fields` (chain_id, nonce, max_priority_fee_per_gas,
    max_fee_per_gas, gas, to, value, data) from `sender` as the pending block's next one. Its
    outcome when it succeeds, None when it reverts or runs out of gas; raises as py-evm refuses a
    transaction (a wrong nonce, too little ETH for the fee)."""
    from eth.vm.spoof import SpoofTransaction

    vm = chain.get_vm(chain.header)
    base = vm.get_block()
    unsigned = vm.get_transaction_builder().new_unsigned_dynamic_fee_transaction(**fields, access_list=())
    spoof = SpoofTransaction(unsigned, from_=sender)
    vm.validate_transaction_against_header(base.header, spoof)
    vm.state.lock_changes()
    computation = vm.state.apply_transaction(spoof)
    if computation.is_error:
        return None
    return RunAhead(_key(unsigned, sender), chain.header, vm, base, computation, time.monotonic())


def apply_ahead(chain: Any, ahead: RunAhead | None, tx: Any) -> Any | None:
    """Add the signed `tx` to the pending block with the outcome of `ahead` when that is `tx`'s
    own run on this very pending block and fresh; its receipt, or None (nothing done)."""
    if ahead is None or time.monotonic() - ahead.at > AHEAD_TTL:
        return None
    if getattr(tx, "type_id", None) != _DYNAMIC_FEE or ahead.header.hash != chain.header.hash:
        return None
    tx.validate()  # the signature and fields, as the executor checks them before a run
    if _key(tx, tx.sender) != ahead.key:
        return None
    vm, base = ahead.vm, ahead.base
    vm.validate_transaction_against_header(base.header, tx)
    # py-evm's MiningChain.apply_transaction from the receipt on, with the signed transaction
    receipt = vm.make_receipt(base.header, tx, ahead.computation, vm.state)
    vm.validate_receipt(receipt)
    header_with_receipt = vm.add_receipt_to_header(base.header, receipt)
    vm.state.persist()
    new_header = header_with_receipt.copy(state_root=vm.state.state_root)
    receipts = base.get_receipts(chain.chaindb) + (receipt,)
    block = vm.set_block_transactions_and_withdrawals(base, new_header, base.transactions + (tx,), receipts)
    chain.header = block.header
    return receipt
