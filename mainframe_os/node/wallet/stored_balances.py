"""Balances on the embedded dev chain read from its stored state, without opening the chain.

A process that has not opened the dev chain yet (a cold `mfos wallet balances`) would pay more
than a second of py-evm and web3 imports for a read that needs no EVM: ETH balances are account
fields of the state trie, and a token's balance is one storage slot, when we know exactly which
code runs at the token's address. So a token is read here only when its account's code hash is
the runtime code hash of one of the project's own token artifacts (``contracts/*.sol``, compiled
with ``runtimeCodeHash`` and ``storage`` by ``contracts/compile.mjs``): then its ``balanceOf``
mapping sits at the slot the compiler reported. Any other code (a user's token, a proxy, an
upgraded contract), a chain file without a deployment record, or a record that does not read
gives None, and the caller reads through the full chain as before.
"""

from __future__ import annotations

from pathlib import Path

from ..chain.state_reader import Account, StateReader, StateUnreadable, mapping_slot
from .token_artifacts import TOKEN_ARTIFACTS, TokenCode, short_string, token_code
from .tokens import ETH, TOKEN_SLOTS, NotAToken, TokenInfo, checked_token

__all__ = ["TOKEN_ARTIFACTS", "TokenCode", "read_stored_balances", "token_code"]


def read_stored_balances(
    chain_folder: Path, custom: list[TokenInfo], account: str
) -> list[tuple[TokenInfo, int]] | None:
    """ETH, the dev deployment's MFT and DAI, then `custom` (the identity's own tokens on the dev
    chain), each with `account`'s balance at the chain's head: the list `token_list` makes and
    the balances the full chain reads. None when any of it cannot be read here for certain."""
    from ..chain.deploy import Deployment
    from ..chain.devchain import stored_files

    db_file, deployment_file = stored_files(chain_folder)
    try:
        deployment = Deployment.from_json(deployment_file.read_text(encoding="utf-8"))
        with StateReader.open(db_file) as state:
            known = [_known_token(state, getattr(deployment, slot), label) for slot, label in TOKEN_SLOTS]
            if any(t is None for t in known):
                return None
            seen = {t.address for t in known if t is not None}
            tokens = [ETH, *(t for t in known if t is not None), *(t for t in custom if t.address not in seen)]
            out = []
            for t in tokens:
                balance = _balance(state, t.address, account)
                if balance is None:
                    return None
                out.append((t, balance))
            return out
    except (OSError, ValueError, TypeError, KeyError, StateUnreadable, NotAToken):
        return None  # no deployment yet, an unreadable record: the full chain knows better


def _token_account(state: StateReader, address: str) -> tuple[Account, TokenCode] | None:
    acct = state.account(address)
    code = token_code().get(acct.code_hash) if acct is not None else None
    return None if acct is None or code is None else (acct, code)


def _balance(state: StateReader, token: str | None, account: str) -> int | None:
    owner = bytes.fromhex(account.removeprefix("0x"))
    if token is None:
        acct = state.account(owner)
        return 0 if acct is None else acct.balance
    found = _token_account(state, token)
    if found is None:
        return None
    acct, code = found
    return state.storage(acct, mapping_slot(owner, code.balance_slot))


def _known_token(state: StateReader, address: str, label: str) -> TokenInfo | None:
    """The deployment's token in slot `label` (MFT, DAI), with the symbol, name and decimals its
    code and storage hold, as `known_tokens` reads them through the EVM."""
    found = _token_account(state, address)
    if found is None:
        return None
    acct, code = found
    if code.name_slot is None or code.symbol_slot is None:
        return None
    symbol = short_string(state.storage(acct, code.symbol_slot.to_bytes(32, "big")))
    name = short_string(state.storage(acct, code.name_slot.to_bytes(32, "big")))
    if symbol is None or name is None:
        return None
    info = checked_token(symbol, name, code.decimals, address)
    return TokenInfo(info.symbol, info.name, info.decimals, info.address, slot=label)
