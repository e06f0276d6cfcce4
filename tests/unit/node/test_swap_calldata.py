"""The swap's router calls and the token approval are encoded with eth_abi directly (web3's
contract layer cost ~2 ms a swap, and a cold swap does not import web3): the bytes are web3's,
for both directions and the approval."""

from __future__ import annotations

from types import SimpleNamespace

from web3 import Web3

from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.wallet import swap
from mainframe_os.node.wallet.tokens import ERC20_ABI, ETH, TokenInfo

ROUTER = Web3.to_checksum_address("0x" + "11" * 20)
WETH = Web3.to_checksum_address("0x" + "22" * 20)
MFT = TokenInfo("MFT", "Mainframe Token", 18, Web3.to_checksum_address("0x" + "33" * 20))
OWNER = Web3.to_checksum_address("0x" + "44" * 20)


def test_swap_calls_are_the_bytes_web3_encodes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    router = Web3().eth.contract(address=ROUTER, abi=abi_of("UniswapV2Router02"))
    monkeypatch.setattr(swap, "_router", lambda conn: ROUTER)
    conn = SimpleNamespace()
    base = dict(
        minimum_out=987654321, slippage_bps=50, router=ROUTER, reserve_in=1, reserve_out=1, deadline=1_900_000_000
    )
    to_mft = swap.Quote(
        ETH, MFT, amount_in=10**17, amount_out=10**21, path=(WETH, MFT.address), needs_approval=False, **base
    )  # type: ignore[arg-type]
    tx = swap.swap_tx(conn, to_mft, OWNER)
    assert tx["value"] == 10**17 and tx["to"] == ROUTER
    assert tx["data"] == router.encode_abi(
        "swapExactETHForTokens", args=[987654321, [WETH, MFT.address], OWNER, 1_900_000_000]
    )
    to_eth = swap.Quote(
        MFT, ETH, amount_in=5 * 10**20, amount_out=10**16, path=(MFT.address, WETH), needs_approval=False, **base
    )  # type: ignore[arg-type]
    tx = swap.swap_tx(conn, to_eth, OWNER, deadline=1_900_000_123)
    assert tx["value"] == 0
    assert tx["data"] == router.encode_abi(
        "swapExactTokensForETH", args=[5 * 10**20, 987654321, [MFT.address, WETH], OWNER, 1_900_000_123]
    )
    erc20 = Web3().eth.contract(address=MFT.address, abi=ERC20_ABI)
    tx = swap.approve_tx(conn, to_eth)
    assert (tx["to"], tx["value"]) == (MFT.address, 0)
    assert tx["data"] == erc20.encode_abi("approve", args=[ROUTER, 5 * 10**20])
