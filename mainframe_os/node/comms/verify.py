"""Verifying a contact in person with a short authentication string (vodozemac's SAS, the
Matrix scheme): both sides exchange ephemeral Curve25519 keys inside their end-to-end session,
derive the same 7 emoji (and 3 numbers) from the shared secret, the two identity keys, the two
Olm keys and the transaction id, and the two people compare them. A card swapped by someone in
the middle gives different emoji. Confirming records the contact's Olm key as verified; a later
change of that key shows as unverified (and is warned about when it happens)."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field

import vodozemac as vz

# Matrix's SAS emoji table (spec: "SAS method: emoji"), index -> (emoji, name)
EMOJI = [
    ("🐶", "Dog"), ("🐱", "Cat"), ("🦁", "Lion"), ("🐎", "Horse"), ("🦄", "Unicorn"), ("🐷", "Pig"),
    ("🐘", "Elephant"), ("🐰", "Rabbit"), ("🐼", "Panda"), ("🐓", "Rooster"), ("🐧", "Penguin"),
    ("🐢", "Turtle"), ("🐟", "Fish"), ("🐙", "Octopus"), ("🦋", "Butterfly"), ("🌷", "Flower"),
    ("🌳", "Tree"), ("🌵", "Cactus"), ("🍄", "Mushroom"), ("🌏", "Globe"), ("🌙", "Moon"),
    ("☁️", "Cloud"), ("🔥", "Fire"), ("🍌", "Banana"), ("🍎", "Apple"), ("🍓", "Strawberry"),
    ("🌽", "Corn"), ("🍕", "Pizza"), ("🎂", "Cake"), ("❤️", "Heart"), ("😀", "Smiley"), ("🤖", "Robot"),
    ("🎩", "Hat"), ("👓", "Glasses"), ("🔧", "Spanner"), ("🎅", "Santa"), ("👍", "Thumbs Up"),
    ("☂️", "Umbrella"), ("⌛", "Hourglass"), ("⏰", "Clock"), ("🎁", "Gift"), ("💡", "Light Bulb"),
    ("📕", "Book"), ("✏️", "Pencil"), ("📎", "Paperclip"), ("✂️", "Scissors"), ("🔒", "Lock"),
    ("🔑", "Key"), ("🔨", "Hammer"), ("☎️", "Telephone"), ("🏁", "Flag"), ("🚂", "Train"),
    ("🚲", "Bicycle"), ("✈️", "Aeroplane"), ("🚀", "Rocket"), ("🏆", "Trophy"), ("⚽", "Ball"),
    ("🎸", "Guitar"), ("🎺", "Trumpet"), ("🔔", "Bell"), ("⚓", "Anchor"), ("🎧", "Headphones"),
    ("📁", "Folder"), ("📌", "Pin"),
]  # fmt: skip


@dataclass
class Verification:
    """One SAS exchange with one contact, in memory only (it lasts minutes, not restarts)."""

    tx: str
    sas: vz.Sas = field(default_factory=vz.Sas)
    emoji: list[tuple[str, str]] | None = None
    decimals: tuple[int, int, int] | None = None

    @property
    def public_key(self) -> str:
        return self.sas.public_key.to_base64()

    def complete(self, their_key: str, keys: tuple[bytes, bytes, bytes, bytes]) -> None:
        """`keys`: (our sign key, our Olm key, their sign key, their Olm key)."""
        established = self.sas.diffie_hellman(vz.Curve25519PublicKey.from_base64(their_key))
        ours, theirs = keys[0] + keys[1], keys[2] + keys[3]
        low, high = sorted([ours, theirs])  # both sides build the same info string
        info = "MFOS_SAS_V1|" + base64.b64encode(low).decode() + "|" + base64.b64encode(high).decode() + "|" + self.tx
        out = established.bytes(info)
        self.emoji = [EMOJI[i] for i in out.emoji_indices]
        self.decimals = tuple(out.decimals)  # type: ignore[assignment]

    def to_json(self) -> dict[str, object]:
        if self.emoji is None:
            return {"state": "waiting", "tx": self.tx}
        return {
            "state": "compare",
            "tx": self.tx,
            "emoji": "".join(e for e, _ in self.emoji),
            "words": [n for _, n in self.emoji],
            "decimals": list(self.decimals or ()),
        }


def new_tx() -> str:
    return os.urandom(8).hex()
