"""Contact cards: a short text anyone can paste in a chat to let others add them as a contact.

    mfc1.<base32 of payload>.<checksum>

    v1: version(1) | sign_pk(32) | box_pk(32) | name(utf-8)
    v2: version(1) | sign_pk(32) | box_pk(32) | n(1) | eth address(n) | name(utf-8)
    v3: version(1) | sign_pk(32) | box_pk(32) | n(1) | eth address(n) | m(1) | name(m) | peer block

Version 2 adds the identity's default Ethereum address (n = 20, or 0 when it has no wallet),
so a contact can be paid. Version 3 adds what messaging needs (the peer block, each field
length-prefixed with 2 bytes): the libp2p peer id, listen multiaddrs, the Olm identity key
(Curve25519) and fallback key, and the multiaddrs (with /p2p/) of the peers that hold messages
for this identity while it is offline. Versions 1 and 2 still decode (no peer block). The peer
block may end with one byte: the identity's luminosity (how many bits of its address its dark
routing topic reveals); a block without it means 0 (full darkness).

The checksum (4 bytes of BLAKE2b over the payload, base32) catches a typo or a truncated paste;
it is not a signature: trust in the name comes from how the card reached you.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidCard

PREFIX = "mfc1"
VERSION = 3
MAX_NAME_BYTES = 128
MAX_ADDRESSES = 8
MAX_LUMINOSITY = 16  # bits of an address a dark-routing topic may reveal


@dataclass(frozen=True)
class PeerBlock:
    """How to reach an identity and start an end-to-end session with it."""

    peer_id: str  # base58 libp2p peer id
    olm_key: bytes  # Curve25519 identity key of the Olm account, 32 bytes
    fallback_key: bytes  # Curve25519 fallback one-time key, 32 bytes
    addresses: tuple[str, ...] = ()  # multiaddrs without /p2p/
    holders: tuple[str, ...] = ()  # multiaddrs with /p2p/<holder peer id>
    luminosity: int = 0  # bits of the address the dark-routing topic reveals (0 = full darkness)

    def encode(self) -> bytes:
        fields = [self.peer_id.encode(), self.olm_key, self.fallback_key]
        out = b"".join(_field(f) for f in fields)
        out += bytes([len(self.addresses)]) + b"".join(_field(a.encode()) for a in self.addresses)
        out += bytes([len(self.holders)]) + b"".join(_field(h.encode()) for h in self.holders)
        # written only when not 0, so a card at full darkness reads the same as before
        return out + (bytes([self.luminosity]) if self.luminosity else b"")

    @classmethod
    def decode(cls, data: bytes) -> PeerBlock:
        r = _Reader(data)
        peer_id, olm_key, fallback = r.field().decode(), r.field(), r.field()
        addrs = tuple(r.field().decode() for _ in range(r.count()))
        holders = tuple(r.field().decode() for _ in range(r.count()))
        luminosity = r.take(1)[0] if r.left() == 1 else 0
        if len(olm_key) != 32 or len(fallback) != 32 or not peer_id or r.left() or luminosity > MAX_LUMINOSITY:
            raise ValueError("bad peer block")
        return cls(peer_id, olm_key, fallback, addrs, holders, luminosity)


@dataclass(frozen=True)
class ContactCard:
    display_name: str
    sign_public: bytes  # Ed25519
    box_public: bytes  # X25519
    eth_address: bytes | None = None  # 20 bytes, when the identity has a wallet
    peer: PeerBlock | None = field(default=None)  # v3: how to message this identity

    def encode(self) -> str:
        name = _cut_utf8(self.display_name, MAX_NAME_BYTES)
        addr = self.eth_address or b""
        head = self.sign_public + self.box_public + bytes([len(addr)]) + addr
        if self.peer is None:  # a v2 card: nothing of messaging to carry
            payload = bytes([2]) + head + name
        else:
            payload = bytes([VERSION]) + head + bytes([len(name)]) + name + self.peer.encode()
        return f"{PREFIX}.{_b32(payload)}.{_b32(_checksum(payload))}"

    @classmethod
    def decode(cls, text: str) -> ContactCard:
        parts = "".join(text.split()).lower().split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise InvalidCard("That is not a contact card (it should start with 'mfc1.')")
        try:
            payload, check = _unb32(parts[1]), _unb32(parts[2])
        except ValueError:
            raise InvalidCard("The contact card has characters that do not belong in it") from None
        if _checksum(payload) != check:
            raise InvalidCard("The contact card's checksum does not match: it was mistyped or cut short")
        if len(payload) < 65 or payload[0] not in (1, 2, 3):
            raise InvalidCard("This contact card's version is not supported")
        rest, addr, peer = payload[65:], None, None
        if payload[0] >= 2:
            n = rest[0] if rest else -1
            if n not in (0, 20) or len(rest) < 1 + n:
                raise InvalidCard("The contact card's address is damaged")
            addr, rest = (rest[1 : 1 + n] or None), rest[1 + n :]
        if payload[0] == 3:
            m = rest[0] if rest else -1
            if m < 0 or len(rest) < 1 + m:
                raise InvalidCard("The contact card's name is damaged")
            try:
                peer = PeerBlock.decode(rest[1 + m :])
            except (ValueError, IndexError, UnicodeDecodeError):
                raise InvalidCard("The contact card's messaging keys are damaged") from None
            rest = rest[1 : 1 + m]
        try:
            name = rest.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidCard("The contact card's name is not readable text") from None
        return cls(name.strip() or "Unnamed", payload[1:33], payload[33:65], addr, peer)


def _cut_utf8(text: str, limit: int) -> bytes:
    raw = text.encode("utf-8")[:limit]
    return raw.decode("utf-8", "ignore").encode("utf-8")  # never cut a character in half


def _field(data: bytes) -> bytes:
    if len(data) > 0xFFFF:
        raise ValueError("card field too long")
    return len(data).to_bytes(2, "big") + data


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("short")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def field(self) -> bytes:
        return self.take(int.from_bytes(self.take(2), "big"))

    def count(self) -> int:
        n = self.take(1)[0]
        if n > MAX_ADDRESSES:
            raise ValueError("too many addresses")
        return n

    def left(self) -> int:
        return len(self.data) - self.pos


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=4, person=b"mfos-card").digest()


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=").lower()


def _unb32(text: str) -> bytes:
    try:
        data = base64.b32decode(text.upper() + "=" * (-len(text) % 8))
    except Exception as exc:  # binascii.Error
        raise ValueError("bad base32") from exc
    # The last character's spare bits are ignored by the decoder: re-encoding makes a typo there
    # an error too, instead of a silently equal card.
    if _b32(data) != text:
        raise ValueError("non-canonical base32")
    return data


def card_for(i: Any, session: Any = None) -> ContactCard:
    """The identity's card; with a session, it carries the default wallet address too."""
    from nacl.public import PrivateKey
    from nacl.signing import SigningKey

    address = None
    if session is not None:
        from sqlalchemy import select

        from vault.models import Account

        address = session.scalars(
            select(Account.address)
            .where(Account.identity_id == i.id)
            .order_by(Account.is_default.desc(), Account.created_at)
        ).first()
    return ContactCard(
        i.display_name,
        SigningKey(i.sign_seed).verify_key.encode(),
        PrivateKey(i.box_secret).public_key.encode(),
        bytes.fromhex(address[2:]) if address else None,
    )
