"""MetaMask's own test dapp (npm @metamask/test-dapp, files unmodified) as an installed app: its
buttons clicked in the page, results checked by what the page shows and what the chain holds."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.npm_packages import npm_package

pytestmark = pytest.mark.webengine

TEST_DAPP_VERSION = "9.9.0"


@pytest.fixture
def test_dapp(world: dict[str, Any], run: Any, tmp_path: Path) -> str:
    from mainframe_os.node.apps.package import pack
    from vault.models import Identity

    node = world["node"]
    src = tmp_path / "test-dapp"
    shutil.copytree(npm_package("@metamask/test-dapp", TEST_DAPP_VERSION) / "dist", src)
    manifest = {
        "name": "MetaMask Test Dapp",
        "version": TEST_DAPP_VERSION,
        "entry": "index.html",
        "permissions": {"required": ["BLOCKCHAIN_SEND", "BLOCKCHAIN_SIGN"], "optional": []},
    }
    (src / "manifest.json").write_text(json.dumps(manifest))
    seed = run(node.db(lambda s: s.get(Identity, world["identity"]).sign_seed))
    pkg = tmp_path / "test-dapp.mfapp"
    pack(src, seed, "Alice Dev", pkg)

    async def install() -> str:
        staged = await node.call("apps_install", {"path": str(pkg)})
        m = staged["manifest"]
        await node.call(
            "apps_approveInstall",
            {"appId": m["id"], "version": m["version"], "grant": []},
        )
        return str(m["id"])

    return str(run(install(), timeout=120))


class Dapp:
    def __init__(self, page: Any) -> None:
        self.page = page

    def text(self, element_id: str) -> str:
        return str(self.page.ok(f"(document.getElementById('{element_id}') || {{}}).innerText || ''"))

    def click(self, element_id: str) -> None:
        assert self.page.ok(f"!document.getElementById('{element_id}').disabled"), f"{element_id} is disabled"
        self.page.ok(f"document.getElementById('{element_id}').click()")

    def type(self, element_id: str, text: str) -> None:
        self.page.ok(f"document.getElementById('{element_id}').value = {json.dumps(text)}")

    def wait_text(self, element_id: str, want: Any, timeout: float = 40.0) -> str:
        """Poll until the element's text satisfies `want` (a substring, any case, or a predicate)."""
        check = want if callable(want) else (lambda t: want.lower() in t.lower())

        async def poll() -> str:
            end = asyncio.get_running_loop().time() + timeout
            last = ""
            while asyncio.get_running_loop().time() < end:
                last = str((await self.page.eval_async(
                    f"(document.getElementById('{element_id}') || {{}}).innerText || ''"))["ok"])  # fmt: skip
                if check(last):
                    return last
                await asyncio.sleep(0.1)
            raise AssertionError(f"#{element_id} shows {last[:200]!r}; console: {self.page.page.console[-8:]}")

        return str(self.page.run(poll(), timeout + 10))


def nonce(page: Any, node: Any, address: str) -> int:
    return int(page.run(node.call("eth_getTransactionCount", [address, "latest"])), 16)


def wait_nonce(page: Any, node: Any, address: str, want: int, timeout: float = 60.0) -> None:
    """Wait until `address` has sent `want` transactions (mined)."""

    async def poll() -> None:
        end = asyncio.get_running_loop().time() + timeout
        while int(await node.call("eth_getTransactionCount", [address, "latest"]), 16) < want:
            assert asyncio.get_running_loop().time() < end, f"no transaction #{want} from the page"
            await asyncio.sleep(0.2)

    page.run(poll(), timeout + 10)


def last_receipt(page: Any, node: Any) -> dict[str, Any]:
    """The receipt of the latest block's last transaction (the dev chain mines one per send)."""
    block = page.run(node.call("eth_getBlockByNumber", ["latest", False]))
    receipt: dict[str, Any] = page.run(node.call("eth_getTransactionReceipt", [block["transactions"][-1]]))
    return receipt


def connect(world: dict[str, Any], page: Any) -> tuple[Dapp, str]:
    """The page's Connect button, answered by the user; returns the dapp and the account."""
    dapp = Dapp(page)
    dapp.wait_text("connectButton", lambda t: t.strip() != "", timeout=60)
    node = world["node"]
    address = page.run(node.call("wallet_accounts"))[0]["address"]
    chain = page.run(node.call("eth_chainId"))
    dapp.click("connectButton")
    dapp.wait_text("accounts", address)
    dapp.wait_text("chainId", chain)
    assert dapp.text("network") == str(int(chain, 16))
    return dapp, address


@pytest.fixture
def approving(world: dict[str, Any]) -> Any:
    """The user approves every prompt (each is still recorded in world["prompter"].asked)."""
    from mainframe_os.node.prompter import PromptResult

    prompter = world["prompter"]
    prompter.default = PromptResult(True, "always")
    yield prompter
    prompter.default = PromptResult(False)


def test_metamask_test_dapp(world: dict[str, Any], test_dapp: str, open_app: Any, approving: Any) -> None:
    node = world["node"]
    page = open_app(test_dapp, wait=False)
    dapp, address = connect(world, page)

    # personal_sign, and the page's own ecRecover / eth-sig-util verification
    dapp.click("personalSign")
    sig = dapp.wait_text("personalSignResult", lambda t: t.startswith("0x") and len(t) == 132)
    dapp.click("personalSignVerify")
    dapp.wait_text("personalSignVerifySigUtilResult", address)
    dapp.wait_text("personalSignVerifyECRecoverResult", address)

    # eth_signTypedData_v4 (the sample with an unused type and a chain id as the page spells it)
    dapp.click("signTypedDataV4")
    dapp.wait_text("signTypedDataV4Result", lambda t: t.startswith("0x") and len(t) == 132)
    dapp.click("signTypedDataV4Verify")
    dapp.wait_text("signTypedDataV4VerifyResult", address.lower())
    assert sig.startswith("0x")

    # the piggy bank: deploy (ethers v5 reads the receipt: `to` must be null), deposit, withdraw
    dapp.click("deployButton")
    dapp.wait_text("contractStatus", "Deployed", timeout=60)
    bank = last_receipt(page, node)["contractAddress"]
    assert page.run(node.call("eth_getCode", [bank, "latest"])) not in ("0x", "")
    dapp.click("depositButton")
    dapp.wait_text("contractStatus", "Deposit completed", timeout=60)
    assert int(page.run(node.call("eth_getBalance", [bank, "latest"])), 16) == 0x3782DACE9D900000
    dapp.click("withdrawButton")
    dapp.wait_text("contractStatus", "Withdrawn", timeout=60)
    assert int(page.run(node.call("eth_getBalance", [bank, "latest"])), 16) == 0x3782DACE9D900000 - 10**18

    # sends: legacy (gasPrice, type 0) and EIP-1559, both land on chain
    for button in ("sendButton", "sendEIP1559Button"):
        before = nonce(page, node, address)
        dapp.click(button)
        wait_nonce(page, node, address, before + 1)
        tx = last_receipt(page, node)
        assert tx["to"].lower() == "0x0c54fccd2e384b4bb6f2e405bf5cbc15a017aafb" and int(tx["status"], 16) == 1

    # ERC-20: create a token, then transfer
    dapp.click("createToken")
    token = dapp.wait_text("erc20TokenAddresses", lambda t: t.startswith("0x"), timeout=60).split(",")[0].strip()
    assert page.run(node.call("eth_getCode", [token, "latest"])) not in ("0x", "")
    before = nonce(page, node, address)
    dapp.click("transferTokens")
    wait_nonce(page, node, address, before + 1)
    assert int(last_receipt(page, node)["status"], 16) == 1
    dapp.click("watchAssets")  # wallet_watchAsset ERC20: the token joins the wallet's list

    async def listed() -> bool:
        tokens = await node.call("wallet_listTokens")
        return any(str(t.get("token") or "").lower() == token.lower() for t in tokens)

    wait_for(page, listed)


def test_metamask_test_dapp_signatures_nfts_and_permissions(
    world: dict[str, Any], test_dapp: str, open_app: Any, approving: Any
) -> None:
    node = world["node"]
    page = open_app(test_dapp, wait=False)
    dapp, address = connect(world, page)

    dapp.click("getPermissions")
    dapp.wait_text("permissionsResult", "eth_accounts")

    # Sign-In with Ethereum, signTypedData v3, the ERC-2612 permit: each verified by the page
    dapp.click("siwe")
    dapp.wait_text("siweResult", lambda t: t.startswith("0x") and len(t) == 132)
    assert "wants you to sign in" in approving.asked[-1].details["message"]
    dapp.click("signTypedDataV3")
    dapp.wait_text("signTypedDataV3Result", lambda t: t.startswith("0x") and len(t) == 132)
    dapp.click("signTypedDataV3Verify")
    dapp.wait_text("signTypedDataV3VerifyResult", address)
    dapp.click("signPermit")
    dapp.wait_text("signPermitResult", lambda t: t.startswith("0x") and len(t) == 132)
    dapp.click("signPermitVerify")
    dapp.wait_text("signPermitVerifyResult", address)

    # ERC-721: deploy, mint, the NFT permit verified by the page, watch the NFT
    dapp.click("deployNFTsButton")
    dapp.wait_text("nftsStatus", "Deployed", timeout=60)
    nft = last_receipt(page, node)["contractAddress"]
    dapp.click("mintButton")
    dapp.wait_text("nftsStatus", "Mint completed", timeout=60)
    dapp.click("sign721Permit")
    dapp.wait_text("sign721PermitResult", lambda t: t.startswith("0x") and len(t) == 132)
    dapp.click("sign721PermitVerify")
    dapp.wait_text("sign721PermitVerifyResult", address)
    dapp.click("watchNFTButton")
    wait_nft(page, node, "ERC721", nft)

    # ERC-1155: deploy, batch mint, watch
    dapp.click("deployERC1155Button")
    dapp.wait_text("erc1155Status", "Deployed", timeout=60)
    multi = last_receipt(page, node)["contractAddress"]
    dapp.type("batchMintTokenIds", "1, 2, 3")
    dapp.type("batchMintIdAmounts", "1, 1, 5")
    dapp.click("batchMintButton")
    dapp.wait_text("erc1155Status", "Batch Minting completed", timeout=60)
    dapp.type("watchAssetInput", "3")
    dapp.click("watchAssetButton")  # the node adds it only after reading balanceOf(account, 3) > 0
    wait_nft(page, node, "ERC1155", multi)


def wait_for(page: Any, condition: Any, timeout: float = 30.0) -> None:
    """Wait until the async `condition()` is true."""

    async def poll() -> None:
        end = asyncio.get_running_loop().time() + timeout
        while not await condition():
            assert asyncio.get_running_loop().time() < end, "timed out"
            await asyncio.sleep(0.2)

    page.run(poll(), timeout + 10)


def wait_nft(page: Any, node: Any, standard: str, address: str, timeout: float = 30.0) -> None:
    async def poll() -> None:
        end = asyncio.get_running_loop().time() + timeout
        while True:
            nfts = await node.call("wallet_listNfts")
            if any(n["standard"] == standard and n["address"].lower() == address.lower() for n in nfts):
                return
            assert asyncio.get_running_loop().time() < end, f"{standard} {address} not added: {nfts}"
            await asyncio.sleep(0.2)

    page.run(poll(), timeout + 10)
