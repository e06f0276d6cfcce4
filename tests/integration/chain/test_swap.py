"""Swaps through the project's Uniswap V2 router, on the dev chain and on anvil.

Quotes must equal the constant-product formula with the 0.3% fee to the wei, and what the
user receives must equal the quote. Reverts must reach the caller with the router's reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractLogicError

from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.chain.deploy import Deployment, deploy_all

from .helpers import send_raw

ETHER = 10**18
GAS_MARGIN = (1.25, 20_000)  # what the wallet adds to estimates: est * 1.25 + 20000


@dataclass
class Net:
    name: str
    w3: Web3
    deployment: Deployment
    user: LocalAccount


def _new_user(w3: Web3, funder: LocalAccount) -> LocalAccount:
    user: LocalAccount = Account.create()
    send_raw(w3, funder, {"to": user.address, "value": 100 * ETHER, "gas": 21_000})
    return user


@pytest.fixture(scope="module", params=["devchain", pytest.param("anvil", marks=pytest.mark.realnode)])
def net(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    if request.param == "devchain":
        from mainframe_os.node.chain.devchain import DevChain

        chain = DevChain.open(Path(tmp_path_factory.mktemp("devchain")) / "chain")
        funder = Account.from_key(_genesis_key(chain))
        try:
            yield Net("devchain", chain.w3, chain.deployment, _new_user(chain.w3, funder))
        finally:
            chain.close()
    else:
        node = request.getfixturevalue("anvil_node")
        w3 = Web3(Web3.HTTPProvider(node.url))
        deployment = deploy_all(w3, node.keys[0])
        funder = Account.from_key(node.keys[1])
        yield Net("anvil", w3, deployment, _new_user(w3, funder))


def _genesis_key(chain: object) -> bytes:
    import json

    doc = json.loads((chain.folder / "genesis-keys.json").read_text())  # type: ignore[attr-defined]
    return bytes.fromhex(doc["private_keys"][1][2:])  # [0] deployed; any one will do


def _router(net: Net):  # type: ignore[no-untyped-def]
    return net.w3.eth.contract(address=net.deployment.router, abi=abi_of("UniswapV2Router02"))


def _reserves(net: Net, pair: str, token_in: str) -> tuple[int, int]:
    contract = net.w3.eth.contract(address=pair, abi=abi_of("UniswapV2Pair"))
    r0, r1, _ = contract.functions.getReserves().call()
    token0 = contract.functions.token0().call()
    return (r0, r1) if token0 == token_in else (r1, r0)


def _formula(amount_in: int, r_in: int, r_out: int) -> int:
    return (amount_in * 997 * r_out) // (r_in * 1000 + amount_in * 997)


def _deadline(net: Net) -> int:
    return int(net.w3.eth.get_block("latest")["timestamp"]) + 1200


def _send_with_margin(net: Net, fn, value: int = 0) -> tuple[int, int, dict]:  # type: ignore[no-untyped-def]
    """Estimate, add the wallet's margin, send; return (estimate, gasUsed, receipt)."""
    estimate = fn.estimate_gas({"from": net.user.address, "value": value})
    gas = int(estimate * GAS_MARGIN[0]) + GAS_MARGIN[1]
    tx = fn.build_transaction({"from": net.user.address, "value": value, "gas": gas,
                               "maxFeePerGas": 1, "maxPriorityFeePerGas": 1, "nonce": 0,
                               "chainId": net.w3.eth.chain_id})  # fmt: skip
    receipt = send_raw(net.w3, net.user, {"to": tx["to"], "data": tx["data"], "value": value,
                                          "gas": gas})  # fmt: skip
    print(f"[{net.name}] {fn.fn_name}: estimate={estimate} gasUsed={receipt['gasUsed']} limit={gas}")
    return estimate, receipt["gasUsed"], dict(receipt)


def test_swap_eth_to_mft_and_back_is_exact(net: Net) -> None:
    w3, dep, user = net.w3, net.deployment, net.user
    router = _router(net)
    mft = w3.eth.contract(address=dep.mft, abi=abi_of("MFT"))

    # ETH -> MFT
    amount_in = 3 * ETHER // 7
    r_in, r_out = _reserves(net, dep.pair_eth_mft, dep.weth)
    quote = router.functions.getAmountsOut(amount_in, [dep.weth, dep.mft]).call()
    assert quote == [amount_in, _formula(amount_in, r_in, r_out)]
    assert router.functions.getAmountOut(amount_in, r_in, r_out).call() == quote[1]
    before = mft.functions.balanceOf(user.address).call()
    fn = router.functions.swapExactETHForTokens(quote[1], [dep.weth, dep.mft], user.address,
                                                _deadline(net))  # fmt: skip
    _, used, receipt = _send_with_margin(net, fn, value=amount_in)
    assert receipt["status"] == 1
    assert mft.functions.balanceOf(user.address).call() - before == quote[1]
    assert _reserves(net, dep.pair_eth_mft, dep.weth) == (r_in + amount_in, r_out - quote[1])

    # MFT -> ETH (approve first, then swap exactly what we got)
    tokens = quote[1]
    approve = mft.functions.approve(dep.router, tokens)
    assert _send_with_margin(net, approve)[2]["status"] == 1
    r_in, r_out = _reserves(net, dep.pair_eth_mft, dep.mft)
    back = router.functions.getAmountsOut(tokens, [dep.mft, dep.weth]).call()
    assert back == [tokens, _formula(tokens, r_in, r_out)]
    eth_before = w3.eth.get_balance(user.address)
    fn = router.functions.swapExactTokensForETH(tokens, back[1], [dep.mft, dep.weth],
                                                user.address, _deadline(net))  # fmt: skip
    _, used, receipt = _send_with_margin(net, fn)
    assert receipt["status"] == 1
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(user.address) - eth_before + fee == back[1]
    assert mft.functions.balanceOf(user.address).call() == before


def test_swap_eth_for_exact_tokens_refunds_the_rest(net: Net) -> None:
    w3, dep, user = net.w3, net.deployment, net.user
    router = _router(net)
    want = 1234 * ETHER
    amounts = router.functions.getAmountsIn(want, [dep.weth, dep.dai]).call()
    r_in, r_out = _reserves(net, dep.pair_eth_dai, dep.weth)
    assert amounts[0] == (r_in * want * 1000) // ((r_out - want) * 997) + 1
    dai = w3.eth.contract(address=dep.dai, abi=abi_of("DAI"))
    eth_before = w3.eth.get_balance(user.address)
    fn = router.functions.swapETHForExactTokens(want, [dep.weth, dep.dai], user.address,
                                                _deadline(net))  # fmt: skip
    _, _, receipt = _send_with_margin(net, fn, value=amounts[0] * 2)
    assert receipt["status"] == 1
    assert dai.functions.balanceOf(user.address).call() == want
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert eth_before - w3.eth.get_balance(user.address) - fee == amounts[0]


def test_expired_deadline_reverts_readably(net: Net) -> None:
    dep, user = net.deployment, net.user
    past = int(net.w3.eth.get_block("latest")["timestamp"]) - 60
    fn = _router(net).functions.swapExactETHForTokens(0, [dep.weth, dep.mft], user.address, past)
    with pytest.raises(ContractLogicError, match="UniswapV2Router: EXPIRED"):
        fn.estimate_gas({"from": user.address, "value": ETHER})
    with pytest.raises(ContractLogicError, match="UniswapV2Router: EXPIRED"):
        fn.call({"from": user.address, "value": ETHER})
    # Mined anyway (fixed gas, no estimate): the transaction fails on chain.
    data = fn.build_transaction({"from": user.address, "value": ETHER, "gas": 200_000,
                                 "maxFeePerGas": 1, "maxPriorityFeePerGas": 1, "nonce": 0,
                                 "chainId": net.w3.eth.chain_id})["data"]  # fmt: skip
    receipt = send_raw(net.w3, user, {"to": dep.router, "data": data, "value": ETHER,
                                      "gas": 200_000})  # fmt: skip
    assert receipt["status"] == 0


def test_amount_out_min_too_high_reverts_readably(net: Net) -> None:
    dep, user = net.deployment, net.user
    router = _router(net)
    quote = router.functions.getAmountsOut(ETHER, [dep.weth, dep.mft]).call()[1]
    fn = router.functions.swapExactETHForTokens(quote + 1, [dep.weth, dep.mft], user.address,
                                                _deadline(net))  # fmt: skip
    with pytest.raises(ContractLogicError) as info:
        fn.estimate_gas({"from": user.address, "value": ETHER})
    assert "UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT" in str(info.value)
    with pytest.raises(ContractLogicError, match="INSUFFICIENT_OUTPUT_AMOUNT"):
        fn.call({"from": user.address, "value": ETHER})


def test_excessive_input_and_pair_k_checks(net: Net) -> None:
    dep, user = net.deployment, net.user
    router = _router(net)
    need = router.functions.getAmountsIn(ETHER, [dep.mft, dep.weth]).call()[0]
    fn = router.functions.swapTokensForExactETH(ETHER, need - 1, [dep.mft, dep.weth],
                                                user.address, _deadline(net))  # fmt: skip
    with pytest.raises(ContractLogicError, match="UniswapV2Router: EXCESSIVE_INPUT_AMOUNT"):
        fn.call({"from": user.address})
    pair = net.w3.eth.contract(address=dep.pair_eth_mft, abi=abi_of("UniswapV2Pair"))
    assert pair.functions.MINIMUM_LIQUIDITY().call() == 1000
    with pytest.raises(ContractLogicError, match="UniswapV2: INSUFFICIENT_INPUT_AMOUNT"):
        pair.functions.swap(1, 0, user.address, b"").call({"from": user.address})
