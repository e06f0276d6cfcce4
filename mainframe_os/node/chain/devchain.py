"""The embedded dev chain: eth-tester on py-evm, persisted to a folder.

Usage::

    chain = DevChain.open(home / "chain")   # creates, or reopens in milliseconds
    w3 = chain.w3                           # web3.Web3 over EthereumTesterProvider
    chain.fund(address, 5 * 10**18)         # ETH from the genesis money account
    chain.deployment.router                 # MFT, DAI, WETH, Uniswap V2 factory/router, pools
    chain.close()

Folder layout:

- ``chain.sqlite3``: py-evm's key-value store (state, headers, blocks, receipts, head);
- ``genesis-keys.json`` (0600): the keys of the pre-funded "genesis money" accounts. They exist
  only here: each chain folder has its own;
- ``deployment.json``: the contract addresses, written after the first-open deployment;
- ``LOCK``: held while a process has the chain open (two writers would fork the head).

Blocks are mined one per transaction (automine). The pending block's timestamp is reset to
the wall clock just before a transaction runs, so ``block.timestamp`` tracks real time even
after the chain sat idle (py-evm would otherwise stamp it when the previous block was mined),
and always advances by at least one second per block.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .deploy import Deployment, deploy_all
from .state_reader import CANONICAL_HEAD_KEY, Account, StateReader, StateUnreadable

if TYPE_CHECKING:
    from eth.abc import AccountDatabaseAPI, BlockHeaderAPI
    from web3 import Web3

    from .sqlitedb import SqliteDB

__all__ = ["DEV_CHAIN_ID", "GENESIS_BALANCE", "ChainLocked", "DevChain", "DevReceipt", "stored_files"]

DEV_CHAIN_ID = 61453  # 0xF00D
GENESIS_ACCOUNTS = 3
GENESIS_BALANCE = 1_000_000_000 * 10**18  # per genesis money account
GAS_LIMIT = 30_000_000

_DB_FILE = "chain.sqlite3"
_KEYS_FILE = "genesis-keys.json"
_DEPLOYMENT_FILE = "deployment.json"
_LOCK_FILE = "LOCK"


class ChainLocked(RuntimeError):
    """Another process (or object) has this chain folder open."""


class DevChain:
    """A persistent single-node EVM chain with the project's contracts deployed.

    Open it with :meth:`open`; it is not thread-safe (use it from one thread, the node's).
    """

    def __init__(self, folder: Path, db: SqliteDB, backend: Any, tester: Any, lock_fd: int | None):
        self.folder = folder
        self._db = db
        self._backend = backend
        self._tester = tester  # eth-tester over the backend: what the JSON-RPC layer calls
        self._w3: Web3 | None = None
        self._lock_fd = lock_fd
        self._deployment: Deployment | None = None
        self.deploy_seconds: float | None = None  # set when this open deployed the contracts
        # The last state read per kind ("latest", "pending") with the state root it was built at
        # (the account database at that root, which keeps the accounts it read): a send reads it
        # four times. What these reads see (balances, code, nonces, storage) is a function of the
        # root, which changes with every transaction and block, so a cached state is never stale.
        self._states: dict[str, tuple[bytes, AccountDatabaseAPI]] = {}
        self._last_receipt: tuple[bytes, bytes, DevReceipt] | None = None  # (tx hash, head hash, receipt)
        # (head hash, the state trie's reader at that head, the accounts read): see latest_account
        self._reader: tuple[bytes, StateReader, dict[bytes, Account | None]] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path, *, deploy: bool = True) -> DevChain:
        """Open the chain in ``folder``, creating it (genesis + deployment) if it is new."""
        from eth_tester import EthereumTester

        from ._backend import PersistentPyEVMBackend
        from .sqlitedb import SqliteDB

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(folder / _LOCK_FILE)
        try:
            db = SqliteDB(folder / _DB_FILE)
            try:
                keys = _load_or_create_keys(folder / _KEYS_FILE, db)
                backend = PersistentPyEVMBackend.open(
                    db,
                    keys,
                    chain_id=DEV_CHAIN_ID,
                    genesis_balance=GENESIS_BALANCE,
                    gas_limit=GAS_LIMIT,
                )
                tester = EthereumTester(backend=backend, auto_mine_transactions=True)
            except BaseException:
                db.close()
                raise
        except BaseException:
            _unlock(lock_fd)
            raise
        chain = cls(folder, db, backend, tester, lock_fd)
        if deploy:
            chain._load_or_deploy()
        return chain

    @property
    def w3(self) -> Web3:
        """web3 over this chain (eth-tester's JSON-RPC table), built on first use: a send or a
        swap on the happy path goes to py-evm directly (reads, calls, estimate, broadcast) and a
        cold `mfos swap run` then never imports web3 (~0.3 s); deployment, dapps' JSON-RPC and
        every error path use it as before."""
        if self._w3 is None:
            from web3 import Web3

            from ._backend import api_endpoints

            self._w3 = Web3(_provider(self._tester, api_endpoints(DEV_CHAIN_ID)))
        return self._w3

    def close(self) -> None:
        """Close the database and release the folder. Idempotent."""
        self._db.close()
        if self._lock_fd is not None:
            _unlock(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> DevChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- accounts ----------------------------------------------------------------------

    @property
    def genesis_accounts(self) -> list[str]:
        """Checksum addresses of the pre-funded accounts (keys stay in the chain folder)."""
        return [k.public_key.to_checksum_address() for k in self._backend.account_keys]

    @property
    def faucet_address(self) -> str:
        return self.genesis_accounts[0]

    @functools.cached_property
    def transaction_builder(self) -> Any:
        """py-evm's transaction classes of this chain's VM (wallet/signing.py signs with them)."""
        return self._backend.chain.get_vm().get_transaction_builder()  # one VM for all blocks (Prague)

    @functools.cached_property
    def default_sender(self) -> bytes:
        """The account an eth_call without `from` runs as (eth-tester's first account)."""
        return bytes(self._backend.account_keys[0].public_key.to_canonical_address())

    def fund(self, address: str, wei: int) -> str:
        """Send ``wei`` to ``address`` from the genesis money account; return the tx hash.

        The transaction is mined before this returns.
        """
        from web3 import Web3

        tx_hash = self.w3.eth.send_transaction(
            {
                "from": self.faucet_address,
                "to": Web3.to_checksum_address(address),
                "value": int(wei),
                "gas": 21_000,
            }
        )
        return Web3.to_hex(tx_hash)

    # -- contracts ---------------------------------------------------------------------

    @property
    def deployment(self) -> Deployment:
        """The project's contracts on this chain (deployed at first open)."""
        if self._deployment is None:
            self._load_or_deploy()
        assert self._deployment is not None
        return self._deployment

    def _load_or_deploy(self) -> None:
        path = self.folder / _DEPLOYMENT_FILE
        if path.exists():
            deployment = Deployment.from_json(path.read_text(encoding="utf-8"))
            # A deployment record must match this chain's state (the db may have been reset).
            if self.latest_state().get_code(bytes.fromhex(deployment.router.removeprefix("0x"))):
                self._deployment = deployment
                return
        key = self._backend.account_keys[0].to_bytes()
        started = time.perf_counter()
        deployment = deploy_all(self.w3, key)
        self.deploy_seconds = time.perf_counter() - started
        _write_atomic(path, deployment.to_json().encode(), mode=0o644)
        self._deployment = deployment

    # -- chain facts ---------------------------------------------------------------------

    @property
    def head(self) -> BlockHeaderAPI:
        """The latest mined block header."""
        header: BlockHeaderAPI = self._backend.chain.get_canonical_head()
        return header

    def latest_state(self) -> AccountDatabaseAPI:
        """The state after the latest mined block: what eth_getBalance/eth_getCode(..., "latest")
        read, without web3's and eth-tester's request formatting around it (that costs ~5x the
        read itself). Read it on the chain's thread, and only read it."""
        return self._state_at("latest", self._backend.chain.get_canonical_head())

    def latest_account(self, address: bytes) -> Account | None:
        """The account at `address` (20 bytes) after the latest mined block, None when the state
        has none: a send's funds check and its recipient's code read this. Walked straight
        through the state trie on the chain's own connection (state_reader.py, every node checked
        against its hash): ~60 us an account where py-evm's account layers take ~130. Anything
        that does not read as py-evm wrote it is read through py-evm instead. Chain thread only."""
        try:
            return self._read_latest(address)[1]
        except StateUnreadable:
            self._reader = None
            return _account_of(self.latest_state(), address)

    def pending_nonce(self, address: bytes) -> int:
        """The next nonce of `address`, counting the transactions of the block being built (with
        automine there are none, and the latest account says it: read as latest_account does)."""
        try:
            root, account = self._read_latest(address)
            if root == self._backend.chain.header.state_root:
                return 0 if account is None else account.nonce
        except StateUnreadable:
            self._reader = None
        return int(self.pending_state().get_nonce(address))

    def _read_latest(self, address: bytes) -> tuple[bytes, Account | None]:
        """(the canonical head's state root, the account at `address` there), through the trie
        reader of that head; each head's accounts are read once (its state never changes)."""
        try:
            head = self._db[CANONICAL_HEAD_KEY]
        except KeyError:
            raise StateUnreadable("no canonical head") from None
        if self._reader is None or self._reader[0] != head:
            self._reader = (head, StateReader(self._db.conn), {})
        _, reader, seen = self._reader
        if address not in seen:
            seen[address] = reader.account(address)
        return reader.state_root, seen[address]

    def pending_state(self) -> AccountDatabaseAPI:
        """The state of the block being built (what "pending" reads: a nonce counts the
        transactions it holds). Automine keeps it empty, so it equals the latest state between sends."""
        return self._state_at("pending", self._backend.chain.header)

    def call(self, sender: bytes, to: bytes, data: bytes, value: int, gas: int | None) -> bytes:
        """eth_call at the latest block: what the JSON-RPC eth_call runs in eth-tester's backend
        (the same transaction defaults, the same EVM run), without web3's and eth-tester's request
        formatting around it, which cost more than the run. Raises as the backend raises
        (eth-tester's TransactionFailed on a revert)."""
        tx: dict[str, Any] = {"from": sender, "to": to, "data": data, "value": value}
        if gas is not None:
            tx["gas"] = gas
        return bytes(self._backend.call(tx, "latest"))

    def estimate_gas(self, tx: dict[str, Any]) -> int:
        """eth_estimateGas at the latest block as the JSON-RPC one runs it (eth-tester's estimate
        over _backend._fast_gas_search), without web3 around it. Raises as eth-tester raises."""
        return int(self._tester.estimate_gas(tx, "latest"))

    def run_ahead(self, sender: bytes, fields: dict[str, Any]) -> bool:
        """Whether the dynamic-fee transaction `fields` (py-evm's names: chain_id, nonce,
        max_priority_fee_per_gas, max_fee_per_gas, gas, to and data as bytes, value) from `sender`
        succeeds as the next one of the pending block: eth_call's question, asked of the whole
        transaction (its fee charged, its nonce checked). The run is kept for its signed bytes,
        which then are not run again (ahead.py). Raises as py-evm refuses a transaction."""
        return bool(self._backend.run_ahead(sender, fields))

    def send_raw(self, raw: bytes) -> None:
        """eth_sendRawTransaction as the JSON-RPC one runs it (validated, added, mined at once),
        without web3 around it. A refusal raises eth-tester's ValidationError with the node's words.
        Straight to the backend unless a filter (eth_newFilter and kin) waits for blocks, logs or
        transactions: eth-tester's layer around it validates the hex we do not send and reads the
        new block back whole, as JSON-RPC shapes it, only to feed those filters (~1.5 ms a send)."""
        tester = self._tester
        filters = tester._block_filters or tester._log_filters or tester._pending_transaction_filters
        if filters or not tester.auto_mine_transactions or raw[:1] == b"\x03":  # 3: a blob transaction
            tester.send_raw_transaction("0x" + raw.hex())
            return
        tx, rcpt, before, header = self._backend.send_and_mine(raw)
        # the receipt the send reads next, as receipt() would read it back from the tables
        self._last_receipt = (bytes(tx.hash), header.hash, _receipt(tx, rcpt, before, header))

    def receipt(self, tx_hash: bytes) -> DevReceipt | None:
        """What eth_getTransactionReceipt answers for a mined transaction (status, block, gas used,
        effective gas price, logs), read from py-evm's tables by the hash's index entry: eth-tester
        finds the block by walking back from the head and serialises the whole receipt and block
        around it, ~4x the cost. None while not mined (with automine: never sent)."""
        from eth.exceptions import TransactionNotFound

        chain = self._backend.chain
        head = chain.get_canonical_head().hash
        if self._last_receipt is not None and self._last_receipt[:2] == (tx_hash, head):
            return self._last_receipt[2]  # a send reads its receipt, then a swap its logs: once
        db = chain.chaindb
        try:
            number, index = db.get_transaction_index(tx_hash)
        except TransactionNotFound:
            return None
        vm = chain.get_vm_class_for_block_number(number)
        tx = db.get_transaction_by_index(number, index, vm.get_transaction_builder())
        receipts = vm.get_receipt_builder()
        rcpt = db.get_receipt_by_index(number, index, receipts)
        before = db.get_receipt_by_index(number, index - 1, receipts).gas_used if index else 0
        out = _receipt(tx, rcpt, before, db.get_canonical_block_header_by_number(number))
        self._last_receipt = (tx_hash, head, out)  # valid while the head is (a receipt of a mined block)
        return out

    def _state_at(self, kind: str, header: BlockHeaderAPI) -> AccountDatabaseAPI:
        for root, cached in self._states.values():  # with automine the pending block is empty:
            if root == header.state_root:  # its state is the latest one's
                return cached
        # The account database at that root is all these reads need: a VM's state around it cost
        # ~0.3 ms more per send to build (Prague's state also loads the system contracts' code).
        from eth.db.account import AccountDB

        state = AccountDB(self._backend.chain.chaindb.db, header.state_root)
        self._states[kind] = (header.state_root, state)
        return state


def _account_of(state: AccountDatabaseAPI, address: bytes) -> Account | None:
    """latest_account's answer read through py-evm's account database."""
    if not state.account_exists(address):
        return None
    # the whole RLP account, as the trie holds it (AccountDB has no public getter of its storage root)
    account = state._get_account(address)
    return Account(account.nonce, account.balance, account.storage_root, account.code_hash)


class DevReceipt(NamedTuple):
    status: int  # 1 success, 0 reverted
    block: int
    gas_used: int
    effective_gas_price: int
    logs: list[tuple[str, list[str], str]]  # (address, topics, data), lowercase 0x-hex


def _receipt(tx: Any, rcpt: Any, before: int, header: BlockHeaderAPI) -> DevReceipt:
    """A receipt as eth_getTransactionReceipt reads it: `rcpt` of `tx` in the block of `header`,
    after `before` gas used by the block's earlier transactions."""
    if getattr(tx, "type_id", None) in (None, 0, 1):  # legacy and access-list: their own price
        price = int(tx.gas_price)
    else:  # EIP-1559 and later, as eth-tester computes it
        price = min(int(tx.max_fee_per_gas), int(tx.max_priority_fee_per_gas) + int(header.base_fee_per_gas))
    logs = [
        ("0x" + bytes(g.address).hex(), ["0x" + t.to_bytes(32, "big").hex() for t in g.topics], "0x" + g.data.hex())
        for g in rcpt.logs
    ]
    status = int.from_bytes(bytes(rcpt.state_root), "big")
    return DevReceipt(status, int(header.block_number), int(rcpt.gas_used) - int(before), price, logs)


def _provider(tester: Any, endpoints: dict[str, Any]) -> Any:
    from ._backend import DevChainProvider

    return DevChainProvider(ethereum_tester=tester, api_endpoints=endpoints)


def _load_or_create_keys(path: Path, db: SqliteDB) -> list[bytes]:
    from ._backend import has_genesis

    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return [bytes.fromhex(k.removeprefix("0x")) for k in data["private_keys"]]
    if has_genesis(db):
        raise RuntimeError(f"{path} is missing: the genesis accounts of this chain are lost")
    keys = [secrets.token_bytes(32) for _ in range(GENESIS_ACCOUNTS)]
    doc = {
        "note": "Keys of this dev chain's pre-funded accounts. Dev chain only: never use them on a real network.",
        "private_keys": ["0x" + k.hex() for k in keys],
    }
    _write_atomic(path, (json.dumps(doc, indent=2) + "\n").encode(), mode=0o600)
    return keys


def _write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _lock(path: Path) -> int | None:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; one process per home is the rule
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise ChainLocked(f"the dev chain in {path.parent} is open elsewhere") from None
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


def stored_files(folder: Path) -> tuple[Path, Path]:
    """The chain's key-value file and its deployment record in `folder`, for readers that do not
    open the chain (node/chain/state_reader.py, wallet/stored_balances.py)."""
    return folder / _DB_FILE, folder / _DEPLOYMENT_FILE
