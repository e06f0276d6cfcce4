"""MetaMask's own test dapp (npm @metamask/test-dapp, files unmodified) as an installed app: its
buttons clicked in the page, results checked by what the page shows and what the chain holds.

Each flow runs as one coroutine on the running loop: the dapp polls the chain in the background
(ethers), and a request that Qt delivers while the test's loop is between two run() calls would
be stepped with no running asyncio loop (a harness artefact, not a product path)."""

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
        # its webpack build wraps every module in eval(): the one relaxation a manifest may ask for
        "csp": ["unsafe-eval"],
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
    """Drive the test dapp's page like a user: read texts, type into inputs, click buttons."""

    def __init__(self, page: Any, node: Any) -> None:
        self.page, self.node = page, node

    async def js(self, code: str) -> Any:
        r = await self.page.eval_async(code)
        assert "ok" in r, r
        return r["ok"]

    async def text(self, element_id: str) -> str:
        return str(await self.js(f"(document.getElementById('{element_id}') || {{}}).innerText || ''"))

    async def type(self, element_id: str, text: str) -> None:
        await self.js(f"document.getElementById('{element_id}').value = {json.dumps(text)}")

    async def click(self, element_id: str) -> None:
        assert await self.js(f"!document.getElementById('{element_id}').disabled"), f"{element_id} is disabled"
        await self.js(f"document.getElementById('{element_id}').click()")

    async def wait_text(self, element_id: str, want: Any, timeout: float = 60.0) -> str:
        """Poll until the element's text satisfies `want` (a substring, any case, or a predicate)."""
        check = want if callable(want) else (lambda t: want.lower() in t.lower())
        end = asyncio.get_running_loop().time() + timeout
        last = ""
        while asyncio.get_running_loop().time() < end:
            last = await self.text(element_id)
            if check(last):
                return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"#{element_id} shows {last[:200]!r}; console: {self.page.page.console[-8:]}")

    async def signature(self, element_id: str) -> str:
        return await self.wait_text(element_id, lambda t: t.startswith("0x") and len(t) == 132)

    # -- the chain -------------------------------------------------------------------------------

    async def nonce(self, address: str) -> int:
        return int(await self.node.call("eth_getTransactionCount", [address, "latest"]), 16)

    async def sent(self, address: str, button: str) -> dict[str, Any]:
        """Click `button`, wait until `address` has one more mined transaction; its receipt."""
        before = await self.nonce(address)
        await self.click(button)
        await wait_for(lambda: self._has_nonce(address, before + 1))
        return await self.last_receipt()

    async def _has_nonce(self, address: str, want: int) -> bool:
        return await self.nonce(address) >= want

    async def last_receipt(self) -> dict[str, Any]:
        """The receipt of the latest block's last transaction (the dev chain mines one per send)."""
        block = await self.node.call("eth_getBlockByNumber", ["latest", False])
        receipt: dict[str, Any] = await self.node.call("eth_getTransactionReceipt", [block["transactions"][-1]])
        return receipt

    async def code(self, address: str) -> str:
        return str(await self.node.call("eth_getCode", [address, "latest"]))

    async def balance(self, address: str) -> int:
        return int(await self.node.call("eth_getBalance", [address, "latest"]), 16)

    async def has_nft(self, standard: str, address: str) -> bool:
        nfts = await self.node.call("wallet_listNfts")
        return any(n["standard"] == standard and n["address"].lower() == address.lower() for n in nfts)

    async def has_token(self, address: str) -> bool:
        tokens = await self.node.call("wallet_listTokens")
        return any(str(t.get("token") or "").lower() == address.lower() for t in tokens)


async def wait_for(condition: Any, timeout: float = 60.0) -> None:
    """Wait until the async `condition()` is true."""
    end = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < end, "timed out"
        await asyncio.sleep(0.2)


async def connect(dapp: Dapp) -> str:
    """The page's Connect button, answered by the user; returns the account."""
    await dapp.wait_text("connectButton", lambda t: t.strip() != "")
    address = (await dapp.node.call("wallet_accounts"))[0]["address"]
    chain = await dapp.node.call("eth_chainId")
    await dapp.click("connectButton")
    await dapp.wait_text("accounts", address)
    await dapp.wait_text("chainId", chain)
    assert await dapp.text("network") == str(int(chain, 16))
    return str(address)


@pytest.fixture
def approving(world: dict[str, Any]) -> Any:
    """The user approves every prompt (each is still recorded in world["prompter"].asked)."""
    from mainframe_os.node.prompter import PromptResult

    prompter = world["prompter"]
    prompter.default = PromptResult(True, "always")
    yield prompter
    prompter.default = PromptResult(False)


def test_metamask_test_dapp(world: dict[str, Any], test_dapp: str, open_app: Any, approving: Any) -> None:
    page = open_app(test_dapp, wait=False)
    dapp = Dapp(page, world["node"])

    async def flow() -> None:
        address = await connect(dapp)
        # the app's policy is in force: the eval() its manifest asked for runs, inline scripts do not
        policy = await dapp.js("""(() => { const s = document.createElement('script');
            s.textContent = 'window.__inline = 1'; document.head.appendChild(s);
            return {inline: window.__inline === 1, evalRuns: eval('1 + 1') === 2}; })()""")
        assert policy == {"inline": False, "evalRuns": True}

        # personal_sign, verified by the page with eth-sig-util and with personal_ecRecover
        await dapp.click("personalSign")
        await dapp.signature("personalSignResult")
        await dapp.click("personalSignVerify")
        await dapp.wait_text("personalSignVerifySigUtilResult", address)
        await dapp.wait_text("personalSignVerifyECRecoverResult", address)

        # eth_signTypedData_v4 (its sample lists an unused type), verified by the page
        await dapp.click("signTypedDataV4")
        await dapp.signature("signTypedDataV4Result")
        await dapp.click("signTypedDataV4Verify")
        await dapp.wait_text("signTypedDataV4VerifyResult", address)

        # the piggy bank: deploy (ethers v5 reads the receipt: `to` must be null), deposit, withdraw
        await dapp.click("deployButton")
        await dapp.wait_text("contractStatus", "Deployed")
        bank = (await dapp.last_receipt())["contractAddress"]
        assert await dapp.code(bank) not in ("0x", "")
        await dapp.click("depositButton")
        await dapp.wait_text("contractStatus", "Deposit completed")
        assert await dapp.balance(bank) == 0x3782DACE9D900000
        await dapp.click("withdrawButton")
        await dapp.wait_text("contractStatus", "Withdrawn")
        assert await dapp.balance(bank) == 0x3782DACE9D900000 - 10**18

        # sends: legacy (gasPrice, type 0) and EIP-1559, both land on chain
        for button in ("sendButton", "sendEIP1559Button"):
            tx = await dapp.sent(address, button)
            assert tx["to"].lower() == "0x0c54fccd2e384b4bb6f2e405bf5cbc15a017aafb" and int(tx["status"], 16) == 1

        # ERC-20: create a token, transfer, and wallet_watchAsset adds it to the wallet
        await dapp.click("createToken")
        shown = await dapp.wait_text("erc20TokenAddresses", lambda t: t.startswith("0x"))
        token = shown.split(",")[0].strip()
        assert await dapp.code(token) not in ("0x", "")
        assert int((await dapp.sent(address, "transferTokens"))["status"], 16) == 1
        await dapp.click("watchAssets")
        await wait_for(lambda: dapp.has_token(token))

    page.run(flow(), timeout=600)


def test_metamask_test_dapp_signatures_nfts_and_permissions(
    world: dict[str, Any], test_dapp: str, open_app: Any, approving: Any
) -> None:
    page = open_app(test_dapp, wait=False)
    dapp = Dapp(page, world["node"])

    async def flow() -> None:
        address = await connect(dapp)
        await dapp.click("getPermissions")
        await dapp.wait_text("permissionsResult", "eth_accounts")

        # Sign-In with Ethereum, signTypedData v3 and v1, the ERC-2612 permit: each verified by the page
        await dapp.click("siwe")
        await dapp.signature("siweResult")
        assert "wants you to sign in" in approving.asked[-1].details["message"]
        await dapp.click("signTypedDataV3")
        await dapp.signature("signTypedDataV3Result")
        await dapp.click("signTypedDataV3Verify")
        await dapp.wait_text("signTypedDataV3VerifyResult", address)
        await dapp.click("signTypedData")  # v1, MetaMask's early-draft typed data
        await dapp.signature("signTypedDataResult")
        await dapp.click("signTypedDataVerify")
        await dapp.wait_text("signTypedDataVerifyResult", address)
        await dapp.click("signPermit")
        await dapp.signature("signPermitResult")
        await dapp.click("signPermitVerify")
        await dapp.wait_text("signPermitVerifyResult", address)

        # ERC-721: deploy, mint, the NFT permit verified by the page, watch the NFT
        await dapp.click("deployNFTsButton")
        await dapp.wait_text("nftsStatus", "Deployed")
        nft = (await dapp.last_receipt())["contractAddress"]
        await dapp.click("mintButton")
        await dapp.wait_text("nftsStatus", "Mint completed")
        await dapp.click("sign721Permit")
        await dapp.signature("sign721PermitResult")
        await dapp.click("sign721PermitVerify")
        await dapp.wait_text("sign721PermitVerifyResult", address)
        await dapp.click("watchNFTButton")  # the node adds it only after ownerOf(1) is the account
        await wait_for(lambda: dapp.has_nft("ERC721", nft))

        # ERC-1155: deploy, batch mint, watch
        await dapp.click("deployERC1155Button")
        await dapp.wait_text("erc1155Status", "Deployed")
        multi = (await dapp.last_receipt())["contractAddress"]
        await dapp.type("batchMintTokenIds", "1, 2, 3")
        await dapp.type("batchMintIdAmounts", "1, 1, 5")
        await dapp.click("batchMintButton")
        await dapp.wait_text("erc1155Status", "Batch Minting completed")
        await dapp.type("watchAssetInput", "3")
        await dapp.click("watchAssetButton")  # added only after balanceOf(account, 3) > 0 on chain
        await wait_for(lambda: dapp.has_nft("ERC1155", multi))

    page.run(flow(), timeout=600)
