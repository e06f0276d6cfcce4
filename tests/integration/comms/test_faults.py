"""Bad input on the wire, against a real node: forged, replayed, misaddressed, tampered,
oversized and garbage envelopes, a flood, a peer vanishing mid-frame, strangers and blocked
peers. Each is observed from outside: replies, events, history."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest
from nacl.signing import SigningKey

from mainframe_os.node import events as ev
from mainframe_os.node.comms import outbox, store
from mainframe_os.node.comms.envelope import Envelope
from mainframe_os.node.comms.frames import RateLimiter
from mainframe_os.node.comms.host import MAX_FRAME_BYTES, MSG_PROTOCOL, P2PHost, PeerUnreachable
from vault.models import Identity

from .conftest import befriend, wait_for


async def _attacker() -> P2PHost:
    async def nothing(peer: str, data: bytes) -> bytes:
        return b"{}"

    host = P2PHost(os.urandom(32), ["/ip4/127.0.0.1/tcp/0"], {MSG_PROTOCOL: nothing})
    await host.start()
    return host


async def _sealed_by(sender, recipient_sign: bytes, text: str) -> bytes:
    """A real envelope from `sender`, sealed in its vault but not sent."""
    svc = sender.node.session.comms

    def seal(s) -> bytes:
        ident = s.get(Identity, sender.identity_id)
        m = outbox.seal(
            s,
            ident,
            recipient_sign,
            {"type": "text", "body": text},
            "text",
            lambda: store.own_card(s, ident, svc.host.peer_id, svc.host.addresses),
        )
        env = m.envelope
        m.envelope = None  # keep it out of the outbox: the test delivers it by hand
        return env

    return await sender.node.db(seal)


def _ok(reply: bytes) -> bool:
    return bool(json.loads(reply).get("ok"))


async def _received(p) -> list[str]:
    return [m["body"] for m in await p.call("comms_list") if m["direction"] == "in"]


@pytest.mark.slow
async def test_forged_replayed_misaddressed_and_garbage_envelopes(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    bob_info = await bob.call("peer_info")
    bob_sign = _sign_of(bob)
    mallory = await _attacker()
    try:

        async def send(*frames: bytes) -> list[bytes]:
            return await mallory.request(bob_info["peerId"], bob_info["addresses"], MSG_PROTOCOL, list(frames))

        genuine = await _sealed_by(alice, bob_sign, "genuine")
        env = Envelope.decode(genuine)
        # relayed by anyone, a genuine envelope is accepted once; the replay is not delivered again
        first, replay = await send(genuine, genuine)
        assert _ok(first) and _ok(replay)
        assert await _received(bob) == ["genuine"]

        # forged sender: Alice's key as sender, signed by Mallory
        forged = Envelope.seal(os.urandom(32), bob_sign, env.olm_type, env.body, None)
        forged = dataclasses.replace(forged, sender=env.sender)
        # tampered body, genuine signature
        tampered = dataclasses.replace(env, id=os.urandom(16).hex())
        flipped = dataclasses.replace(env, body=env.body[:-1] + bytes([env.body[-1] ^ 1]))
        # for another identity (validly signed by Mallory's own identity key)
        elsewhere = Envelope.seal(os.urandom(32), SigningKey.generate().verify_key.encode(), 1, b"x", None)
        # validly signed, but dated an hour ahead (clock skew beyond the allowance)
        seed = os.urandom(32)
        unsigned = dataclasses.replace(Envelope.seal(seed, bob_sign, 1, b"x", None), ts_ms=env.ts_ms + 3600_000)
        future = dataclasses.replace(unsigned, sig=SigningKey(seed).sign(unsigned.signed_bytes()).signature)
        replies = await send(forged.encode(), tampered.encode(), flipped.encode(), elsewhere.encode(), future.encode())
        assert not any(_ok(r) for r in replies)
        errors = [json.loads(r)["error"] for r in replies]
        assert "signature" in errors[0] and "signature" in errors[1] and "signature" in errors[2]
        assert "not addressed" in errors[3] and "future" in errors[4]
        garbage = await send(b"\x00\xffnot json", b"{}", json.dumps({"v": 1, "id": "zz"}).encode())
        assert [json.loads(r)["error"] for r in garbage] == ["malformed envelope"] * 3
        assert await _received(bob) == ["genuine"]  # nothing of that reached the inbox

        # an oversized frame ends the stream before Bob reads it (twice: a stream that ends
        # before its first reply is tried once more on a fresh connection)
        refused = bob.node.session.comms.host.refused
        with pytest.raises(PeerUnreachable):
            await send(b"x" * (MAX_FRAME_BYTES + 1))
        assert bob.node.session.comms.host.refused == refused + 2

        # Bob still serves his contacts
        sent = await alice.call("comms_send", {"contact": "Bob", "text": "still there?"})
        assert sent["state"] == "delivered"
        assert await _received(bob) == ["genuine", "still there?"]
    finally:
        await mallory.stop()


def _sign_of(p) -> bytes:
    from mainframe_os.node.cards import ContactCard

    return ContactCard.decode(p.card).sign_public


@pytest.mark.slow
async def test_flood_is_rate_limited_and_a_vanishing_peer_harms_nobody(peers) -> None:
    alice, bob = await peers("Alice"), await peers("Bob")
    await befriend(alice, bob)
    info = await bob.call("peer_info")
    host = bob.node.session.comms.host
    host.limiter = RateLimiter(rate=5, burst=20)  # small, so the flood is cut short quickly
    mallory = await _attacker()
    try:
        with pytest.raises(PeerUnreachable):  # the stream is reset once over the limit
            await mallory.request(info["peerId"], info["addresses"], MSG_PROTOCOL, [b"junk"] * 200)
        assert host.refused >= 1

        # Mallory announces a 1000-byte frame, sends 10 bytes, and vanishes
        from libp2p.custom_types import TProtocol
        from libp2p.peer.id import ID
        from libp2p.peer.peerinfo import info_from_p2p_addr

        async def half_frame() -> None:
            addr = f"{info['addresses'][0]}/p2p/{info['peerId']}"
            import multiaddr

            await mallory._host.connect(info_from_p2p_addr(multiaddr.Multiaddr(addr)))
            stream = await mallory._host.new_stream(ID.from_base58(info["peerId"]), [TProtocol(MSG_PROTOCOL)])
            await stream.write((1000).to_bytes(4, "big") + b"x" * 10)

        await mallory._to_trio(half_frame)
    finally:
        await mallory.stop()
    host.limiter = RateLimiter(rate=50, burst=200)
    sent = await alice.call("comms_send", {"contact": "Bob", "text": "after the storm"})
    assert sent["state"] == "delivered"
    await wait_for(lambda: bob.got(ev.MessageReceived), what="Bob's message")


@pytest.mark.slow
async def test_strangers_never_reach_the_inbox_and_blocked_peers_are_dropped(peers) -> None:
    bob, mallory = await peers("Bob"), await peers("Mallory")
    # Mallory pastes Bob's card and writes: Bob never sees it
    await mallory.call("contacts_add", {"card": bob.card})
    sent = await mallory.call("comms_send", {"contact": "Bob", "text": "buy my coin"})
    assert sent["state"] == "delivered"  # silently dropped: the sender learns nothing
    assert await bob.call("comms_list") == [] and not bob.got(ev.MessageReceived)

    await mallory.call("contacts_remove", {"id": (await mallory.call("contacts_list"))[0]["id"]})
    await mallory.call("contacts_request", {"card": bob.card, "message": "please?"})
    req = await wait_for(lambda: _incoming(bob), what="the request")
    assert req["message"] == "please?" and req["displayName"] == "Mallory"
    await bob.call("contacts_block", {"id": req["id"]})
    changes = len(bob.got(ev.ContactRequestsChanged))
    await mallory.call("contacts_request", {"card": bob.card, "message": "again"})
    await mallory.call("comms_sync")
    assert (await bob.call("contacts_requests"))["incoming"] == []
    assert len(bob.got(ev.ContactRequestsChanged)) == changes and await bob.call("comms_list") == []


async def _incoming(p):
    reqs = (await p.call("contacts_requests"))["incoming"]
    return reqs[0] if reqs else None


async def test_writing_to_a_blocked_peer_is_refused_and_nothing_is_queued(peers, tmp_path) -> None:
    """The user's own send is refused before anything is sealed (test_direct); an app the user
    once let write to that person is refused the same way, with a clear reason."""
    from mainframe_os.node import errors as E

    from .test_app_comms import install, package, pick

    alice, bob = await peers("Alice"), await peers("Bob")
    bob_at_alice, _ = await befriend(alice, bob)
    chess = await install(alice, package(tmp_path, "Chess"))
    bob_for_chess = await pick(alice, chess, bob_at_alice)
    await alice.call("contacts_block", {"id": "Bob"})

    with pytest.raises(E.ContactNotFound, match="blocked"):
        await alice.call("comms_send", {"contact": "Bob", "text": "hi"})
    with pytest.raises(E.RpcError, match="You blocked Bob"):
        await alice.node.call("comms_appSend", {"contact": bob_for_chess, "message": {"move": "e4"}}, chess)
    assert (await alice.call("comms_sync"))["queued"] == 0
    assert await alice.call("comms_list") == [] and await alice.node.call("comms_appMessages", {}, chess) == []
    assert await bob.call("comms_list") == [] and not bob.got(ev.AppMessageReceived)
