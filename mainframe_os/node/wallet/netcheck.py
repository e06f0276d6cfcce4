"""A network's configured contracts checked against the chain, so a wrong address is one clear
message instead of an "Internal error" deep inside a swap or a token send.

    check_contracts(conn)   # when a network is added: every slot at once, all problems listed
    router_of(conn)         # when a swap uses the router: checked once per connection

Functions here block (chain calls): run them on the chain thread.
"""

from __future__ import annotations

from typing import Any

from .tokens import TOKEN_SLOTS, BadNetworkContract, NotAToken, token_info

__all__ = ["check_contracts", "router_of"]


def _has_code(conn: Any, address: str) -> bool:
    from . import rpc

    key = ("has-code", address)
    if not conn.cache.get(key):
        conn.cache[key] = rpc.has_code(conn, address)
    return bool(conn.cache[key])


FACTORY, WETH = "0xc45a0155", "0xad5c4648"  # a Uniswap V2 router's factory() and WETH()


def call_address(conn: Any, to: str, data: str) -> str:
    """A plain eth_call of a function returning one address (checksummed). Raises on a revert
    or an answer that is not an address (web3's contract layer cost more than the call)."""
    from eth_abi import decode

    from . import rpc

    (address,) = decode(["address"], rpc.call(conn, {"to": to, "data": data}))
    return str(address)


def _router_problems(conn: Any, address: str) -> list[str]:
    name = conn.network.name
    if not _has_code(conn, address):
        return [f"the Uniswap V2 router {address} has no contract on {name}"]
    try:
        factory = call_address(conn, address, FACTORY)
        weth = call_address(conn, address, WETH)
    except Exception:  # noqa: BLE001 - a revert or garbage back: either way not a router
        return [f"the contract at {address} does not answer factory() and WETH(): it is not a Uniswap V2 router"]
    problems = []
    if not _has_code(conn, factory):
        problems.append(f"the router's factory {factory} has no contract on {name}")
    configured = conn.network.contracts.weth
    if configured and configured.lower() != str(weth).lower():
        problems.append(f"the router swaps through WETH {weth}, not the configured WETH {configured}")
    return problems


def check_contracts(conn: Any) -> None:
    """Every configured contract: code present, tokens readable (symbol, decimals), the router
    answering factory()/WETH(). Raises BadNetworkContract listing every problem found."""
    c = conn.network.contracts
    problems: list[str] = []
    for slot, label in TOKEN_SLOTS:
        address = getattr(c, slot)
        if not address:
            continue
        if not _has_code(conn, address):
            problems.append(f"the {label} token {address} has no contract on {conn.network.name}")
            continue
        try:
            token_info(conn, address)
        except NotAToken:
            problems.append(f"the {label} token {address} is not an ERC-20 token (no symbol/decimals)")
    if c.weth and not _has_code(conn, c.weth):
        problems.append(f"WETH {c.weth} has no contract on {conn.network.name}")
    if c.router:
        problems += _router_problems(conn, c.router)
    if problems:
        raise BadNetworkContract(_sentence(problems))


def router_of(conn: Any) -> str:
    """The network's router address (configured: swap.py says when it is not), checked on first
    use on this connection."""
    address = str(conn.network.contracts.router)
    if not conn.cache.get(("router-ok", address)):
        problems = _router_problems(conn, address)
        if problems:
            raise BadNetworkContract(
                _sentence(problems) + " Fix the network's contracts (mfos network add --contracts)."
            )
        conn.cache[("router-ok", address)] = True
    return address


def _sentence(problems: list[str]) -> str:
    text = "; ".join(problems)
    return text[:1].upper() + text[1:] + "."
