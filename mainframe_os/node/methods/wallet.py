"""wallet_* methods: create/import wallets, accounts, balances and tokens (sends and history:
methods/wallet_send.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..events import WalletsChanged
from ..params import Param
from ..password_rules import check_new_password
from ..registry import Access, method
from ..wallet import hd
from ..wallet.amounts import format_amount
from ..wallet.store import WalletError
from .identities import clean_name, require_identity

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node


def _vault_models() -> Any:
    import vault.models as m

    return m


@method("wallet_generatePhrase", Param("words", "integer", required=False, default=12))
async def wallet_generate_phrase(node: Node, ctx: CallerContext, words: int) -> dict[str, Any]:
    """A fresh BIP-39 phrase to show the user once; nothing is stored until wallet_create."""
    if words not in (12, 24):
        raise E.InvalidParams("A new phrase has 12 or 24 words")
    return {"phrase": hd.generate_phrase(words)}


@method(
    "wallet_create", Param("phrase", secret=True), Param("name", required=False), Param("identityId", required=False)
)
async def wallet_create(
    node: Node, ctx: CallerContext, phrase: str, name: str | None, identityId: str | None
) -> dict[str, Any]:
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
    node: Node, ctx: CallerContext, privateKey: str, name: str | None, identityId: str | None
) -> dict[str, Any]:
    """Import one account from its private key."""
    from ..wallet import store

    key = hd.parse_private_key(privateKey)
    ident = await require_identity(node, ctx, identityId)
    wname = clean_name(name or "Imported account", "wallet name")
    out = await node.db(lambda s: store.wallet_json(s, store.create_from_key(s, ident, key, wname)))
    _changed(node)
    return out


async def _fund_on_dev(node: Node, address: str) -> None:
    """On the embedded dev chain a new wallet's first account gets test ETH from genesis money."""
    chain = node.session.chain
    if await chain.active_id() != "dev":
        return
    from ..wallet.onramp import FAUCET_START_WEI

    await chain.call(lambda c: c.devchain.fund(address, FAUCET_START_WEI) if c.devchain else None)


def _changed(node: Node) -> None:
    node.events.emit(WalletsChanged())


@method("wallet_list", Param("identityId", required=False))
async def wallet_list(node: Node, ctx: CallerContext, identityId: str | None) -> list[dict[str, Any]]:
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
async def wallet_add_account(node: Node, ctx: CallerContext, walletId: str, name: str | None) -> dict[str, Any]:
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
async def wallet_accounts(node: Node, ctx: CallerContext, identityId: str | None) -> list[dict[str, Any]]:
    """Every account of the identity, the default first."""
    from ..wallet import store

    ident = await require_identity(node, ctx, identityId)
    return await node.db(lambda s: [store.account_json(a) for a in store.accounts_of(s, ident)])


@method("wallet_renameAccount", Param("address"), Param("name"))
async def wallet_rename_account(node: Node, ctx: CallerContext, address: str, name: str) -> dict[str, Any]:
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
async def wallet_set_default(node: Node, ctx: CallerContext, address: str) -> dict[str, Any]:
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
    node: Node, ctx: CallerContext, address: str, password: str, vaultPassword: str
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
async def wallet_reveal_phrase(node: Node, ctx: CallerContext, walletId: str, vaultPassword: str) -> dict[str, Any]:
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
async def wallet_remove(node: Node, ctx: CallerContext, walletId: str, confirm: bool) -> bool:
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
    node.session.seeds.forget(walletId)  # its keys kept for sends go with it
    _changed(node)
    return True


# -- balances and tokens ---------------------------------------------------------------------------


async def token_list(node: Node, ident: str) -> list[Any]:
    """ETH, the network's known tokens, and the identity's custom tokens on this chain."""
    from ..wallet.tokens import ETH, known_tokens

    chain = node.session.chain
    conn = await chain.connection()
    known, custom = await asyncio.gather(  # the chain's and the vault's halves at once
        chain.call(known_tokens), _custom_tokens(node, ident, conn.network.chain_id)
    )
    seen = {t.address for t in known}
    return [ETH, *known, *[t for t in custom if t.address not in seen]]


async def _custom_tokens(node: Node, ident: str, chain_id: int) -> list[Any]:
    """The tokens the identity added on chain `chain_id`, as the vault keeps them."""
    from sqlalchemy import select

    from ..wallet.tokens import TokenInfo

    m = _vault_models()
    return await node.db(
        lambda s: [
            TokenInfo(t.symbol, t.name, t.decimals, t.address)
            for t in s.scalars(select(m.Token).where(m.Token.identity_id == ident, m.Token.chain_id == chain_id))
        ]
    )


async def resolve_token(node: Node, ident: str, token: str) -> Any:
    """'ETH', a symbol the wallet knows, or a token address."""
    from ..wallet.tokens import ETH, known_tokens, known_tokens_read

    if ETH.matches(token):  # first in every token list: no need to read the list
        return ETH
    # The network's tokens come before the identity's own in the list, so one of them named here
    # is the answer without reading the vault (a send of MFT paid that read each time), and once
    # read on this connection without a hop to the chain thread.
    chain = node.session.chain
    known = known_tokens_read(await chain.connection())
    for t in known if known is not None else await chain.call(known_tokens):
        if t.matches(token):
            return t
    for t in await token_list(node, ident):
        if t.matches(token):
            return t
    raise E.InvalidParams(f"Unknown token '{token[:42]}': add it by its address first")


NO_CODE = "No token contract at this address on this network (a dev chain is each machine's own: add the token again)"


@method("wallet_getBalances", Param("address", required=False))
async def wallet_get_balances(node: Node, ctx: CallerContext, address: str | None) -> list[dict[str, Any]]:
    """ETH and token balances of an account (default: the default account)."""
    from ..wallet import store
    from ..wallet.tokens import ERC20_ABI

    ident = await require_identity(node, ctx)
    acct = await node.db(lambda s: store.find_account(s, ident, address).address)
    if not node.session.chain.connected:  # a cold read: the dev chain's stored state may answer
        stored = await _stored_balances(node, ident, acct)
        if stored is not None:
            return [_balance_row(t, acct, bal) for t, bal in stored]
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
            out.append(_balance_row(t, acct, bal))
        return out

    return await node.session.chain.call(read)


def _balance_row(token: Any, account: str, balance: int) -> dict[str, Any]:
    """One row of wallet_getBalances, however the balance was read."""
    return {
        **token.to_json(),
        "address": account,
        "balance": str(balance),
        "formatted": format_amount(balance, token.decimals, 6),
    }


async def _stored_balances(node: Node, ident: str, account: str) -> list[tuple[Any, int]] | None:
    """Every token's balance read from the embedded chain's stored state, without opening the
    chain (wallet/stored_balances.py); None when the active network is another or that read is
    not certain, and the chain answers."""
    from ..wallet.networks import DEV, PRESETS
    from ..wallet.stored_balances import read_stored_balances

    if await node.session.chain.active_id() != DEV:
        return None
    custom = await _custom_tokens(node, ident, PRESETS[DEV].chain_id)
    folder = node.paths.chain
    return await asyncio.get_running_loop().run_in_executor(None, read_stored_balances, folder, custom, account)


@method("wallet_addToken", Param("address"))
async def wallet_add_token(node: Node, ctx: CallerContext, address: str) -> dict[str, Any]:
    """Add an ERC-20 by address: symbol and decimals are read from the chain."""
    import uuid

    from sqlalchemy import select

    from ..wallet.tokens import token_info

    m = _vault_models()
    ident = await require_identity(node, ctx)
    chain = node.session.chain
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
async def wallet_list_tokens(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """The tokens shown for this identity on the active network."""
    ident = await require_identity(node, ctx)
    return [t.to_json() for t in await token_list(node, ident)]
