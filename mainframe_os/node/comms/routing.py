"""Dark routing without I/O: which topic carries an identity's envelopes, the sealed packets
that travel on it, trial decryption of what arrives, and the routing settings' one set of rules.

Luminosity k (0..16) is how many bits of the recipient's address (SHA-256 of its Ed25519 key)
the topic name reveals. At 0 every node in darkness shares one topic: everyone receives every
packet and only the recipient can open it. Each extra bit halves the traffic a node receives and
halves the crowd its packets hide in. The recipient chooses (its card carries the value); the
sender publishes on the recipient's topic.

A packet is the signed envelope sealed to the recipient identity's X25519 key (the same
ECIES sealing holders use), so a node on the topic learns neither sender nor recipient. Trial
decryption costs one X25519 operation and a MAC check per identity of ours: a packet for
someone else fails the MAC and is dropped without touching the vault.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import vodozemac as vz
from sqlalchemy.orm import Session

from ..cards import MAX_LUMINOSITY as MAX_LUMINOSITY
from . import store
from .holding import seal_for

TOPIC_ROOT = "/mainframe/dark/1"
LUMINOSITY_SETTING = store.LUMINOSITY_SETTING
DIRECT_SETTING = "comms.directStreams"
BOOTSTRAP_SETTING = "comms.bootstrap"
MDNS_SETTING = "comms.mdns"
MAX_BOOTSTRAP = 32
MAX_PACKET_BYTES = 96 * 1024  # a sealed envelope (64 KiB at most) and its 40 bytes of sealing


class BadSetting(ValueError):
    """A routing setting out of its rules; the message says which and why."""


@dataclass(frozen=True)
class RoutingSettings:
    luminosity: int = 0
    directStreams: bool = True  # noqa: N815 - the wire name, as the settings page and CLI show it
    bootstrap: list[str] = field(default_factory=list)
    mdns: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_settings(s: Session) -> RoutingSettings:
    return RoutingSettings(
        int(store.get_setting(s, LUMINOSITY_SETTING, 0) or 0),
        bool(store.get_setting(s, DIRECT_SETTING, True)),
        list(store.get_setting(s, BOOTSTRAP_SETTING, []) or []),
        bool(store.get_setting(s, MDNS_SETTING, False)),
    )


def write_settings(s: Session, changes: dict[str, Any]) -> RoutingSettings:
    """Check every change first, then store them all (nothing half-applied)."""
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "luminosity":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LUMINOSITY:
                raise BadSetting(f"Luminosity must be a whole number from 0 to {MAX_LUMINOSITY}")
            checked[LUMINOSITY_SETTING] = value
        elif key in ("directStreams", "mdns"):
            if not isinstance(value, bool):
                raise BadSetting(f"{key} must be true or false")
            checked[DIRECT_SETTING if key == "directStreams" else MDNS_SETTING] = value
        elif key == "bootstrap":
            checked[BOOTSTRAP_SETTING] = check_bootstrap(value)
        else:
            raise BadSetting(f"Unknown messaging setting {key!r}")
    for key, value in checked.items():
        store.set_setting(s, key, value)
    return read_settings(s)


def check_bootstrap(value: Any) -> list[str]:
    """Bootstrap peers as full multiaddrs ending in /p2p/<peer id>, one clear error for the first bad one."""
    import multiaddr

    if not isinstance(value, list) or len(value) > MAX_BOOTSTRAP:
        raise BadSetting(f"Bootstrap peers must be a list of at most {MAX_BOOTSTRAP} multiaddrs")
    out: list[str] = []
    for item in value:
        text = str(item).strip() if isinstance(item, str) else ""
        try:
            multiaddr.Multiaddr(text)
            ok = "/p2p/" in text and len(text) < 512
        except Exception:  # noqa: BLE001 - the multiaddr library raises several kinds
            ok = False
        if not ok:
            raise BadSetting(f"Not a bootstrap multiaddr (like /ip4/1.2.3.4/tcp/4001/p2p/12D3Koo…): {text[:80]!r}")
        if text not in out:
            out.append(text)
    return out


# -- topics and packets ----------------------------------------------------------------------


def address_bits(sign_public: bytes, k: int) -> str:
    digest = hashlib.sha256(sign_public).digest()
    return "".join(f"{b:08b}" for b in digest[:2])[:k]


def topic_for(sign_public: bytes, luminosity: int) -> str:
    """The gossipsub topic of an identity at a luminosity: the root, k, and the first k bits."""
    k = max(0, min(MAX_LUMINOSITY, luminosity))
    return f"{TOPIC_ROOT}/{k}" + (f"/{address_bits(sign_public, k)}" if k else "")


def seal_packet(recipient_box: bytes, envelope: bytes) -> bytes:
    return seal_for(recipient_box, envelope)


class TrialDoor:
    """Opens the packets addressed to one of our identities, cheaply refuses all others."""

    def __init__(self, identities: list[tuple[bytes, bytes]]) -> None:
        # (Ed25519 public key, X25519 secret) per identity of this vault
        self._keys = [
            (sign, vz.PkDecryption.from_key(vz.Curve25519SecretKey.from_bytes(box))) for sign, box in identities
        ]
        self.opened = 0
        self.not_ours = 0

    @property
    def identities(self) -> int:
        return len(self._keys)

    def open(self, packet: bytes) -> tuple[bytes, bytes] | None:
        """(recipient identity's Ed25519 key, envelope bytes), or None when not for us."""
        if 41 <= len(packet) <= MAX_PACKET_BYTES:
            message = vz.Message(packet[40:], packet[32:40], packet[:32])
            for sign, key in self._keys:
                try:
                    envelope = bytes(key.decrypt(message))
                except Exception:  # noqa: BLE001 - a MAC mismatch: sealed to someone else
                    continue
                self.opened += 1
                return sign, envelope
        self.not_ours += 1
        return None


def luminosity_tradeoff(k: int) -> str:
    """The trade-off of a luminosity, in plain words (the settings page and the CLI show it)."""
    if k <= 0:
        return (
            "Full darkness. Messages for you travel on one topic shared by everyone in darkness: "
            "nobody watching can tell which are yours, but your node receives and tries every "
            "message on it (the most traffic)."
        )
    share = 2**k
    return (
        f"Reveals {k} bit{'s' if k > 1 else ''} of your address. Your node receives about 1 in "
        f"{share:,} of the dark traffic (less data), and messages for you hide among about 1 in "
        f"{share:,} people instead of everyone (less privacy)."
    )
