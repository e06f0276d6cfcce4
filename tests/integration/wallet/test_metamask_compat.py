"""What dapps written for MetaMask expect from the node: contract-creation receipts with `to: null`,
chain ids in every spelling MetaMask accepts, personal_ecRecover, signTypedData v3, NFTs in
wallet_watchAsset, EIP-5792 batched calls, and clear refusals for eth_sign and eth_decrypt."""

from __future__ import annotations

import pytest

from mainframe_os.node import errors as E

from .conftest import Env

# init code returning a 10-byte runtime that answers 42 to any call
RETURNS_42 = "0x600a600c600039600a6000f3602a60005260206000f3"


async def test_contract_creation_receipt_has_null_to(env: Env) -> None:
    tx_hash = await env.call("eth_sendTransaction", [{"from": env.address, "data": RETURNS_42}])
    receipt = await env.call("eth_getTransactionReceipt", [tx_hash])
    assert receipt["to"] is None  # ethers v5 rejects "" (the test dapp showed "Deployment Failed")
    assert receipt["contractAddress"] and int(receipt["status"], 16) == 1
    code = await env.call("eth_getCode", [receipt["contractAddress"], "latest"])
    assert code == "0x602a60005260206000f3"
    tx = await env.call("eth_getTransactionByHash", [tx_hash])
    assert tx["to"] is None
    block = await env.call("eth_getBlockByNumber", [receipt["blockNumber"], True])
    assert [t["to"] for t in block["transactions"] if t["hash"] == tx_hash] == [None]
