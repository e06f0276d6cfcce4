"""A payment from another identity shows up in the receiver's history and as a notification."""

from __future__ import annotations

from mainframe_os.node import events as ev
from mainframe_os.node.wallet.watcher import PaymentReceived

from .conftest import Env


async def test_payment_received_is_announced_once(env: Env) -> None:
    seen: list[ev.Event] = []
    env.node.events.subscribe(ev.Event, seen.append)
    assert await env.call("wallet_scanPayments") == []  # first scan sets the starting block
    bob = await env.call("identity_create", {"displayName": "Bob"})
    await env.call("identity_select", {"id": bob["id"]})
    bob_wallet = await env.call("wallet_create", {"phrase": (await env.call("wallet_generatePhrase"))["phrase"]})
    bob_addr = bob_wallet["accounts"][0]["address"]
    await env.call("identity_select", {"id": env.info["identity"]})
    await env.call("wallet_send", {"to": bob_addr, "amount": "0.75"})

    found = await env.call("wallet_scanPayments")
    # the dev chain's faucet funding of Bob's new wallet counts too: it came from outside the vault
    mine = [f for f in found if f["from"] == env.address]
    assert [(f["identityId"], f["amount"], f["symbol"]) for f in mine] == [(bob["id"], "0.75", "ETH")]
    assert any(isinstance(e, PaymentReceived) and e.amount == "0.75" for e in seen)
    assert any(isinstance(e, ev.Notification) and e.title == "Payment received" for e in seen)
    assert await env.call("wallet_scanPayments") == []  # never announced twice

    await env.call("identity_select", {"id": bob["id"]})
    history = await env.call("wallet_history")
    received = [h for h in history if h["kind"] == "receive" and h["from"] == env.address]
    assert len(received) == 1 and received[0]["details"]["amount"] == "0.75 ETH"
