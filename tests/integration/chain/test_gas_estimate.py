"""The dev chain's eth_estimateGas (node/chain/_backend.py): a few runs of the call instead of
py-evm's exact search over the whole range, within geth's 1.5% of the exact minimum, and
always a limit the call succeeds with."""

from __future__ import annotations

from pathlib import Path

from eth.estimators.gas import binary_gas_search_exact

from mainframe_os.node.chain.contracts import abi_of
from mainframe_os.node.chain.devchain import DevChain

BOB = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"


def test_estimates_are_near_exact_and_enough(tmp_path: Path) -> None:
    chain = DevChain.open(tmp_path / "chain")
    try:
        w3, dep = chain.w3, chain.deployment
        deployer = dep.deployer
        mft = w3.eth.contract(address=dep.mft, abi=abi_of("MFT"))
        router = w3.eth.contract(address=dep.router, abi=abi_of("UniswapV2Router02"))
        deadline = w3.eth.get_block("latest")["timestamp"] + 600
        calls = [
            {"from": deployer, "to": BOB, "value": 1},
            {"from": deployer, "to": dep.mft, "data": mft.encode_abi("transfer", args=[BOB, 10**18])},
            {
                "from": deployer,
                "to": dep.router,
                "value": 10**17,
                "data": router.encode_abi("swapExactETHForTokens", args=[0, [dep.weth, dep.mft], BOB, deadline]),
            },
        ]
        chain_class = type(chain._backend.chain)
        ours = chain_class.__dict__["gas_estimator"]
        for call in calls:
            fast = w3.eth.estimate_gas(call)
            chain_class.gas_estimator = staticmethod(binary_gas_search_exact)  # py-evm's exact search
            try:
                exact = w3.eth.estimate_gas(call)
            finally:
                chain_class.gas_estimator = ours
            # enough, and no further above the exact minimum than geth's (high - low) / high < 1.5%
            assert exact <= fast and (fast - exact) * 1000 <= fast * 15, (call, fast, exact)
            tx_hash = w3.eth.send_transaction({**call, "gas": fast})
            assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    finally:
        chain.close()
