"""Files written piece by piece (an app's stream) are the same kind of file as one added from
disk: every message boundary round-trips, in pieces of any size, and an aborted upload leaves
no pack."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mainframe_os.node.files.blockstore import BlockStore
from mainframe_os.node.files.crypto import MESSAGE, encrypted_size, new_key
from mainframe_os.node.files.store import decrypt_to
from mainframe_os.node.files.streams import Download, Upload


@pytest.mark.parametrize("size", [0, 1, MESSAGE - 1, MESSAGE, MESSAGE + 1, 3 * MESSAGE, 3 * MESSAGE + 77])
def test_upload_then_download_in_odd_pieces(tmp_path: Path, size: int) -> None:
    store = BlockStore(tmp_path / "s")
    data = os.urandom(size)
    key = new_key()
    up = Upload(store, key)
    for i in range(0, size, 100_003):
        up.write(data[i : i + 100_003])
    stored = up.close()
    assert stored.plain_size == size and stored.stored_size == encrypted_size(size)
    down = Download(store, stored.root, key)
    got = bytearray()
    while piece := down.read(65_537):
        got += piece
    assert bytes(got) == data
    out = tmp_path / "out"  # and it opens like a file added from disk
    decrypt_to(store, stored.root, key, out, size, lambda _n: None)
    assert out.read_bytes() == data


def test_an_aborted_upload_leaves_nothing(tmp_path: Path) -> None:
    store = BlockStore(tmp_path / "s")
    up = Upload(store, new_key())
    up.write(os.urandom(3 * MESSAGE))
    up.abort()
    assert len(store) == 0 and list(store.packs.iterdir()) == []
