"""Wallets and accounts in the vault (synchronous: these run on the node's vault thread)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vault.models import Account, Wallet

from .. import errors as E
from . import hd

if TYPE_CHECKING:
    from ..node import Node


class WalletError(E.RpcError):
    code, default_message = 5000, "Wallet error"


class NoWallet(WalletError):
    code, default_message = 5001, "This identity has no wallet yet: create or import one"


class UnknownAccount(WalletError):
    code, default_message = 5002, "That account is not in this identity's wallets"


def account_json(a: Account) -> dict[str, Any]:
    return {
        "address": a.address,
        "name": a.name,
        "index": a.idx,
        "default": bool(a.is_default),
        "walletId": a.wallet_id,
    }


def wallet_json(s: Session, w: Wallet) -> dict[str, Any]:
    accounts = s.scalars(select(Account).where(Account.wallet_id == w.id).order_by(Account.idx)).all()
    return {"id": w.id, "name": w.name, "type": w.kind, "accounts": [account_json(a) for a in accounts]}


def _has_default(s: Session, identity_id: str) -> bool:
    return bool(s.scalar(select(func.count()).where(Account.identity_id == identity_id, Account.is_default)))


def add_account(s: Session, w: Wallet, name: str | None = None) -> Account:
    if w.kind != "hd":
        raise WalletError("An imported key has exactly one account")
    index = w.next_index
    address, _ = hd.derive_key(w.secret.decode(), index)
    w.next_index = index + 1
    return _new_account(s, w, address, index, name or f"Account {index + 1}")


def _new_account(s: Session, w: Wallet, address: str, index: int, name: str) -> Account:
    if s.scalar(select(Account).where(Account.identity_id == w.identity_id, Account.address == address)):
        raise WalletError("That account is already in this identity's wallets")
    acct = Account(
        id=uuid.uuid4().hex,
        identity_id=w.identity_id,
        wallet_id=w.id,
        address=address,
        idx=index,
        name=name,
        is_default=not _has_default(s, w.identity_id),
        created_at=time.time(),
    )
    s.add(acct)
    s.flush()
    return acct


def create_hd(s: Session, identity_id: str, phrase: str, name: str) -> Wallet:
    w = Wallet(
        id=uuid.uuid4().hex,
        identity_id=identity_id,
        name=name,
        kind="hd",
        secret=phrase.encode(),
        next_index=0,
        created_at=time.time(),
    )
    s.add(w)
    s.flush()
    add_account(s, w)
    return w


def create_from_key(s: Session, identity_id: str, key: bytes, name: str) -> Wallet:
    w = Wallet(
        id=uuid.uuid4().hex,
        identity_id=identity_id,
        name=name,
        kind="key",
        secret=key,
        next_index=1,
        created_at=time.time(),
    )
    s.add(w)
    s.flush()
    _new_account(s, w, hd.key_to_address(key), 0, name)
    return w


def accounts_of(s: Session, identity_id: str) -> list[Account]:
    return list(
        s.scalars(
            select(Account)
            .where(Account.identity_id == identity_id)
            .order_by(Account.is_default.desc(), Account.created_at)
        )
    )


def find_account(s: Session | None, identity_id: str, address: str | None, accounts: list[Any] | None = None) -> Any:
    """The identity's account at `address`, or its default account (among `accounts`, the
    identity's accounts when the caller read them already)."""
    if accounts is None:
        assert s is not None
        accounts = accounts_of(s, identity_id)
    if not accounts:
        raise NoWallet()
    if address is None:
        return accounts[0]
    for a in accounts:
        if a.address.lower() == address.lower():
            return a
    raise UnknownAccount()


@dataclass(frozen=True)
class Signer:
    """Where an account's key comes from (its wallet and index): what a send looked up with its
    sender, so signing needs no second look-up of the identity's accounts."""

    wallet_id: str
    idx: int

    @classmethod
    def of(cls, acct: Account | AccountRow) -> Signer:
        return cls(acct.wallet_id, acct.idx)


def private_key(s: Session, acct: Account | Signer, seeds: SeedCache | None = None) -> bytes:
    """The account's key, derived for one use (a keystore export, a signature outside the send
    path): callers use it and drop it."""
    w = s.get(Wallet, acct.wallet_id)
    if w is None:  # removed since the account was looked up (while the user was asked)
        raise NoWallet()
    if w.kind == "key":
        return bytes(w.secret)
    seed = seeds.seed(w.id, w.secret) if seeds is not None else hd.seed_of(w.secret.decode())
    return hd.key_from_seed(seed, acct.idx)


@dataclass(frozen=True)
class AccountRow:
    """An account as the send path reads it in plain SQL (account_rows): what find_account,
    Signer.of and parties.vault_facts use of the ORM's Account."""

    address: str
    name: str
    wallet_id: str
    idx: int


_ACCOUNT_ROWS = (
    "SELECT address, name, wallet_id, idx FROM account WHERE identity_id = ? ORDER BY is_default DESC, created_at"
)


def account_rows(conn: Any, identity_id: str) -> list[AccountRow]:
    """accounts_of on a DB-API connection (Vault.sql): the same accounts in the same order."""
    return [AccountRow(*row) for row in conn.execute(_ACCOUNT_ROWS, (identity_id,))]


def signing_key(conn: Any, signer: Signer, seeds: SeedCache) -> bytes:
    """The key a send signs with, on a DB-API connection in the transaction that records the send
    (Vault.sql). The wallet is read every time: one removed while the user was asked is refused
    (NoWallet) even when its key is in `seeds`."""
    row = conn.execute("SELECT kind, secret FROM wallet WHERE id = ?", (signer.wallet_id,)).fetchone()
    if row is None:
        raise NoWallet()
    kind, secret = row
    if kind == "key":
        return bytes(secret)
    return seeds.account_key(signer, bytes(secret))


class SeedCache:
    """BIP-39 seeds of the open vault's HD wallets, so a signature skips PBKDF2's 2048 rounds,
    and each wallet's extended key one level above its accounts (hd.AccountsParent), so a send
    derives its account's key with one HMAC instead of five BIP-32 levels (~1 ms). Neither gives
    more than the phrase the unlocked vault already holds; both go when the vault locks (the
    node closes vault-scoped services) and are never logged (no repr shows them). No account's
    private key is kept: each is derived for its signature and dropped.
    Used on the node's worker threads (a send signs on the chain thread): two threads at once at
    worst derive the same value twice."""

    def __init__(self) -> None:
        self._seeds: dict[str, bytes] = {}
        self._parents: dict[str, hd.AccountsParent] = {}

    @classmethod
    def of(cls, node: Node) -> SeedCache:
        """`node.session.seeds` (this spelling stays for wallet/txs.py)."""
        return node.session.seeds

    def seed(self, wallet_id: str, phrase: bytes) -> bytes:
        if wallet_id not in self._seeds:
            self._seeds[wallet_id] = hd.seed_of(phrase.decode())
        return self._seeds[wallet_id]

    def account_key(self, signer: Signer, phrase: bytes) -> bytes:
        """The key of account `signer.idx` of the HD wallet with this phrase, for one signature."""
        parent = self._parents.get(signer.wallet_id)
        if parent is None:
            parent = self._parents[signer.wallet_id] = hd.accounts_parent(self.seed(signer.wallet_id, phrase))
        return hd.child_key(parent, signer.idx)

    def forget(self, wallet_id: str) -> None:
        """Drop what is kept of a wallet (it was removed)."""
        self._seeds.pop(wallet_id, None)
        self._parents.pop(wallet_id, None)

    def close(self) -> None:
        self._seeds.clear()
        self._parents.clear()

    def __repr__(self) -> str:
        return f"<SeedCache of {len(self._seeds)} wallet(s)>"


async def identity_addresses(node: Node, identity_id: str) -> list[str]:
    """The identity's addresses, default first (for eth_accounts and the app permission layer)."""
    return await node.db(lambda s: [a.address for a in accounts_of(s, identity_id)])
