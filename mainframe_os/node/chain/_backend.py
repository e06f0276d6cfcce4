"""eth-tester's PyEVMBackend over a persistent database, with our chain id and clock.

eth-tester builds its chain in ``setup_tester_chain`` on an in-memory db with a fixed chain id
and the default test keys; we build the same kind of ``MiningChain`` (Prague rules, constant gas
limit) on :class:`SqliteDB`, either from a genesis or from the head already stored there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from eth.chains.base import MiningChain
from eth.db.schema import SchemaV1
from eth.vm.forks import PragueVM
from eth_keys import KeyAPI
from eth_tester.backends.pyevm.main import PyEVMBackend, get_default_genesis_params
from eth_tester.constants import BLOB_TX_TYPE
from eth_utils.toolz import assoc

from .ahead import RunAhead, apply_ahead, run_ahead
from .sqlitedb import SqliteDB

# DevChainProvider is built on first access (module __getattr__) so web3 loads only when used.
__all__ = ["DevChainProvider", "PersistentPyEVMBackend", "api_endpoints", "has_genesis"]  # noqa: F822


def _fast_gas_search(state: Any, transaction: Any) -> int:
    """eth_estimateGas as geth does it (core/gasestimator): run the call once with the block's
    gas limit, try what it used (x 64/63 for the gas nested calls must leave behind), then
    narrow down to within 1.5%. py-evm's default searches the whole range to the exact unit:
    some 25 runs of the call, most of a second for a Uniswap swap on this chain; this takes 3 to 6.
    The result is always a limit that was run and succeeded (or the block's limit)."""
    from eth.vm.spoof import SpoofTransaction

    def run(gas: int) -> Any:
        snapshot = state.snapshot()
        try:
            return state.apply_transaction(SpoofTransaction(transaction, gas=gas, gas_price=0))
        finally:
            state.revert(snapshot)

    intrinsic = transaction.intrinsic_gas
    if not run(intrinsic).is_error:
        return int(intrinsic)
    full = run(state.gas_limit)
    if full.is_error:
        raise full.error
    used = state.gas_limit - full.get_gas_remaining()
    low, high = max(intrinsic, used - 1), state.gas_limit
    guess = min(high, used * 64 // 63 + 2300)
    if run(guess).is_error:
        low = guess
    else:
        high = guess
    while high - low > max(1, high * 15 // 1000):
        mid = (low + high) // 2
        if run(mid).is_error:
            low = mid
        else:
            high = mid
    return int(high)


def _chain_class(chain_id: int) -> type[MiningChain]:
    class DevMiningChain(MiningChain):
        vm_configuration = ((0, PragueVM),)
        gas_estimator = staticmethod(_fast_gas_search)

        def create_header_from_parent(self, parent_header: Any, **header_params: Any) -> Any:
            # Keep the gas limit constant, as eth-tester does.
            return super().create_header_from_parent(
                parent_header, **assoc(header_params, "gas_limit", parent_header.gas_limit)
            )

        def get_transaction_builder(self) -> Any:
            return super().get_vm().get_transaction_builder()

    DevMiningChain.chain_id = chain_id
    return DevMiningChain


def has_genesis(db: SqliteDB) -> bool:
    return SchemaV1.make_canonical_head_hash_lookup_key() in db


class PersistentPyEVMBackend(PyEVMBackend):
    """A PyEVMBackend whose chain lives in a :class:`SqliteDB`.

    Every call that changes the chain runs inside one SQLite transaction, so a block is on disk
    whole or not at all. ``reset_to_genesis`` is not supported (the chain is the user's).
    """

    def __init__(self, db: SqliteDB, chain: MiningChain, account_keys: tuple[Any, ...]) -> None:
        # Deliberately not calling PyEVMBackend.__init__: it builds an in-memory chain.
        self._db = db
        self.chain = chain
        self.account_keys = account_keys
        self._ahead: RunAhead | None = None  # the last transaction run ahead (ahead.py)

    @classmethod
    def open(
        cls,
        db: SqliteDB,
        private_keys: list[bytes],
        *,
        chain_id: int,
        genesis_balance: int,
        gas_limit: int,
    ) -> PersistentPyEVMBackend:
        keys = tuple(KeyAPI().PrivateKey(k) for k in private_keys)
        chain_class = _chain_class(chain_id)
        if has_genesis(db):
            chain = chain_class(db)
        else:
            params = get_default_genesis_params({"gas_limit": gas_limit})
            state = {
                k.public_key.to_canonical_address(): {
                    "balance": genesis_balance,
                    "nonce": 0,
                    "code": b"",
                    "storage": {},
                }
                for k in keys
            }
            with db.transaction():
                chain = chain_class.from_genesis(db, params, state)
        return cls(db, chain, keys)

    def reset_to_genesis(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("a persistent dev chain cannot be reset in place")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        with self._db.transaction():
            yield

    def _refresh_pending_timestamp(self) -> None:
        # Only while the pending block is empty: its timestamp is what the next transaction
        # sees as block.timestamp, and then becomes the mined block's.
        if self.chain.header.gas_used == 0:
            parent = self.chain.get_canonical_head()
            self.chain.set_header_timestamp(max(parent.timestamp + 1, int(time.time())))

    def _decoded(self, raw_transaction: bytes) -> Any:
        """The signed transaction in `raw_transaction`, refused when signed for another chain: py-evm
        does not check a typed transaction's chain id against the chain; a real node does, and a
        wallet bug that signs for the wrong chain must fail here too."""
        from eth_tester.exceptions import ValidationError

        tx = self.chain.get_vm_class(self.chain.header).get_transaction_builder().decode(raw_transaction)
        chain_id = getattr(tx, "chain_id", None)
        if chain_id is None and tx.v >= 35:  # legacy EIP-155: v = chain_id * 2 + 35/36
            chain_id = (tx.v - 35) // 2
        if chain_id is not None and chain_id != self.chain.chain_id:
            raise ValidationError(f"invalid chain id {chain_id}: this chain is {self.chain.chain_id}")
        return tx

    def send_raw_transaction(self, raw_transaction: bytes) -> bytes:
        """eth-tester's, with the bytes decoded once (it decodes them with the VM of the latest
        block, which it loads whole with its transactions: ~1 ms a send). Blob transactions, which
        it re-encodes without their sidecar first, take its own way."""
        tx = self._decoded(raw_transaction)
        with self._writing():
            self._refresh_pending_timestamp()
            if raw_transaction[0] == BLOB_TX_TYPE:
                tx_hash: bytes = super().send_raw_transaction(raw_transaction)
                return tx_hash
            self.chain.apply_transaction(tx)
            return bytes(tx.hash)

    def run_ahead(self, sender: bytes, fields: dict[str, Any]) -> bool:
        """Whether the dynamic-fee transaction `fields` from `sender` succeeds as the pending
        block's next one; a success is kept for its signed bytes (ahead.py). Raises as py-evm
        refuses a transaction."""
        self._refresh_pending_timestamp()  # the time it runs with, and the block will have
        self._ahead = run_ahead(self.chain, sender, fields)
        return self._ahead is not None

    def send_and_mine(self, raw_transaction: bytes) -> tuple[Any, Any, int, Any]:
        """What eth-tester's automine does for eth_sendRawTransaction (add the transaction to the
        pending block, then mine that block) in one SQLite transaction, all of it or none; not for
        blob transactions. A transaction run ahead (run_ahead) is not run again. Returns the
        transaction, its receipt, the gas the block had used before it (the receipt's figure is
        cumulative) and the mined block's header."""
        tx = self._decoded(raw_transaction)
        ahead, self._ahead = self._ahead, None
        with self._writing():
            before = self.chain.header.gas_used
            receipt = apply_ahead(self.chain, ahead, tx)
            if receipt is None:
                self._refresh_pending_timestamp()  # the timestamp only: the block's gas stays `before`
                _, receipt, _ = self.chain.apply_transaction(tx)
            self.mine_blocks(1)
            return tx, receipt, before, self.chain.get_canonical_head()

    def send_signed_transaction(self, signed_transaction: Any, block_number: Any = "latest") -> Any:
        with self._writing():
            self._refresh_pending_timestamp()
            return super().send_signed_transaction(signed_transaction, block_number)

    def send_transaction(self, transaction: Any) -> Any:
        with self._writing():
            self._refresh_pending_timestamp()
            return super().send_transaction(transaction)

    def mine_blocks(self, num_blocks: int = 1, coinbase: bytes = 20 * b"\x00") -> Any:
        with self._writing():
            self._refresh_pending_timestamp()
            return super().mine_blocks(num_blocks, coinbase)

    def time_travel(self, to_timestamp: int) -> int:
        with self._writing():
            result: int = super().time_travel(to_timestamp)
            return result


def api_endpoints(chain_id: int) -> dict[str, dict[str, Callable[..., Any]]]:
    """web3's eth-tester RPC table with ``eth_chainId`` answering our chain id."""
    from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

    endpoints = {ns: dict(methods) for ns, methods in API_ENDPOINTS.items()}
    endpoints["eth"]["chainId"] = static_return(chain_id)
    endpoints["net"]["version"] = static_return(str(chain_id))
    return endpoints


def _revert_data(exc: BaseException) -> bytes | None:
    """The raw revert output carried somewhere in eth-tester's chain of TransactionFailed."""
    seen: BaseException | None = exc
    while seen is not None:
        for arg in seen.args:
            if isinstance(arg, bytes | bytearray):
                return bytes(arg)
            if isinstance(arg, BaseException):
                inner = _revert_data(arg)
                if inner is not None:
                    return inner
        seen = seen.__cause__ or seen.__context__
    return None


@cache
def _provider_class() -> type[Any]:
    from eth_tester.exceptions import TransactionFailed, ValidationError
    from web3 import EthereumTesterProvider

    class DevChainProvider(EthereumTesterProvider):
        """EthereumTesterProvider that reports reverts like a real node does.

        eth-tester raises its own ``TransactionFailed`` from ``eth_call``/``eth_estimateGas``;
        answering a JSON-RPC error ``{code: 3, message: "execution reverted: <reason>",
        data: <revert output>}`` instead lets web3 raise ``ContractLogicError`` with the same
        message and data it gives for geth or anvil, so callers handle one error on every
        network.
        """

        def make_request(self, method: Any, params: Any) -> Any:
            try:
                return super().make_request(method, params)
            except TransactionFailed as exc:
                message = str(exc.args[0]) if exc.args else "execution reverted"
                if not message.startswith("execution reverted"):
                    message = f"execution reverted: {message}"
                error: dict[str, Any] = {"code": 3, "message": message}
                data = _revert_data(exc)
                if data is not None:
                    error["data"] = "0x" + data.hex()
                return {"id": self._current_request_id, "jsonrpc": "2.0", "error": error}
            except ValidationError as exc:
                # A rejected transaction (bad chain id, nonce, funds): an RPC error as a node
                # gives, so web3 raises Web3RPCError with the message.
                error = {"code": -32000, "message": str(exc)}
                return {"id": self._current_request_id, "jsonrpc": "2.0", "error": error}

    return DevChainProvider


def __getattr__(name: str) -> Any:
    if name == "DevChainProvider":
        return _provider_class()
    raise AttributeError(name)
