"""Swaps through a Uniswap V2 router: quotes from the chain, and the transactions that swap.

The same code serves the embedded dev chain (the project's own router) and a real network
(Uniswap V2 Router02 on mainnet): only the addresses in `Network.contracts` differ.

    q = quote(conn, ETH, MFT_INFO, parse_amount("0.5", 18), slippage_bps=50, owner=addr)
    tx = swap_tx(conn, q, owner=addr)           # to/value/data for TxService.send
    approval = approve_tx(conn, q)              # when q.needs_approval (token input)

Functions here block (web3 calls): run them on the chain thread (`ChainService.call`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import errors as E
from . import rpc
from .amounts import format_amount
from .store import WalletError
from .tokens import NotAToken, TokenInfo

DEADLINE_SECONDS = 20 * 60  # added to the next block's time (rpc.next_block_time: chain time)
MAX_SLIPPAGE_BPS = 5000  # 50%: anything above is almost surely a typo
FEE_NUM, FEE_DEN = 997, 1000  # Uniswap V2: 0.3% of the input stays in the pool


class SwapError(WalletError):
    code, default_message = 5020, "Swap error"


class NoRoute(SwapError):
    code, default_message = 5021, "There is no pool for this pair on this network"


class SwapFailed(SwapError):
    code, default_message = 5022, "The swap failed"


@dataclass(frozen=True)
class Quote:
    token_in: TokenInfo
    token_out: TokenInfo
    amount_in: int
    amount_out: int
    minimum_out: int
    slippage_bps: int
    path: tuple[str, ...]
    router: str
    reserve_in: int
    reserve_out: int
    needs_approval: bool
    deadline: int  # unix seconds, chain time

    @property
    def price_impact(self) -> Decimal:
        """How far this trade moves the price, in percent, the 0.3% pool fee excluded.

        The pool's mid price gives reserve_out/reserve_in per unit in; after the fee the input
        that trades is amount_in*997/1000, so the ideal output is that times the mid price.
        """
        ideal = Decimal(self.amount_in * FEE_NUM * self.reserve_out) / Decimal(FEE_DEN * self.reserve_in)
        if ideal == 0:
            return Decimal(0)
        return (ideal - Decimal(self.amount_out)) / ideal * 100

    def to_json(self) -> dict[str, Any]:
        ti, to = self.token_in, self.token_out
        impact = self.price_impact.quantize(Decimal("0.0001"))
        return {
            "from": ti.symbol,
            "to": to.symbol,
            "amountIn": str(self.amount_in),
            "amountInFormatted": format_amount(self.amount_in, ti.decimals),
            "amountOut": str(self.amount_out),
            "amountOutFormatted": format_amount(self.amount_out, to.decimals),
            "minimumReceived": str(self.minimum_out),
            "minimumReceivedFormatted": format_amount(self.minimum_out, to.decimals),
            "slippage": str(Decimal(self.slippage_bps) / 100),
            "priceImpact": str(impact),
            "lpFee": format_amount(self.amount_in * (FEE_DEN - FEE_NUM) // FEE_DEN, ti.decimals),
            "path": list(self.path),
            "route": f"{ti.symbol} → {to.symbol} via Uniswap V2 (router {self.router})",
            "router": self.router,
            "needsApproval": self.needs_approval,
            "deadline": self.deadline,
        }


def parse_slippage(value: Any) -> int:
    """A percent ("0.5", 1) -> basis points (50, 100), between 0 and 50%."""
    if isinstance(value, bool):
        raise E.InvalidParams("The slippage must be a percent, e.g. 0.5")
    try:
        pct = Decimal(str(value).strip().rstrip("%"))
    except ArithmeticError:
        raise E.InvalidParams("The slippage must be a percent, e.g. 0.5") from None
    if not pct.is_finite() or pct < 0:
        raise E.InvalidParams("The slippage must be a percent between 0 and 50")
    bps = pct * 100
    if bps != bps.to_integral_value():
        raise E.InvalidParams("The slippage has at most two decimal places (0.01%)")
    if bps > MAX_SLIPPAGE_BPS:
        raise E.InvalidParams("The slippage must be a percent between 0 and 50")
    return int(bps)


def amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """The constant-product formula with the 0.3% fee, exactly as UniswapV2Library.getAmountOut."""
    with_fee = amount_in * FEE_NUM
    return (with_fee * reserve_out) // (reserve_in * FEE_DEN + with_fee)


def _router(conn: Any) -> str:
    from .netcheck import router_of

    if not conn.network.contracts.router:
        raise NoRoute(f"No Uniswap V2 router is configured for {conn.network.name}")
    return router_of(conn)  # checked on first use: a wrong address is a clear error, not -32603


def _weth(conn: Any, router: str) -> str:
    from .netcheck import WETH, call_address

    return str(conn.network.contracts.weth or call_address(conn, router, WETH))


GET_RESERVES, GET_AMOUNTS_OUT = "0x0902f1ac", "0xd06ca61f"  # getReserves(), getAmountsOut(uint256,address[])


def quote(
    conn: Any, token_in: TokenInfo, token_out: TokenInfo, amount_in: int, slippage_bps: int, owner: str | None
) -> Quote:
    """Ask the router for amounts out along ETH<->token, with reserves for the price impact."""
    from eth_abi import decode, encode

    if (token_in.address is None) == (token_out.address is None):
        raise E.InvalidParams("A swap goes from ETH to a token or from a token to ETH")
    router = _router(conn)
    weth = _weth(conn, router)
    if token_in.address is None:
        assert token_out.address is not None  # one side is ETH, the other a token: checked above
        path = (weth, token_out.address)
    else:
        path = (token_in.address, weth)
    pair, token0 = _pair(conn, router, path)
    if pair is None:
        raise NoRoute(f"There is no {token_in.symbol}/{token_out.symbol} pool on {conn.network.name}")
    stored = rpc.own_pair_reserves(conn, pair)
    if stored is not None:
        r0, r1 = stored
    else:  # a plain eth_call with the words decoded here: web3's contract layer cost more than the call
        r0, r1, _ = decode(
            ["uint112", "uint112", "uint32"], rpc.call(conn, {"from": owner, "to": pair, "data": GET_RESERVES})
        )
    r_in, r_out = (r0, r1) if token0.lower() == path[0].lower() else (r1, r0)
    if r_in == 0 or r_out == 0:
        raise NoRoute(f"The {token_in.symbol}/{token_out.symbol} pool is empty")
    if _own_router(conn, router):
        # The project's router computes getAmountsOut from these very reserves with this formula
        # (contracts/UniswapV2Router02.sol): a second EVM run would give the same figure.
        out = amount_out(amount_in, int(r_in), int(r_out))
    else:
        data = GET_AMOUNTS_OUT + encode(["uint256", "address[]"], [amount_in, list(path)]).hex()
        try:
            (amounts,) = decode(["uint256[]"], rpc.call(conn, {"from": owner, "to": router, "data": data}))
        except Exception as exc:  # noqa: BLE001 - a revert: e.g. INSUFFICIENT_LIQUIDITY
            from .fill import revert_reason

            raise SwapError(f"The router cannot quote this swap: {revert_reason(exc)}") from None
        out = int(amounts[-1])
    if out <= 0:
        raise SwapError("This amount is too small to swap")
    needs_approval = False
    if token_in.address is not None and owner:
        needs_approval = token_allowance(conn, token_in, owner, router) < amount_in
    deadline = rpc.next_block_time(conn) + DEADLINE_SECONDS
    minimum = out * (10_000 - slippage_bps) // 10_000
    return Quote(
        token_in,
        token_out,
        amount_in,
        out,
        minimum,
        slippage_bps,
        path,
        router,
        int(r_in),
        int(r_out),
        needs_approval,
        deadline,
    )


def _own_router(conn: Any, router: str) -> bool:
    """Whether `router` is the one the embedded chain deployed from the project's sources."""
    return conn.devchain is not None and router.lower() == conn.devchain.deployment.router.lower()


GET_PAIR, TOKEN0 = "0xe6a43905", "0x0dfe1681"  # a factory's getPair(address,address), a pair's token0()


def _pair(conn: Any, router: str, path: tuple[str, ...]) -> tuple[str | None, str]:
    """The pool of `path` (its address) and its token0, or (None, "") when there is none.
    Read once per connection: a Uniswap V2 router's factory, a pair's address and its token
    order never change once they exist (a missing pool is asked again: it may be created).
    Plain eth_calls decoded here (web3's contract layer cost more than the calls)."""
    from eth_abi import encode

    from .netcheck import FACTORY, call_address

    key = ("uniswap-pair", router, path[0], path[1])
    if key not in conn.cache:
        factory = call_address(conn, router, FACTORY)
        pair = call_address(conn, factory, GET_PAIR + encode(["address", "address"], list(path[:2])).hex())
        if int(pair, 16) == 0:
            return None, ""
        conn.cache[key] = (pair, call_address(conn, pair, TOKEN0))
    cached: tuple[str, str] = conn.cache[key]
    return cached


# The router's swap functions, encoded with eth_abi: web3's contract layer looked the ABI up and
# checked every argument again on each call (~2 ms, more than the rest of the swap's preparation).
_SWAP_ETH_FOR_TOKENS = ("swapExactETHForTokens(uint256,address[],address,uint256)", "0x7ff36ab5")
_SWAP_TOKENS_FOR_ETH = ("swapExactTokensForETH(uint256,uint256,address[],address,uint256)", "0x18cbafe5")
_APPROVE = ("approve(address,uint256)", "0x095ea7b3")


def _encoded(function: tuple[str, str], args: list[Any]) -> str:
    from eth_abi import encode

    signature, selector = function
    types = signature[signature.index("(") + 1 : -1].split(",")
    return selector + encode(types, args).hex()


def approve_tx(conn: Any, q: Quote) -> dict[str, Any]:
    """Let the router take exactly this swap's input (not an unlimited allowance)."""
    assert q.token_in.address is not None
    return {"to": q.token_in.address, "value": 0, "data": _encoded(_APPROVE, [q.router, q.amount_in])}


def swap_tx(conn: Any, q: Quote, owner: str, deadline: int | None = None) -> dict[str, Any]:
    """The router call for this quote: exact input, at least `minimum_out` back, to `owner`."""
    router = _router(conn)
    deadline = q.deadline if deadline is None else deadline
    if q.token_in.address is None:
        data = _encoded(_SWAP_ETH_FOR_TOKENS, [q.minimum_out, list(q.path), owner, deadline])
        return {"to": router, "value": q.amount_in, "data": data}
    data = _encoded(_SWAP_TOKENS_FOR_ETH, [q.amount_in, q.minimum_out, list(q.path), owner, deadline])
    return {"to": router, "value": 0, "data": data}


BALANCE_OF, ALLOWANCE = "0x70a08231", "0xdd62ed3e"  # balanceOf(address), allowance(address,address)


def _word(address: str) -> str:
    return address.lower().removeprefix("0x").rjust(64, "0")


def token_balance(conn: Any, token: TokenInfo, owner: str) -> int:
    """`owner`'s balance of `token` (ETH or an ERC-20). The call goes out as plain eth_call: web3's
    contract layer (ABI look-ups, argument checks, result formatting) cost more than the call."""
    if token.address is None:
        return rpc.balance(conn, owner)
    stored = rpc.own_token_balance(conn, token.address, owner)
    if stored is not None:
        return stored
    return _token_uint(conn, token, {"from": owner, "to": token.address, "data": BALANCE_OF + _word(owner)})


def token_allowance(conn: Any, token: TokenInfo, owner: str, spender: str) -> int:
    assert token.address is not None
    data = ALLOWANCE + _word(owner) + _word(spender)
    return _token_uint(conn, token, {"from": owner, "to": token.address, "data": data})


def _token_uint(conn: Any, token: TokenInfo, tx: dict[str, Any]) -> int:
    try:
        return rpc.call_uint(conn, tx)
    except ValueError:  # no code there (b""), or not an ERC-20's answer
        raise NotAToken(
            f"{token.symbol} ({token.address}) does not answer as an ERC-20 token on {conn.network.name}"
        ) from None


TRANSFER_TOPIC = (
    "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"  # Transfer(address,address,uint256)
)


def received_in(conn: Any, tx_hash: str, token: TokenInfo, owner: str) -> int | None:
    """What `owner` received of `token` in that transaction, from its Transfer logs (the token's
    own account of the move: unlike a difference of two balance reads, no other transfer in the
    same block counts). None while it is not mined."""
    assert token.address is not None
    logs = rpc.receipt_logs(conn, tx_hash)
    if logs is None:
        return None
    me, address = "0x" + _word(owner), token.address.lower()
    return sum(
        int(data, 16)
        for addr, topics, data in logs
        if addr == address and len(topics) == 3 and topics[0] == TRANSFER_TOPIC and topics[2] == me and data != "0x"
    )
