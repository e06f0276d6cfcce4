"""The JSON-RPC dispatcher: standard errors, batches, access checks, and hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node

APP = CallerContext.app("evil-app", "someone")
CLI = CallerContext.cli()


@pytest.fixture
async def node(tmp_path: Path):
    n = Node(tmp_path / "home")
    yield n
    await n.close()


async def rpc(node: Node, msg: object, ctx: CallerContext = CLI) -> object:
    text = msg if isinstance(msg, str) else json.dumps(msg)
    out = await node.handle_text(text, ctx)
    return None if out is None else json.loads(out)


async def test_node_version_result(node: Node) -> None:
    r = await rpc(node, {"jsonrpc": "2.0", "id": 7, "method": "node_version"})
    assert r["id"] == 7 and r["result"]["apiVersion"] == 1 and "version" in r["result"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{not json", -32700),
        ("[]", -32600),
        ('{"jsonrpc": "1.0", "id": 1, "method": "node_version"}', -32600),
        ('{"jsonrpc": "2.0", "id": 1, "method": 5}', -32600),
        ('{"jsonrpc": "2.0", "id": {"a": 1}, "method": "node_version"}', -32600),
        ('{"jsonrpc": "2.0", "id": 1, "method": "no_suchMethod"}', -32601),
        ('{"jsonrpc": "2.0", "id": 1, "method": "vault_create", "params": {"name": 5, "password": "x"}}', -32602),
        ('{"jsonrpc": "2.0", "id": 1, "method": "vault_create", "params": {"name": "a"}}', -32602),
        ('{"jsonrpc": "2.0", "id": 1, "method": "vault_create", "params": "str"}', -32602),
        ('{"jsonrpc": "2.0", "id": 1, "method": "node_version", "params": {"extra": 1}}', -32602),
        ('"just a string"', -32600),
    ],
)
async def test_standard_errors(node: Node, text: str, code: int) -> None:
    r = await rpc(node, text)
    assert r["error"]["code"] == code
    assert r["jsonrpc"] == "2.0"


async def test_batch_and_notifications(node: Node) -> None:
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "node_version"},
        {"jsonrpc": "2.0", "method": "node_version"},  # notification: no response
        {"jsonrpc": "2.0", "id": 2, "method": "nope_nope"},
        5,
    ]
    r = await rpc(node, batch)
    assert [x.get("id") for x in r] == [1, 2, None]
    assert "result" in r[0] and r[1]["error"]["code"] == -32601 and r[2]["error"]["code"] == -32600
    assert await rpc(node, {"jsonrpc": "2.0", "method": "node_version"}) is None


async def test_huge_batch_and_deep_nesting_are_refused(node: Node) -> None:
    big = [{"jsonrpc": "2.0", "id": i, "method": "node_version"} for i in range(1000)]
    assert (await rpc(node, big))["error"]["code"] == -32600
    deep = "[" * 100_000 + "]" * 100_000
    assert (await rpc(node, deep))["error"]["code"] in (-32700, -32600)
    too_long = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "node_version", "x": "a" * (2 << 20)})
    assert (await rpc(node, too_long))["error"]["code"] == -32600


async def test_positional_params(node: Node) -> None:
    r = await rpc(node, {"jsonrpc": "2.0", "id": 1, "method": "vault_create", "params": ["x", 5]})
    assert r["error"]["code"] == -32602 and "password" in r["error"]["message"]


async def test_apps_cannot_call_trusted_methods(node: Node) -> None:
    for method in ("vault_list", "vault_create", "identity_list", "contacts_list", "node_status"):
        r = await rpc(node, {"jsonrpc": "2.0", "id": 1, "method": method, "params": {}}, APP)
        assert r["error"]["code"] == 4100, method
    # public methods stay available to apps
    assert "result" in await rpc(node, {"jsonrpc": "2.0", "id": 1, "method": "node_version"}, APP)


async def test_app_flood_is_rate_limited(node: Node) -> None:
    msg = {"jsonrpc": "2.0", "id": 1, "method": "node_version"}
    codes = []
    for _ in range(1000):
        r = await rpc(node, msg, APP)
        codes.append(r.get("error", {}).get("code"))
    assert -32005 in codes  # the flood is cut off ...
    assert codes[0] is None  # ... but normal use is not
    assert "result" in await rpc(node, msg, CLI)  # and trusted callers are unaffected


async def test_secret_params_never_echoed(node: Node, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    secret = "hunter2-very-secret"
    r = await rpc(
        node, {"jsonrpc": "2.0", "id": 1, "method": "vault_create", "params": {"name": "../bad", "password": secret}}
    )
    assert "error" in r
    assert secret not in json.dumps(r)
    assert secret not in caplog.text


async def test_methods_list_comes_from_registry(node: Node) -> None:
    r = await rpc(node, {"jsonrpc": "2.0", "id": 1, "method": "node_methods"})
    names = {m["name"] for m in r["result"]}
    assert {"vault_create", "identity_create", "contacts_add", "node_version"} <= names
    assert all(m["access"] for m in r["result"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["node_version", "vault_list", "vault_create", "identity_create", "x", ""])
    | st.text(max_size=30),
    params=json_values,
    req_id=json_values,
    ctx=st.sampled_from([CLI, APP]),
)
async def test_fuzz_never_crashes(node: Node, method: str, params: object, req_id: object, ctx: CallerContext) -> None:
    if method in ("vault_create",) and isinstance(params, (dict, list)):
        params = {"bad": params}  # never create real vaults from fuzz input (slow KDF)
    msg = {"jsonrpc": "2.0", "id": req_id, "method": method, "params": params}
    r = await rpc(node, msg, ctx)
    assert isinstance(r, dict) and r["jsonrpc"] == "2.0"
    assert ("result" in r) != ("error" in r)
    if "error" in r:
        assert r["error"]["code"] != -32603, r  # bad input is never an internal error


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | st.text(max_size=200))
async def test_fuzz_raw_bytes(node: Node, raw: bytes | str) -> None:
    out = await node.handle_text(raw, APP)
    if out is not None:
        json.loads(out)
