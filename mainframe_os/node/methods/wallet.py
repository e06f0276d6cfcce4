"""wallet_* methods: create/import wallets, accounts, balances, tokens, sends and history."""

from __future__ import annotations

import asyncio
from typing import Any

from .. import errors as E
from ..events import WalletsChanged
from ..params import Param
from ..password_rules import check_new_password
from ..registry import Access, method
from ..wallet import hd
from ..wallet.amounts import format_amount, parse_amount
from ..wallet.chain import ChainService
from ..wallet.store import WalletError
from .identities import clean_name, require_identity


def _vault_models() -> Any:
    import vault.models as m

    return m


@method("wallet_generatePhrase", Param("words", "integer", required=False, default=12))
async def wallet_generate_phrase(node: Any, ctx: Any, words: int) -> dict[str, Any]:
    """A fresh BIP-39 phrase to show the user once; nothing is stored until wallet_create."""
    if words not in (12, 24):
        raise E.InvalidParams("A new phrase has 12 or 24 words")
    return {"phrase": hd.generate_phrase(words)}


@method(
    "wallet_create", Param("phrase", secret=True), Param("name", required=False), Param("identityId", required=False)
)
async def wallet_create(node: Any, ctx: Any, phrase: str, name: str | None, identityId: str | None) -> dict[str, Any]:
    """Create an HD wallet from a (new or imported) phrase; its first account is m/44'/60'/0'/0/0."""
    from ..wallet import store

    norm = hd.check_phrase(phrase)
    ident = await require_identity(node, ctx, identityId)
    wname = clean_name(name or "Wallet", "wallet name")

    def create(s: Any) -> dict[str, Any]:
        return store.wallet_json(s, store.create_hd(s, ident, norm, wname))

    out = await node.db(create)
    await _fund_on_dev(node, out["accounts"][0]["address"])
    _changed(node)
    return out


@method(
    "wallet_importKey",
    Param("privateKey", secret=True),
    Param("name", required=False),
    Param("identityId", required=False),
)
async def wallet_import_key(
    node: Any, ctx: Any, privateKey: str, name: str | None, identityId: str | None
) -> dict[str, Any]:
    """Import one account from its private key."""
    from ..wallet import store

    key = hd.parse_private_key(privateKey)
    ident = await require_identity(node, ctx, identityId)
    wname = clean_name(name or "Imported account", "wallet name")
    out = await node.db(lambda s: store.wallet_json(s, store.create_from_key(s, ident, key, wname)))
    _changed(node)
    return out


async def _fund_on_dev(node: Any, address: str) -> None:
    """On the embedded dev chain a new wallet's first account gets test ETH from genesis money."""
    chain = ChainService.of(node)
    if await chain.active_id() != "dev":
        return
    from ..wallet.onramp import FAUCET_START_WEI

    await chain.call(lambda c: c.devchain.fund(address, FAUCET_START_WEI) if c.devchain else None)


def _changed(node: Any) -> None:
    node.events.emit(WalletsChanged())


@method("wallet_list", Param("identityId", required=False))
async def wallet_list(node: Any, ctx: Any, identityId: str | None) -> list[dict[str, Any]]:
    """The identity's wallets and their accounts (no secrets)."""
    from sqlalchemy import select

    from ..wallet import store

    m = _vault_models()
    ident = await require_identity(node, ctx, identityId)
    return await node.db(
        lambda s: [
            store.wallet_json(s, w)
            for w in s.scalars(select(m.Wallet).where(m.Wallet.identity_id == ident).order_by(m.Wallet.created_at))
        ]
    )


@method("wallet_addAccount", Param("walletId"), Param("name", required=False))
async def wallet_add_account(node: Any, ctx: Any, walletId: str, name: str | None) -> dict[str, Any]:
    """Derive the next account of an HD wallet."""
    from ..wallet import store

    m = _vault_models()
    ident = await require_identity(node, ctx)

    def add(s: Any) -> dict[str, Any]:
        w = s.get(m.Wallet, walletId)
        if w is None or w.identity_id != ident:
            raise WalletError("No such wallet for this identity")
        return store.account_json(store.add_account(s, w, clean_name(name, "account name") if name else None))

    out = await node.db(add)
    _changed(node)
    return out


@method("wallet_accounts", Param("identityId", required=False))
async def wallet_accounts(node: Any, ctx: Any, identityId: str | None) -> list[dict[str, Any]]:
    """Every account of the identity, the default first."""
    from ..wallet import store

    ident = await require_identity(node, ctx, identityId)
    return await node.db(lambda s: [store.account_json(a) for a in store.accounts_of(s, ident)])


async def identity_addresses(node: Any, identity_id: str) -> list[str]:
    """The identity's addresses, default first (for eth_accounts and the app permission layer)."""
    from ..wallet import store

    return await node.db(lambda s: [a.address for a in store.accounts_of(s, identity_id)])


@method("wallet_renameAccount", Param("address"), Param("name"))
async def wallet_rename_account(node: Any, ctx: Any, address: str, name: str) -> dict[str, Any]:
    """Name an account."""
    from ..wallet import store

    ident = await require_identity(node, ctx)
    new = clean_name(name, "account name")

    def rename(s: Any) -> dict[str, Any]:
        a = store.find_account(s, ident, address)
        a.name = new
        return store.account_json(a)

    out = await node.db(rename)
    _changed(node)
    return out


@method("wallet_setDefaultAccount", Param("address"))
async def wallet_set_default(node: Any, ctx: Any, address: str) -> dict[str, Any]:
    """The account sends and dapps use unless told otherwise."""
    from ..wallet import store

    ident = await require_identity(node, ctx)

    def set_default(s: Any) -> dict[str, Any]:
        target = store.find_account(s, ident, address)
        for a in store.accounts_of(s, ident):
            a.is_default = a.id == target.id
        return store.account_json(target)

    out = await node.db(set_default)
    _changed(node)
    return out


@method(
    "wallet_exportKeystore",
    Param("address"),
    Param("password", secret=True, description="encrypts the keystore"),
    Param("vaultPassword", secret=True),
    access=Access.secret(),
)
async def wallet_export_keystore(
    node: Any, ctx: Any, address: str, password: str, vaultPassword: str
) -> dict[str, Any]:
    """An eth-keyfile (v3) JSON of one account, encrypted with `password` (scrypt)."""
    from ..wallet import store

    check_new_password(password, "keystore password")
    ident = await require_identity(node, ctx)

    def export(s: Any) -> dict[str, Any]:
        import eth_keyfile

        a = store.find_account(s, ident, address)
        return dict(eth_keyfile.create_keyfile_json(store.private_key(s, a), password.encode(), kdf="scrypt"))

    return {"keystore": await node.db(export)}


@method("wallet_revealPhrase", Param("walletId"), Param("vaultPassword", secret=True), access=Access.secret())
async def wallet_reveal_phrase(node: Any, ctx: Any, walletId: str, vaultPassword: str) -> dict[str, Any]:
    """The recovery phrase of one of the identity's HD wallets, to write down (never to an app)."""
    m = _vault_models()
    ident = await require_identity(node, ctx)

    def reveal(s: Any) -> dict[str, Any]:
        w = s.get(m.Wallet, walletId)
        if w is None or w.identity_id != ident:
            raise WalletError("No wallet with that id in this identity")
        if w.kind != "hd":
            raise WalletError("An imported key has no phrase: export its keystore instead")
        return {"walletId": w.id, "phrase": w.secret.decode()}

    return dict(await node.db(reveal))


@method("wallet_remove", Param("walletId"), Param("confirm", "boolean", required=False, default=False))
async def wallet_remove(node: Any, ctx: Any, walletId: str, confirm: bool) -> bool:
    """Remove a wallet and its accounts from the vault (its funds stay on chain: keep the phrase)."""
    if not confirm:
        raise E.ConfirmationRequired(
            "Removing a wallet needs confirmation: without its phrase or key its funds are lost"
        )
    m = _vault_models()
    ident = await require_identity(node, ctx)

    def remove(s: Any) -> None:
        w = s.get(m.Wallet, walletId)
        if w is None or w.identity_id != ident:
            raise WalletError("No such wallet for this identity")
        s.delete(w)

    await node.db(remove)
    _changed(node)
    return True


# -- balances and tokens ---------------------------------------------------------------------------


async def token_list(node: Any, ident: str) -> list[Any]:
    """ETH, the network's known tokens, and the identity's custom tokens on this chain."""
    from sqlalchemy import select

    from ..wallet.tokens import ETH, TokenInfo, known_tokens

    m = _vault_models()
    chain = ChainService.of(node)
    conn = await chain.connection()
    known, custom = await asyncio.gather(  # the chain's and the vault's halves at once
        chain.call(known_tokens),
        node.db(
            lambda s: [
                TokenInfo(t.symbol, t.name, t.decimals, t.address)
                for t in s.scalars(
                    select(m.Token).where(m.Token.identity_id == ident, m.Token.chain_id == conn.network.chain_id)
                )
            ]
        ),
    )
    seen = {t.address for t in known}
    return [ETH, *known, *[t for t in custom if t.address not in seen]]


async def resolve_token(node: Any, ident: str, token: str) -> Any:
    """'ETH', a symbol the wallet knows, or a token address."""
    from ..wallet.tokens import ETH

    if ETH.matches(token):  # first in every token list: no need to read the list
        return ETH
    for t in await token_list(node, ident):
        if t.matches(token):
            return t
    raise E.InvalidParams(f"Unknown token '{token[:42]}': add it by its address first")


NO_CODE = "No token contract at this address on this network (a dev chain is each machine's own: add the token again)"


@method("wallet_getBalances", Param("address", required=False))
async def wallet_get_balances(node: Any, ctx: Any, address: str | None) -> list[dict[str, Any]]:
    """ETH and token balances of an account (default: the default account)."""
    from ..wallet import store
    from ..wallet.tokens import ERC20_ABI

    ident = await require_identity(node, ctx)
    acct = await node.db(lambda s: store.find_account(s, ident, address).address)
    tokens = await token_list(node, ident)

    def read(c: Any) -> list[dict[str, Any]]:
        out = []
        for t in tokens:
            if t.address is None:
                bal = int(c.w3.eth.get_balance(acct))
            else:
                try:
                    bal = int(c.w3.eth.contract(address=t.address, abi=ERC20_ABI).functions.balanceOf(acct).call())
                except Exception:
                    if c.w3.eth.get_code(t.address):
                        raise
                    # A token added on another machine's dev chain (restored from a backup), or on
                    # another network: say so instead of failing every balance, never show a number.
                    out.append({**t.to_json(), "address": acct, "balance": None, "formatted": "—", "missing": NO_CODE})
                    continue
            out.append(
                {**t.to_json(), "address": acct, "balance": str(bal), "formatted": format_amount(bal, t.decimals, 6)}
            )
        return out

    return await ChainService.of(node).call(read)


@method("wallet_addToken", Param("address"))
async def wallet_add_token(node: Any, ctx: Any, address: str) -> dict[str, Any]:
    """Add an ERC-20 by address: symbol and decimals are read from the chain."""
    import uuid

    from sqlalchemy import select

    from ..wallet.tokens import token_info

    m = _vault_models()
    ident = await require_identity(node, ctx)
    chain = ChainService.of(node)
    info = await chain.call(lambda c: token_info(c, address))
    chain_id = (await chain.connection()).network.chain_id

    def add(s: Any) -> None:
        exists = s.scalars(
            select(m.Token).where(
                m.Token.identity_id == ident, m.Token.chain_id == chain_id, m.Token.address == info.address
            )
        ).first()
        if exists is None:
            s.add(
                m.Token(
                    id=uuid.uuid4().hex,
                    identity_id=ident,
                    chain_id=chain_id,
                    address=info.address,
                    symbol=info.symbol,
                    name=info.name,
                    decimals=info.decimals,
                )
            )

    await node.db(add)
    _changed(node)
    return info.to_json()


@method("wallet_listTokens")
async def wallet_list_tokens(node: Any, ctx: Any) -> list[dict[str, Any]]:
    """The tokens shown for this identity on the active network."""
    ident = await require_identity(node, ctx)
    return [t.to_json() for t in await token_list(node, ident)]


# -- sending ---------------------------------------------------------------------------------------


async def resolve_recipient(node: Any, ident: str, to: str) -> tuple[str, str | None]:
    """An address (checksum checked), or a contact id/name: (address, label)."""
    from web3 import Web3

    if to.startswith("0x") or to.startswith("0X"):
        if not Web3.is_address(to):
            raise E.InvalidParams("That is not a valid Ethereum address")
        if to != to.lower() and to[2:] != to[2:].upper() and not Web3.is_checksum_address(to):
            raise E.InvalidParams("The address's checksum (its upper/lower case) is wrong: check it for a typo")
        return Web3.to_checksum_address(to), None
    from .contacts import contact_address

    return await contact_address(node, ident, to)


async def prepare_send(
    node: Any, ident: str, to: str, amount: str, token: str
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
async def wallet_send(node: Any, ctx: Any, to: str, amount: Any, token: str, **kw: Any) -> dict[str, Any]:
    """Send ETH or a token to an address or a contact, after the user approves the decoded send."""
    from ..wallet.fill import known_transfer_gas
    from ..wallet.swap import token_balance
    from ..wallet.txs import InsufficientFunds, TxService

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
    return await TxService.of(node).send(
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
async def wallet_estimate_send(node: Any, ctx: Any, to: str, amount: Any, token: str, **kw: Any) -> dict[str, Any]:
    """The fee a send would cost (EIP-1559: gas x max fee per gas) before the user confirms."""
    from ..wallet import store
    from ..wallet.txs import TransactionFailed, TxService

    ident = await require_identity(node, ctx)
    tx, details, _ = await prepare_send(node, ident, to, str(amount), token)
    tx.pop("_token_amount", None)
    sender = await node.db(lambda s: store.find_account(s, ident, kw.get("from")).address)
    svc = TxService.of(node)
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
async def wallet_history(node: Any, ctx: Any, address: str | None, limit: int) -> list[dict[str, Any]]:
    """The transactions this identity sent or received on the active network, newest first."""
    from sqlalchemy import select

    from ..wallet.interrupted import public_details
    from ..wallet.txs import summary

    m = _vault_models()
    ident = await require_identity(node, ctx)
    chain_id = (await ChainService.of(node).connection()).network.chain_id
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
async def wallet_recheck(node: Any, ctx: Any) -> dict[str, int]:
    """Re-check pending transactions (after a restart or an outage): confirm, re-broadcast or retire."""
    from ..wallet.txs import TxService

    return await TxService.of(node).recheck(await require_identity(node, ctx))


@method("wallet_watchPayments", Param("interval", "number", required=False, default=3.0))
async def wallet_watch_payments(node: Any, ctx: Any, interval: float) -> bool:
    """Start announcing payments received by the vault's accounts (events + notifications)."""
    from ..wallet.watcher import PaymentWatcher

    PaymentWatcher.of(node).start(max(0.5, float(interval)))
    return True


@method("wallet_scanPayments")
async def wallet_scan_payments(node: Any, ctx: Any) -> list[dict[str, Any]]:
    """Scan new blocks for payments now (the watcher does this on its own every few seconds)."""
    from ..wallet.watcher import PaymentWatcher

    found = await PaymentWatcher.of(node).scan()
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
