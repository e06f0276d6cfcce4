"""A cold command's head start: the vault key and the imports, at the same time.

A command run without a node has three slow things to do before it can answer: derive the
vault key (Argon2id, most of a second by design), import the node's libraries (SQLAlchemy,
SQLCipher, the method modules) and, for a command on the chain, py-evm (and web3 unless the
command never uses it on the embedded chain: a swap). Done one after
another they add up; here the key derivation starts as soon as the password is known, on its
own thread (libsodium runs it without Python's lock, so it truly overlaps) while this thread
imports what the command will need. Nothing here changes what is
checked: the unlock itself still verifies the key against the vault header, and a wrong
password is as slow and as refused as before.

A command that talks to a running node uses none of this and imports neither web3 nor
SQLAlchemy.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

log = logging.getLogger("mainframe_os.cli")

# The node's libraries: what Node.warm_up and the vault unlock import.
NODE_MODULES = ("sqlalchemy.orm", "sqlcipher3", "vault._store", "vault._vault", "vault.models")
# What opening the embedded chain imports (wallet/chain.py, node/chain/devchain.py).
CHAIN_MODULES = ("web3", "eth_tester", "eth_tester.backends.pyevm.main", "mainframe_os.node.chain.devchain")
# Methods that on the embedded chain never touch web3 (reads, calls, estimate and broadcast go to
# py-evm and eth-tester directly: wallet/rpc.py; tests/integration/wallet/test_cli_cold_swap.py
# checks it): their cold start leaves web3 out (~0.3 s). Others import it with the chain.
WITHOUT_WEB3 = frozenset({"swap_run", "swap_quote"})
# Commands whose namespace reads or writes the chain: their cold start imports web3 early.
CHAIN_NAMESPACES = frozenset({"wallet", "token", "swap", "buy", "onramp", "network", "eth", "nft", "nfts"})
# Methods that answer from the dev chain's stored state without opening it (wallet/stored_balances.py):
# web3 and py-evm load only if that read falls back to the chain.
READ_FROM_STORED_STATE = frozenset({"wallet_getBalances"})
# What that read imports (pycryptodome's keccak: ~0.05 s): loaded while the key derivation runs.
STORED_STATE_MODULES = ("mainframe_os.node.wallet.stored_balances",)


def needs_chain(command_path: tuple[str, ...] | None, method: str | None = None) -> bool:
    if method in READ_FROM_STORED_STATE:
        return False
    return command_path is not None and len(command_path) > 0 and command_path[0] in CHAIN_NAMESPACES


def reads_stored_state(method: str | None) -> bool:
    return method in READ_FROM_STORED_STATE


def uses_web3(method: str | None) -> bool:
    return method not in WITHOUT_WEB3


def import_libraries(chain: bool, stored_state: bool = False, web3: bool = True) -> None:
    """Import the node's libraries (and the chain's, when `chain`, web3 among them unless not
    `web3`; the stored-state reader's, when `stored_state`) now, on this thread, while the key
    derivation runs. On this thread and no other: two threads importing the same package tree
    (eth_account has import cycles) can see each other's half-initialised modules.

    Python's cyclic garbage collector is paused meanwhile: importing makes hundreds of thousands
    of objects that all live as long as the process, and the collections those allocations set
    off walk them again and again (~15% of the imports' CPU). Afterwards they are frozen
    (`gc.freeze`: later collections skip them) and collection resumes as before."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        _import_libraries(chain, stored_state, web3)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _import_libraries(chain: bool, stored_state: bool, web3: bool) -> None:
    from ..node.registry import SERVICE_MODULES

    if chain:  # before anything imports py-evm or eth_account (node/chain/deferred_curves.py)
        from ..node.chain.deferred_curves import defer

        defer()
    chain_modules = tuple(m for m in CHAIN_MODULES if m != "web3" or web3)
    extra = (*(chain_modules if chain else ()), *(STORED_STATE_MODULES if stored_state else ()))
    for name in (*NODE_MODULES, *SERVICE_MODULES, *extra):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the command's own import reports it properly
            log.debug("early import of %s failed", name, exc_info=True)
            return
    if stored_state:  # the known token code, from the artifacts: also nothing the vault's key waits for
        from ..node.wallet.stored_balances import token_code

        try:
            token_code()
        except Exception:  # noqa: BLE001 - the read itself reports it (by falling back)
            log.debug("reading the token artifacts failed", exc_info=True)


def start_unlocking(vaults: Path, name: str, password: str) -> None:
    """Start deriving the key of vault `name` for `password` (see vault._kdf.prefetch); the
    vault_unlock that follows takes it over. A vault that does not exist or a header that does
    not read is left to that unlock to report."""
    if not name or name != Path(name).name or name.startswith("."):
        return
    from vault import prefetch_unlock

    prefetch_unlock(vaults / name, password)
