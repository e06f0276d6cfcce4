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
    if not isinstance(symbol, str) or not symbol or decimals > 77:
        raise NotAToken()
    return TokenInfo(symbol[:16], str(name)[:64], decimals, addr)


def known_tokens(network: Any) -> list[TokenInfo]:
    c = network.contracts
    out = []
    if c.mft:
        out.append(TokenInfo("MFT", "Mainframe Token", 18, c.mft))
    if c.dai:
        out.append(TokenInfo("DAI", "Dai Stablecoin", 18, c.dai))
    return out
