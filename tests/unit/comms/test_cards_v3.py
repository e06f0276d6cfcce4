"""Cards v3 carry the messaging keys; v1 and v2 cards made by older versions still decode."""

from __future__ import annotations

import base64
import os

import pytest

from mainframe_os.node.cards import ContactCard, PeerBlock, _checksum
from mainframe_os.node.errors import InvalidCard

PEER = PeerBlock(
    "12D3KooWL5fKerMDHQEuhb7ikmQanT4kQgsyz4Zqj4sVPoAxjiZ6",
    os.urandom(32),
    os.urandom(32),
    ("/ip4/127.0.0.1/tcp/4001",),
    ("/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWJeS4PuZBaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",),
)


def _old_card(version: int, name: bytes, sign: bytes, box: bytes, addr: bytes | None = None) -> str:
    """A card exactly as versions 1 and 2 of the code wrote it."""
    payload = bytes([version]) + sign + box
    if version == 2:
        payload += bytes([len(addr or b"")]) + (addr or b"")
    payload += name

    def b32(d: bytes) -> str:
        return base64.b32encode(d).decode().rstrip("=").lower()

    return f"mfc1.{b32(payload)}.{b32(_checksum(payload))}"


def test_v3_round_trip_with_peer_block() -> None:
    sign, box, addr = os.urandom(32), os.urandom(32), os.urandom(20)
    card = ContactCard("Ålice ☕", sign, box, addr, PEER)
    back = ContactCard.decode(card.encode())
    assert back == card and back.peer == PEER


def test_old_cards_still_decode() -> None:
    sign, box, addr = os.urandom(32), os.urandom(32), os.urandom(20)
    v1 = ContactCard.decode(_old_card(1, b"Bob", sign, box))
    v2 = ContactCard.decode(_old_card(2, "Zoë".encode(), sign, box, addr))
    assert (v1.display_name, v1.sign_public, v1.eth_address, v1.peer) == ("Bob", sign, None, None)
    assert (v2.display_name, v2.eth_address, v2.peer) == ("Zoë", addr, None)
    # a card without messaging keys is written as v2, byte for byte what v2 code wrote
    assert ContactCard("Zoë", sign, box, addr).encode() == _old_card(2, "Zoë".encode(), sign, box, addr)


def test_damaged_peer_block_is_a_clear_error() -> None:
    sign, box = os.urandom(32), os.urandom(32)
    good = ContactCard("Al", sign, box, None, PEER).encode()
    payload = base64.b32decode(good.split(".")[1].upper() + "=" * (-len(good.split(".")[1]) % 8))
    cut = payload[:-5]

    def b32(d: bytes) -> str:
        return base64.b32encode(d).decode().rstrip("=").lower()

    with pytest.raises(InvalidCard, match="messaging keys are damaged"):
        ContactCard.decode(f"mfc1.{b32(cut)}.{b32(_checksum(cut))}")


def test_long_names_are_cut_on_a_character_boundary() -> None:
    card = ContactCard("é" * 200, os.urandom(32), os.urandom(32), None, PEER)
    back = ContactCard.decode(card.encode())
    assert back.display_name == "é" * 64 and back.peer == PEER
