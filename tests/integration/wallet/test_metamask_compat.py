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


def _answers_with(address: str) -> str:
    """Init code of a contract whose every call returns `address` (ownerOf, balanceOf > 0)."""
    runtime = "73" + address[2:].lower() + "60005260206000f3"
    return "0x601d600c600039601d6000f3" + runtime


async def test_watch_asset_nfts(env: Env) -> None:
    tx = await env.call("eth_sendTransaction", [{"from": env.address, "data": _answers_with(env.address)}])
    nft = (await env.call("eth_getTransactionReceipt", [tx]))["contractAddress"]
    assert await env.call("wallet_watchAsset", {"type": "ERC721", "options": {"address": nft, "tokenId": "7"}})
    assert await env.call("wallet_watchAsset", {"type": "ERC1155", "options": {"address": nft, "tokenId": "0x2"}})
    listed = await env.call("wallet_listNfts")
    assert [(n["standard"], n["tokenId"]) for n in listed] == [("ERC721", "7"), ("ERC1155", "2")]
    assert env.prompter.asked[-1].title == "Add an NFT"
    # a token owned by someone else is refused before the user is asked
    other = await env.call("eth_sendTransaction", [{"from": env.address, "data": _answers_with("0x" + "11" * 20)}])
    theirs = (await env.call("eth_getTransactionReceipt", [other]))["contractAddress"]
    asked = len(env.prompter.asked)
    with pytest.raises(E.InvalidParams, match="owns"):
        await env.call("wallet_watchAsset", {"type": "ERC721", "options": {"address": theirs, "tokenId": 1}})
    with pytest.raises(E.InvalidParams, match="tokenId"):
        await env.call("wallet_watchAsset", {"type": "ERC721", "options": {"address": nft, "tokenId": "x"}})
    assert len(env.prompter.asked) == asked


async def test_eip5792_batch_is_sequential_with_one_approval(env: Env) -> None:
    chain = await env.call("eth_chainId")
    assert await env.call("wallet_getCapabilities", [env.address]) == {chain: {"atomic": {"status": "unsupported"}}}
    a, b = "0x" + "21" * 20, "0x" + "22" * 20
    calls = [{"to": a, "value": hex(10**15)}, {"to": b, "value": hex(2 * 10**15)}]
    with pytest.raises(E.RpcError) as exc:
        await env.call("wallet_sendCalls", [{"version": "2.0.0", "from": env.address, "chainId": chain,
                                             "atomicRequired": True, "calls": calls}])  # fmt: skip
    assert exc.value.code == 5760
    asked = len(env.prompter.asked)
    sent = await env.call("wallet_sendCalls", [{"version": "2.0.0", "from": env.address, "chainId": chain,
                                                "atomicRequired": False, "calls": calls}])  # fmt: skip
    assert len(env.prompter.asked) == asked + 1  # one approval for both calls
    assert "call 2" in env.prompter.asked[-1].details
    status = await env.call("wallet_getCallsStatus", [sent["id"]])
    assert status["status"] == 200 and len(status["receipts"]) == 2 and status["atomic"] is False
    assert int(await env.call("eth_getBalance", [b, "latest"]), 16) == 2 * 10**15
    with pytest.raises(E.RpcError) as exc:
        await env.call("wallet_getCallsStatus", ["0xnope"])
    assert exc.value.code == 5730


async def test_eth_sign_and_decrypt_are_refused_clearly(env: Env) -> None:
    for method, params in [("eth_sign", [env.address, "0x" + "00" * 32]), ("eth_decrypt", ["0x00", env.address]),
                           ("eth_getEncryptionPublicKey", [env.address])]:  # fmt: skip
        with pytest.raises(E.RpcError) as exc:
            await env.call(method, params)
        assert exc.value.code == 4200 and len(exc.value.message) > 30
