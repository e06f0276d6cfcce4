"""ERC-20 tokens: the network's known ones (MFT, DAI) and those the user added by address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import errors as E

ERC20_ABI: list[dict[str, Any]] = [
    {"name": "name", "type": "function", "stateMutability": "view", "inputs": [], "outputs": [{"type": "string"}]},
    {"name": "symbol", "type": "function", "stateMutability": "view", "inputs": [], "outputs": [{"type": "string"}]},
    {"name": "decimals", "type": "function", "stateMutability": "view", "inputs": [], "outputs": [{"type": "uint8"}]},
    {
        "name": "balanceOf",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"type": "uint256"}],
    },
    {
        "name": "allowance",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
        "outputs": [{"type": "uint256"}],
    },
    {
        "name": "transfer",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"type": "bool"}],
    },
    {
        "name": "approve",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"type": "bool"}],
    },
    {
        "name": "Transfer",
        "type": "event",
        "anonymous": False,
        "inputs": [
            {"name": "from", "type": "address", "indexed": True},
            {"name": "to", "type": "address", "indexed": True},
            {"name": "value", "type": "uint256", "indexed": False},
        ],
    },
]


class NotAToken(E.RpcError):
    code, default_message = 5010, "That address is not an ERC-20 token contract"


@dataclass(frozen=True)
class TokenInfo:
    symbol: str
    name: str
    decimals: int
    address: str | None  # None for ETH
    slot: str | None = None  # "MFT"/"DAI" for a network's configured token: the name users type

    def matches(self, ref: str) -> bool:
        """Whether `ref` (a symbol, the slot's name, or the address) names this token."""
        up = ref.upper()
        return up in (self.symbol.upper(), (self.slot or "").upper()) or (
            self.address is not None and ref.lower() == self.address.lower()
        )

    def to_json(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "name": self.name, "decimals": self.decimals, "token": self.address}


ETH = TokenInfo("ETH", "Ether", 18, None)


def read_token(w3: Any, address: str) -> TokenInfo:
    """Symbol, name and decimals read from the chain; a clear error when it is not a token."""
    from web3 import Web3

    if not Web3.is_address(address):
        raise E.InvalidParams("That is not an Ethereum address")
    addr = Web3.to_checksum_address(address)
    if not w3.eth.get_code(addr):
        raise NotAToken("There is no contract at that address on this network")
    c = w3.eth.contract(address=addr, abi=ERC20_ABI)
    try:
        symbol = c.functions.symbol().call()
        decimals = int(c.functions.decimals().call())
        name = c.functions.name().call()
        c.functions.balanceOf(addr).call()
    except Exception:  # noqa: BLE001 - a revert, a bad return: either way not an ERC-20
        raise NotAToken() from None
    return checked_token(symbol, name, decimals, addr)


def checked_token(symbol: Any, name: Any, decimals: int, address: str) -> TokenInfo:
    """A token as the wallet keeps it, from what its symbol(), name() and decimals() say (read
    through the EVM, or from the stored state: wallet/stored_balances.py)."""
    if not isinstance(symbol, str) or not symbol or decimals > 77:
        raise NotAToken()
    return TokenInfo(symbol[:16], str(name)[:64], decimals, address)


class BadNetworkContract(E.RpcError):
    """A contract configured for a network (its mft/dai/weth/router slot) is not what it should be."""

    code, default_message = 5011, "A contract configured for this network is wrong"


def token_info(conn: Any, address: str) -> TokenInfo:
    """`read_token`, cached per connection (so per chain and address): decimals never change."""
    from .addresses import is_address, to_checksum_address

    key = ("token", to_checksum_address(address) if is_address(address) else address)
    hit = conn.cache.get(key)
    if isinstance(hit, TokenInfo):
        return hit
    from .rpc import own_token

    own = own_token(conn, address) if is_address(address) else None
    info = checked_token(*own, to_checksum_address(address)) if own else read_token(conn.w3, address)
    conn.cache[key] = info
    return info


def maybe_token(conn: Any, address: str) -> TokenInfo | None:
    """The token at `address`, or None when it is not an ERC-20 (an NFT, a router, an account)."""
    key = ("not-token", address.lower())
    if conn.cache.get(key):
        return None
    try:
        return token_info(conn, address)
    except (NotAToken, E.InvalidParams):
        conn.cache[key] = True
        return None


# The slots a network configures, with the names the user types for them (`--token DAI`).
TOKEN_SLOTS = (("mft", "MFT"), ("dai", "DAI"))
KNOWN_TOKENS = ("known-tokens",)  # Connection.cache key


def known_tokens(conn: Any) -> list[TokenInfo]:
    """The network's configured tokens, symbol and decimals read from the chain (cached).

    A slot that holds no ERC-20 is an error that names the slot: amounts must never be scaled
    by a guess (a 6-decimal token in the `dai` slot read as 18 decimals moves 10^12 times more).
    """
    cached = conn.cache.get(KNOWN_TOKENS)
    if cached is not None:
        return list(cached)
    out = []
    for slot, label in TOKEN_SLOTS:
        address = getattr(conn.network.contracts, slot)
        if not address:
            continue
        try:
            info = token_info(conn, address)
        except NotAToken:
            raise BadNetworkContract(
                f"The {label} token configured for {conn.network.name} ({address}) is not an ERC-20 token "
                "on this chain: fix the network's contracts"
            ) from None
        out.append(TokenInfo(info.symbol, info.name, info.decimals, info.address, slot=label))
    conn.cache[KNOWN_TOKENS] = tuple(out)  # a connection's network keeps its contracts
    return out


def known_tokens_read(conn: Any) -> list[TokenInfo] | None:
    """What known_tokens read on this connection already, or None: a dict read, safe off the
    chain thread (the loop asks it before it hops there)."""
    cached = conn.cache.get(KNOWN_TOKENS)
    return None if cached is None else list(cached)
