from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mainframe_os.node.cards import ContactCard
from mainframe_os.node.errors import InvalidCard


@given(
    st.text(min_size=1, max_size=40).filter(lambda s: s.strip()),
    st.binary(min_size=32, max_size=32),
    st.binary(min_size=32, max_size=32),
)
def test_roundtrip(name: str, sign: bytes, box: bytes) -> None:
    card = ContactCard(name.strip(), sign, box)
    text = card.encode()
    back = ContactCard.decode(text)
    assert (back.sign_public, back.box_public) == (sign, box)
    assert back.display_name == name.strip()
    # pasted with line breaks / spaces / upper case still works
    assert ContactCard.decode(" " + text[:20] + "\n" + text[20:].upper() + " ").sign_public == sign


def test_every_single_typo_is_caught() -> None:
    text = ContactCard("Alice", os.urandom(32), os.urandom(32)).encode()
    body_start = text.index(".") + 1
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    for i in range(body_start, len(text)):
        if text[i] == ".":
            continue
        wrong = alphabet[(alphabet.index(text[i]) + 1) % 32]
        with pytest.raises(InvalidCard):
            ContactCard.decode(text[:i] + wrong + text[i + 1 :])


@pytest.mark.parametrize("bad", ["", "hello", "mfc1.", "mfc1.abc.def", "mfc2.aaaa.bbbb", "mfc1.!!!!.aaaa"])
def test_garbage(bad: str) -> None:
    with pytest.raises(InvalidCard):
        ContactCard.decode(bad)


def test_truncated() -> None:
    text = ContactCard("Bob", os.urandom(32), os.urandom(32)).encode()
    with pytest.raises(InvalidCard):
        ContactCard.decode(text[:-10] + text[-7:])
