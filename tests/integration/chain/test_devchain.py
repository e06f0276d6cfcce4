"""The embedded dev chain: persistence, deployment reuse, funding, raw EIP-1559, clock."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception, Web3RPCError

from mainframe_os.node.chain.contracts import abi_of, bytecode_of
from mainframe_os.node.chain.devchain import DEV_CHAIN_ID, ChainLocked, DevChain

from .helpers import send_raw

ETHER = 10**18
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[DevChain]:
    chain = DevChain.open(tmp_path / "chain")
    try:
        yield chain
    finally:
        chain.close()


def test_first_open_deploys_and_records(chain: DevChain) -> None:
    w3, dep = chain.w3, chain.deployment
    assert w3.eth.chain_id == DEV_CHAIN_ID
    print(f"first-open deployment: {chain.deploy_seconds:.3f}s")
    for address in (dep.mft, dep.dai, dep.weth, dep.factory, dep.router,
                    dep.pair_eth_mft, dep.pair_eth_dai):  # fmt: skip
        assert Web3.is_checksum_address(address)
        assert w3.eth.get_code(address)
    recorded = json.loads((chain.folder / "deployment.json").read_text())
    assert recorded["router"] == dep.router and recorded["chain_id"] == DEV_CHAIN_ID
    mft = w3.eth.contract(address=dep.mft, abi=abi_of("MFT"))
    assert (mft.functions.name().call(), mft.functions.symbol().call()) == (
        "Mainframe Token",
        "MFT",
    )
    assert mft.functions.decimals().call() == 18
    dai = w3.eth.contract(address=dep.dai, abi=abi_of("DAI"))
    assert (dai.functions.name().call(), dai.functions.symbol().call()) == ("Dai Stablecoin", "DAI")
    pair = w3.eth.contract(address=dep.pair_eth_mft, abi=abi_of("UniswapV2Pair"))
    reserves = sorted(pair.functions.getReserves().call()[:2])
    assert reserves == [100 * ETHER, 1_000_000 * ETHER]


def test_genesis_keys_stay_private(chain: DevChain) -> None:
    mode = stat.S_IMODE((chain.folder / "genesis-keys.json").stat().st_mode)
    assert mode == 0o600
    assert chain.w3.eth.get_balance(chain.genesis_accounts[1]) > 10**6 * ETHER


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    folder = tmp_path / "chain"
    with DevChain.open(folder) as chain:
        user = Account.create()
        chain.fund(user.address, 2 * ETHER)
        send_raw(chain.w3, user, {"to": chain.faucet_address, "value": ETHER // 2, "gas": 21_000})
        before = {
            "balance": chain.w3.eth.get_balance(user.address),
            "nonce": chain.w3.eth.get_transaction_count(user.address),
            "block": chain.w3.eth.block_number,
            "head": chain.w3.eth.get_block("latest")["hash"],
            "code": chain.w3.eth.get_code(chain.deployment.router),
        }
        deployment = chain.deployment
    started = time.perf_counter()
    with DevChain.open(folder) as chain:
        reopen = time.perf_counter() - started
        print(f"reopen: {reopen * 1000:.1f} ms")
        assert chain.deploy_seconds is None  # reused, not redeployed
        assert chain.deployment == deployment
        assert chain.w3.eth.get_balance(user.address) == before["balance"]
        assert chain.w3.eth.get_transaction_count(user.address) == before["nonce"] == 1
        assert chain.w3.eth.block_number == before["block"]
        assert chain.w3.eth.get_block("latest")["hash"] == before["head"]
        assert chain.w3.eth.get_code(deployment.router) == before["code"]
        # The chain goes on from where it was.
        send_raw(chain.w3, user, {"to": chain.faucet_address, "value": 1, "gas": 21_000})
        assert chain.w3.eth.block_number == before["block"] + 1
    assert reopen < 1.0


def test_open_twice_is_refused(chain: DevChain) -> None:
    with pytest.raises(ChainLocked):
        DevChain.open(chain.folder)


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from eth_account import Account
    from mainframe_os.node.chain.devchain import DevChain
    chain = DevChain.open(Path(sys.argv[1]))
    user = Account.from_key(bytes.fromhex(sys.argv[2]))
    chain.fund(user.address, 10**18)
    w3 = chain.w3
    for nonce in range(5):
        tx = {"type": 2, "chainId": w3.eth.chain_id, "nonce": nonce, "to": chain.faucet_address,
              "value": 1000 + nonce, "gas": 21000, "maxFeePerGas": 10**10,
              "maxPriorityFeePerGas": 10**9}
        w3.eth.send_raw_transaction(user.sign_transaction(tx).raw_transaction)
    print("DONE", w3.eth.block_number, w3.eth.get_balance(user.address), flush=True)
    time.sleep(60)  # killed here, chain still open
    """
)


def test_state_survives_sigkill(tmp_path: Path) -> None:
    folder = tmp_path / "chain"
    user = Account.create()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(folder), user.key.hex().removeprefix("0x")],
        stdout=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        assert line and line[0] == "DONE", line
        block, balance = int(line[1]), int(line[2])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    with DevChain.open(folder) as chain:
        assert chain.w3.eth.block_number == block
        assert chain.w3.eth.get_transaction_count(user.address) == 5
        assert chain.w3.eth.get_balance(user.address) == balance
        assert chain.w3.eth.get_code(chain.deployment.router)


def test_fund_sends_from_genesis_money(chain: DevChain) -> None:
    address = Account.create().address
    tx_hash = chain.fund(address, 3 * ETHER)
    receipt = chain.w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1 and receipt["from"] == chain.faucet_address
    assert chain.w3.eth.get_balance(address) == 3 * ETHER


def test_raw_signed_eip1559_transfer(chain: DevChain) -> None:
    w3 = chain.w3
    alice, bob = Account.create(), Account.create()
    chain.fund(alice.address, ETHER)
    tx = {
        "type": 2, "chainId": DEV_CHAIN_ID, "nonce": 0, "to": bob.address, "value": 12345,
        "gas": 21_000, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9,
    }  # fmt: skip
    estimate = w3.eth.estimate_gas({"from": alice.address, "to": bob.address, "value": 12345})
    assert estimate == 21_000
    tx_hash = w3.eth.send_raw_transaction(alice.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1 and receipt["type"] == 2
    block = w3.eth.get_block(receipt["blockNumber"])
    assert receipt["effectiveGasPrice"] == block["baseFeePerGas"] + 10**9 or (receipt["effectiveGasPrice"] == 3 * 10**9)
    assert w3.eth.get_balance(bob.address) == 12345
    assert w3.eth.get_balance(alice.address) == ETHER - 12345 - 21_000 * receipt["effectiveGasPrice"]
    # A transaction signed for another chain is refused.
    wrong = alice.sign_transaction({**tx, "nonce": 1, "chainId": 1}).raw_transaction
    with pytest.raises(Web3RPCError, match="invalid chain id 1"):
        w3.eth.send_raw_transaction(wrong)
    assert w3.eth.get_transaction_count(alice.address) == 1


def test_timestamps_follow_the_wall_clock(chain: DevChain) -> None:
    w3 = chain.w3
    stamps = []
    for _ in range(3):
        chain.fund(Account.create().address, 1)
        stamps.append(w3.eth.get_block("latest")["timestamp"])
    assert stamps[0] < stamps[1] < stamps[2]
    time.sleep(1.1)
    chain.fund(Account.create().address, 1)
    # After an idle pause the next block is stamped now, not when the last one was mined.
    assert w3.eth.get_block("latest")["timestamp"] >= int(time.time()) - 1


def test_not_a_token_has_code_but_no_erc20(chain: DevChain) -> None:
    w3 = chain.w3
    user = Account.create()
    chain.fund(user.address, ETHER)
    receipt = send_raw(w3, user, {"data": bytecode_of("NotAToken"), "gas": 200_000})
    address = receipt["contractAddress"]
    assert w3.eth.get_code(address)
    as_token = w3.eth.contract(address=address, abi=abi_of("MFT"))
    with pytest.raises((ContractLogicError, Web3Exception)):
        as_token.functions.symbol().call()


def test_web3_not_imported_by_package() -> None:
    code = (
        "import sys, mainframe_os.node.chain, mainframe_os.node.chain.contracts; "
        "assert 'web3' not in sys.modules and 'eth' not in sys.modules, 'heavy import'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
