"""Deploy the project's contracts and seed the pools on any Web3 (dev chain or real node).

Every transaction is signed locally with eth-account and sent raw, the same path the product's
wallet uses on every network, so this module exercises it on the dev chain and on anvil alike.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from .contracts import abi_of, bytecode_of

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

__all__ = [
    "DAI_MINTED",
    "DAI_POOL",
    "ETH_PER_POOL",
    "MFT_POOL",
    "MFT_SUPPLY",
    "Deployment",
    "DeploymentError",
    "deploy_all",
]

ETHER = 10**18
MFT_SUPPLY = 10_000_000_000 * ETHER  # fixed, all to the deployer
DAI_MINTED = 10_000_000 * ETHER  # to the deployer; the pool takes DAI_POOL of it
ETH_PER_POOL = 100 * ETHER
MFT_POOL = 1_000_000 * ETHER  # 100 ETH : 1,000,000 MFT
DAI_POOL = 300_000 * ETHER  # 100 ETH : 300,000 DAI
MAX_UINT256 = 2**256 - 1

# Gas limits per step, about 1.5x what each uses (measured on py-evm and anvil): fixed limits
# let us send the whole sequence without waiting, since later steps cannot be estimated before
# earlier ones are mined. Unused gas is refunded.
_GAS = {
    "MFT": 900_000,
    "DAI": 1_200_000,
    "WETH9": 900_000,
    "UniswapV2Factory": 4_200_000,
    "UniswapV2Router02": 4_800_000,
    "mint": 120_000,
    "approve": 80_000,
    "addLiquidityETH": 3_600_000,
}


class DeploymentError(RuntimeError):
    """A deployment transaction failed (reverted or was not mined)."""


@dataclass(frozen=True)
class Deployment:
    """Checksum addresses of the deployed contracts on one chain."""

    mft: str
    dai: str
    weth: str
    factory: str
    router: str
    pair_eth_mft: str
    pair_eth_dai: str
    chain_id: int = 0
    deployer: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def deploy_all(w3: Web3, deployer_key: bytes | str, *, timeout: float = 60.0) -> Deployment:
    """Deploy MFT, DAI, WETH9, UniswapV2Factory and UniswapV2Router02, then seed the ETH/MFT
    and ETH/DAI pools with ``addLiquidityETH``. The deployer needs a bit over 200 ETH.

    Transactions are EIP-1559, signed locally and sent raw with consecutive nonces; the
    receipts are awaited at the end and any failed one raises :class:`DeploymentError`.
    """
    from eth_account import Account
    from web3 import Web3 as _Web3

    account: LocalAccount = Account.from_key(deployer_key)
    me = account.address
    chain_id = w3.eth.chain_id
    nonce = w3.eth.get_transaction_count(me, "pending")
    base_fee = w3.eth.get_block("latest").get("baseFeePerGas", 10**9) or 10**9
    priority = 10**9
    fees = {"maxFeePerGas": 2 * base_fee + priority, "maxPriorityFeePerGas": priority}
    sent: list[tuple[str, bytes]] = []

    def send(label: str, tx: dict[str, Any]) -> str:
        nonlocal nonce
        tx = {**tx, **fees, "chainId": chain_id, "nonce": nonce, "type": 2}
        tx.setdefault("value", 0)
        signed = account.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        sent.append((label, bytes(tx_hash)))
        nonce += 1
        return _Web3.to_hex(tx_hash)

    def create(name: str, *args: Any) -> str:
        # The address follows from (deployer, nonce): no need to wait for the receipt.
        address = _Web3.to_checksum_address(_create_address(bytes.fromhex(me[2:]), nonce))
        factory = w3.eth.contract(abi=abi_of(name), bytecode=bytecode_of(name))
        data = factory.constructor(*args).data_in_transaction
        send(name, {"data": data, "gas": _GAS[name]})
        return address

    def call(name: str, address: str, fn: str, *args: Any, value: int = 0, gas_key: str) -> None:
        contract = w3.eth.contract(address=address, abi=abi_of(name))
        data = contract.encode_abi(fn, args=list(args))
        send(f"{name}.{fn}", {"to": address, "data": data, "gas": _GAS[gas_key], "value": value})

    mft = create("MFT", MFT_SUPPLY)
    dai = create("DAI")
    weth = create("WETH9")
    factory = create("UniswapV2Factory", me)
    router = create("UniswapV2Router02", factory, weth)
    call("DAI", dai, "mint", me, DAI_MINTED, gas_key="mint")
    call("MFT", mft, "approve", router, MAX_UINT256, gas_key="approve")
    call("DAI", dai, "approve", router, MAX_UINT256, gas_key="approve")
    # Deadline far ahead: anvil's clock and ours may differ from the caller's.
    deadline = 2**63
    for token, amount in ((mft, MFT_POOL), (dai, DAI_POOL)):
        call(
            "UniswapV2Router02", router, "addLiquidityETH",
            token, amount, amount, ETH_PER_POOL, me, deadline,
            value=ETH_PER_POOL, gas_key="addLiquidityETH",
        )  # fmt: skip

    for label, tx_hash in sent:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)
        if receipt["status"] != 1:
            raise DeploymentError(f"deployment step {label} failed (tx {tx_hash.hex()})")

    factory_contract = w3.eth.contract(address=factory, abi=abi_of("UniswapV2Factory"))
    return Deployment(
        mft=mft,
        dai=dai,
        weth=weth,
        factory=factory,
        router=router,
        pair_eth_mft=factory_contract.functions.getPair(weth, mft).call(),
        pair_eth_dai=factory_contract.functions.getPair(weth, dai).call(),
        chain_id=chain_id,
        deployer=me,
    )


def _create_address(sender: bytes, nonce: int) -> str:
    """The address of a contract created by ``sender`` at ``nonce`` (keccak(rlp([s, n])))."""
    import rlp
    from eth_utils import keccak

    return "0x" + keccak(rlp.encode([sender, nonce]))[12:].hex()
