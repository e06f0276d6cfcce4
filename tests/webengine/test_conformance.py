"""One conformance suite over every transport (web3.py's `EthModuleTest`: the same tests, run per
provider), so a transport cannot drift from the others.

    in-process   node.call with the launcher's context (the GUI, the tests)
    socket       the node's Unix socket, through the CLI's SocketClient (a trusted `cli` caller)
    bridge       a real QtWebEngine page running the real SDK: `mainframe.call(...)` from the page,
                 over QWebChannel, as the app the page belongs to

Each test is one coroutine, run once: it fires its requests and waits for them inside that run.
Trusted transports must agree exactly; the bridge is an app, so it sees the app's view of the
same data (its own identity, its connected account) and is refused what apps may not call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node import errors as E

from .conftest import Page, Runner, make_test_app

pytestmark = [pytest.mark.webengine, pytest.mark.timeout(300)]

TRANSPORTS = ("in-process", "socket", "bridge")


class Refused(Exception):
    """An error response, whatever carried it: its JSON-RPC / EIP-1193 code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class InProcess:
    name, trusted = "in-process", True

    def __init__(self, node: Any) -> None:
        self.node = node

    async def call(self, method: str, params: Any = None) -> Any:
        try:
            return await self.node.call(method, params)
        except E.RpcError as exc:
            raise Refused(exc.code, exc.message) from None


class OverSocket:
    """The CLI's blocking client, on a worker thread: the node serves it on this loop."""

    name, trusted = "socket", True

    def __init__(self, path: Path) -> None:
        from mainframe_os.node.transport.local_socket import SocketClient

        self.client = SocketClient(path, timeout=120)

    async def call(self, method: str, params: Any = None) -> Any:
        resp = await asyncio.get_running_loop().run_in_executor(None, self.client.call, method, params)
        if "error" in resp:
            raise Refused(resp["error"]["code"], resp["error"]["message"])
        return resp["result"]


class OverBridge:
    name, trusted = "bridge", False

    def __init__(self, page: Page) -> None:
        self.page = page

    async def call(self, method: str, params: Any = None) -> Any:
        args = json.dumps(method) + ("" if params is None else ", " + json.dumps(params))
        got = await self.page.eval_async(f"mainframe.call({args})", timeout=60)
        if "err" in got:
            raise Refused(got["err"]["code"], got["err"]["message"])
        return got["ok"]


# -- the world every transport sees: one node, its socket, one app page -------------------------------------


@pytest.fixture(scope="module")
def conformance(
    world: dict[str, Any], run: Runner, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    from mainframe_os.node.apps.package import pack
    from mainframe_os.node.transport.local_socket import SocketServer
    from vault.models import Identity

    node = world["node"]
    tmp = tmp_path_factory.mktemp("conformance")
    src = make_test_app(
        tmp / "src", "Conformance", permissions={"required": ["STORAGE", "CONTACTS_READ"], "optional": []}
    )
    seed = run(node.db(lambda s: s.get(Identity, world["identity"]).sign_seed))
    pack(src, seed, "Alice Dev", tmp / "conformance.mfapp")

    async def setup() -> dict[str, Any]:
        staged = (await node.call("apps_install", {"path": str(tmp / "conformance.mfapp")}))["manifest"]
        await node.call("apps_approveInstall", {"appId": staged["id"], "version": staged["version"]})
        address = (await node.call("wallet_accounts"))[0]["address"]
        # the app is connected to the identity's first account (EIP-1102), as after "Connect"
        connection = {"accounts": [address]}
        await node.call(
            "apps_setGrant", {"appId": staged["id"], "key": "eth_accounts", "decision": "always", "value": connection}
        )
        carol = await node.call("identity_create", {"displayName": "Carol"})
        card = (await node.call("identity_getCard", {"id": carol["id"]}))["card"]
        contact = await node.call("contacts_add", {"card": card, "identityId": world["identity"]})
        return {"app": staged["id"], "address": address, "carol": contact["id"]}

    facts = run(setup())
    server = SocketServer(node, node.paths.socket)
    run(server.start())
    window = run(world["host"].open(facts["app"], world["identity"], show=True))
    page = Page(world, run, window.app)
    run(page.wait_ready())
    socket = OverSocket(node.paths.socket)
    yield {
        **facts,
        "node": node,
        "identity": world["identity"],
        "prompter": world["prompter"],
        "transports": {"in-process": InProcess(node), "socket": socket, "bridge": OverBridge(page)},
    }
    socket.client.close()
    window.close()
    run(server.stop())


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest, conformance: dict[str, Any]) -> Any:
    return conformance["transports"][request.param]


async def refused(call: Any) -> Refused:
    try:
        result = await call
    except Refused as exc:
        return exc
    raise AssertionError(f"expected a refusal, got {result!r}")


# -- the suite ------------------------------------------------------------------------------------------------


def test_node_version(transport: Any, conformance: dict[str, Any], run: Runner) -> None:
    async def check() -> None:
        expected = await conformance["transports"]["in-process"].call("node_version")
        assert await transport.call("node_version") == expected
        assert expected["apiVersion"] == 1

    run(check(), 60)


def test_node_status_is_for_trusted_callers(transport: Any, conformance: dict[str, Any], run: Runner) -> None:
    """A refused method: an app never reaches a trusted method, whatever it sends."""

    async def check() -> None:
        if transport.trusted:
            status = await transport.call("node_status")
            assert status["vault"] == "main" and status["identityId"] == conformance["identity"]
        else:
            err = await refused(transport.call("node_status"))
            assert err.code in (E.UnsupportedMethod.code, E.Unauthorized.code), err

    run(check(), 60)


def test_identities(transport: Any, conformance: dict[str, Any], run: Runner) -> None:
    async def check() -> None:
        # every caller asks "who am I acting as": the launcher's active identity, or the app's own
        assert await transport.call("identity_current") == {"displayName": "Alice"}
        if transport.trusted:
            names = [i["displayName"] for i in await transport.call("identity_list")]
            assert names[:1] == ["Alice"] and "Carol" in names
        else:
            await refused(transport.call("identity_list"))

    run(check(), 60)


def test_contacts(transport: Any, conformance: dict[str, Any], run: Runner) -> None:
    async def check() -> None:
        node = conformance["node"]
        if transport.trusted:
            bob = await node.call("identity_create", {"displayName": f"Bob over {transport.name}"})
            card = (await node.call("identity_getCard", {"id": bob["id"]}))["card"]
            added = await transport.call("contacts_add", {"card": card, "identityId": conformance["identity"]})
            assert added["displayName"] == f"Bob over {transport.name}"
            again = await refused(transport.call("contacts_add", {"card": card, "identityId": conformance["identity"]}))
            assert again.code == E.ContactExists.code  # an error case: the same code on every transport
            listed = {c["displayName"] for c in await transport.call("contacts_list")}
            assert {"Carol", f"Bob over {transport.name}"} <= listed
        else:
            # apps never list the user's contacts: the user picks, the app gets a per-app id
            await refused(transport.call("contacts_list"))
            conformance["prompter"].will(True, data=[conformance["carol"]])
            [picked] = await transport.call("contacts_select", {"multi": False})
            assert picked["displayName"] == "Carol" and picked["id"] != conformance["carol"]

    run(check(), 60)


def test_balance_on_the_dev_chain(transport: Any, conformance: dict[str, Any], run: Runner) -> None:
    async def check() -> None:
        address = conformance["address"]
        wei = await transport.call("eth_getBalance", [address, "latest"])
        assert int(wei, 16) > 0  # the dev chain funds the first account
        assert wei == await conformance["transports"]["in-process"].call("eth_getBalance", [address, "latest"])
        if transport.trusted:
            balances = await transport.call("wallet_getBalances", {"address": address})
            eth = next(b for b in balances if b["symbol"] == "ETH")
            assert int(eth["balance"]) == int(wei, 16)

    run(check(), 180)


def test_invalid_params_are_refused_alike(transport: Any, run: Runner) -> None:
    async def check() -> None:
        err = await refused(transport.call("eth_getBalance", ["0xnot-an-address", "latest"]))
        assert err.code == E.InvalidParams.code
        assert "40 hex digits" in err.message

    run(check(), 60)
