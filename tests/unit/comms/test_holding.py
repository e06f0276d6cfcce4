"""The holder's rules on a real vault: only for recipients it agreed to hold for, quotas per
depositor, fetch and acknowledge only with the recipient's signature, expiry, duplicates."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from mainframe_os.node.comms import holding
from mainframe_os.node.comms.envelope import Envelope
from vault import KdfParams, Vault, VaultStore
from vault.models import CommsHeld, CommsPeer, Identity


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = VaultStore(tmp_path / "vaults").create("h", "a fine long password", KdfParams.insecure_for_tests())
    yield v
    v.close()


def _setup(v: Vault, recipient: bytes) -> None:
    with v.session() as s:
        ident = Identity(display_name="Holder", sign_seed=os.urandom(32), box_secret=os.urandom(32))
        s.add(ident)
        s.flush()
        s.add(
            CommsPeer(
                identity_id=ident.id,
                sign_public=recipient,
                display_name="Bob",
                card="",
                state="contact",
                hold_for_them=True,
                holds_for_me=False,
            )
        )


BOX = PrivateKey.generate()


def _deposit(to: bytes, body: bytes = b"x") -> bytes:
    env = Envelope.seal(os.urandom(32), to, 1, body, None)
    return holding.deposit_request(to, bytes(BOX.public_key.encode()), env.id, env.encode())


def test_holds_only_for_agreed_recipients_and_within_quota(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    bob = SigningKey.generate()
    _setup(vault, bytes(bob.verify_key.encode()))
    with vault.session() as s, pytest.raises(holding.HoldRefused, match="does not hold"):
        holding.handle(s, "peerA", _deposit(os.urandom(32)))
    monkeypatch.setattr(holding, "MAX_PER_DEPOSITOR", 2)
    with vault.session() as s:
        holding.handle(s, "peerA", _deposit(bytes(bob.verify_key.encode())))
        holding.handle(s, "peerA", _deposit(bytes(bob.verify_key.encode())))
        with pytest.raises(holding.HoldRefused, match="quota"):
            holding.handle(s, "peerA", _deposit(bytes(bob.verify_key.encode())))
        holding.handle(s, "peerB", _deposit(bytes(bob.verify_key.encode())))  # another depositor
    with vault.session() as s:
        assert s.query(CommsHeld).count() == 3


def test_fetch_and_ack_need_the_recipients_signature(vault: Vault) -> None:
    bob = SigningKey.generate()
    to = bytes(bob.verify_key.encode())
    _setup(vault, to)
    dep = _deposit(to, b"hello")
    with vault.session() as s:
        holding.handle(s, "peerA", dep)
        holding.handle(s, "peerA", dep)  # the same envelope twice is kept once
    mallory = SigningKey.generate()
    forged = json.loads(holding.signed_request(bytes(mallory._seed), "fetch"))
    forged["to"] = to.hex()
    with vault.session() as s, pytest.raises(holding.HoldRefused, match="not signed"):
        holding.handle(s, "peerM", json.dumps(forged).encode())
    with vault.session() as s:
        got = holding.handle(s, "peerB", holding.signed_request(bytes(bob._seed), "fetch"))
    assert len(got["envs"]) == 1
    sealed = base64.b64decode(got["envs"][0]["sealed"])
    plain = holding.unseal(bytes(BOX.encode()), sealed)
    env = Envelope.decode(plain)
    # what the holder kept shows neither the sender nor the envelope
    assert env.sender.hex().encode() not in sealed and plain[:40] not in sealed
    env_id = env.id
    assert got["envs"][0]["id"] == env_id
    with pytest.raises(ValueError, match="does not open"):
        holding.unseal(bytes(BOX.encode()), sealed[:-1] + bytes([sealed[-1] ^ 1]))
    stale = json.loads(holding.signed_request(bytes(bob._seed), "ack", [env_id]))
    stale["ts"] -= 10 * 60 * 1000
    with vault.session() as s, pytest.raises(holding.HoldRefused):
        holding.handle(s, "peerB", json.dumps(stale).encode())
    with vault.session() as s:
        assert holding.handle(s, "peerB", holding.signed_request(bytes(bob._seed), "ack", [env_id]))["deleted"] == 1
        assert holding.handle(s, "peerB", holding.signed_request(bytes(bob._seed), "fetch"))["envs"] == []


def test_expired_envelopes_are_dropped(vault: Vault) -> None:
    bob = SigningKey.generate()
    to = bytes(bob.verify_key.encode())
    _setup(vault, to)
    with vault.session() as s:
        holding.handle(s, "peerA", _deposit(to))
        for row in s.query(CommsHeld):
            row.expires_at = time.time() - 1
    with vault.session() as s:
        assert holding.handle(s, "peerB", holding.signed_request(bytes(bob._seed), "fetch"))["envs"] == []
        assert s.query(CommsHeld).count() == 0


def test_fetch_allows_the_same_clock_skew_as_messages(vault: Vault) -> None:
    """A recipient whose clock is minutes off (within the window envelopes allow) can still fetch
    what its holder keeps; beyond that window the signed request is refused as stale."""
    from mainframe_os.node.comms.envelope import MAX_SKEW_S

    bob = SigningKey.generate()
    to = bytes(bob.verify_key.encode())
    _setup(vault, to)
    seed, now = bytes(bob._seed), time.time()
    with vault.session() as s:
        holding.handle(s, "peerA", _deposit(to))
    for skew in (-(MAX_SKEW_S - 60), MAX_SKEW_S - 60):  # 9 minutes either way
        with vault.session() as s:
            fetch = holding.signed_request(seed, "fetch", now=now + skew)
            assert len(holding.handle(s, "peerB", fetch, now)["envs"]) == 1
    with vault.session() as s, pytest.raises(holding.HoldRefused, match="too far"):
        holding.handle(s, "peerB", holding.signed_request(seed, "fetch", now=now + MAX_SKEW_S + 60), now)
