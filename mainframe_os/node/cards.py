"""Contact cards: a short text anyone can paste in a chat to let others add them as a contact.

    mfc1.<base32 of: version(1) | sign_pk(32) | box_pk(32) | [v2: n(1) | eth address(n)] | name(utf-8)>.<checksum>

Version 2 adds the identity's default Ethereum address (n = 20, or 0 when it has no wallet),
so a contact can be paid; version 1 cards still decode.

The checksum (4 bytes of BLAKE2b over the payload, base32) catches a typo or a truncated paste;
it is not a signature: trust in the name comes from how the card reached you.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from .errors import InvalidCard

PREFIX = "mfc1"
VERSION = 2
MAX_NAME_BYTES = 128


@dataclass(frozen=True)
class ContactCard:
    display_name: str
    sign_public: bytes  # Ed25519
    box_public: bytes  # X25519
    eth_address: bytes | None = None  # 20 bytes, when the identity has a wallet

    def encode(self) -> str:
        name = self.display_name.encode("utf-8")[:MAX_NAME_BYTES]
        addr = self.eth_address or b""
        payload = bytes([VERSION]) + self.sign_public + self.box_public + bytes([len(addr)]) + addr + name
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
        if len(payload) < 65 or payload[0] not in (1, 2):
            raise InvalidCard("This contact card's version is not supported")
        rest, addr = payload[65:], None
        if payload[0] == 2:
            n = rest[0] if rest else -1
            if n not in (0, 20) or len(rest) < 1 + n:
                raise InvalidCard("The contact card's address is damaged")
            addr, rest = (rest[1 : 1 + n] or None), rest[1 + n :]
        try:
            name = rest.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidCard("The contact card's name is not readable text") from None
        return cls(name.strip() or "Unnamed", payload[1:33], payload[33:65], addr)


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
