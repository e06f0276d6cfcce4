"""One amount rule on every path: "0,001" is refused with a reason on the CLI and from an app,
and nothing is sent (it once sent 1 ETH)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.prompter import ApproveAllPrompter

from .conftest import Env
from .test_interrupted_send import BOB, inspect, mfos


@pytest.mark.slow
async def test_cli_refuses_a_comma_and_sends_nothing(wallet_home: Path) -> None:
    for amount in ("0,001", "1,5"):
        p = mfos(wallet_home, "wallet", "send", "--to", BOB, "--amount", amount)
        assert p.returncode != 0 and "Traceback" not in p.stderr
        err = json.loads(p.stdout)["error"]
        assert err["code"] == -32602 and "use a point for decimals" in err["message"], err
    hist, bob = await inspect(wallet_home)
    assert hist == [] and bob == 0


async def test_an_app_paying_a_contact_with_a_comma_is_refused(env: Env) -> None:
    alice = env.info["identity"]
    bob = await env.call("identity_create", {"displayName": "Bob"})
    wallet = await env.call(
        "wallet_create", {"phrase": (await env.call("wallet_generatePhrase"))["phrase"], "identityId": bob["id"]}
    )
    bob_address = wallet["accounts"][0]["address"]
    card = (await env.call("identity_getCard", {"id": bob["id"]}))["card"]
    contact = await env.call("contacts_add", {"card": card, "identityId": alice})
    apps = await env.call("apps_list", {"identityId": alice})
    app = CallerContext.app(next(a["id"] for a in apps if a["name"] == "Payments"), alice)
    env.node.prompter = ApproveAllPrompter(data=[contact["id"]])
    (picked,) = await env.node.call("contacts_select", {}, app)
    before = int(await env.call("eth_getBalance", [bob_address, "latest"]), 16)
    pay = {"contact": picked["id"], "currency": "ETH"}
    for amount in ("0,001", "1,5", "1e-3", "0.001 "[:-1] + "\u0661"):
        with pytest.raises(E.InvalidParams) as info:
            await env.node.call("payments_payContact", {**pay, "amount": amount}, app)
        assert "comma" in info.value.message or "not a number" in info.value.message
    assert await env.call("wallet_history") == []
    sent = await env.node.call("payments_payContact", {**pay, "amount": "0.001"}, app)
    assert sent["status"] == "confirmed"
    after = int(await env.call("eth_getBalance", [bob_address, "latest"]), 16)
    assert after - before == 10**15  # exactly 0.001 ETH
