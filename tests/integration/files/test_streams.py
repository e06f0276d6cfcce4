"""Files written piece by piece (an app's stream) are the same kind of file as one added from
disk: every message boundary round-trips, in pieces of any size, and an aborted upload leaves
no pack."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mainframe_os.node.files import store as store_mod
from mainframe_os.node.files.blockstore import BlockStore
from mainframe_os.node.files.crypto import MESSAGE, encrypted_size, new_key
from mainframe_os.node.files.dag import iter_file
from mainframe_os.node.files.store import AddJob, decrypt_to, encrypt_into
from mainframe_os.node.files.streams import Download, Upload
from mainframe_os.node.files.unixfs import plain_cid


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


@pytest.mark.parametrize("sealer_hashes", [True, False])
@pytest.mark.parametrize("size", [0, 5 * MESSAGE, 16 * MESSAGE, 16 * MESSAGE + 1, 40 * MESSAGE + 12_345])
def test_an_add_gives_the_cids_of_its_ciphertext_whoever_hashes_the_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, sealer_hashes: bool
) -> None:
    """The sealer thread hashes chunks for the consumer only when the consumer is busy, so which
    thread hashes a chunk depends on load: both ways give the CIDs of the stored ciphertext."""
    monkeypatch.setattr(store_mod, "_consumer_busy", lambda _full: sealer_hashes)
    src = tmp_path / "src"
    src.write_bytes(os.urandom(size))
    store = BlockStore(tmp_path / "s")
    key = new_key()
    stored = encrypt_into(store, src, key, AddJob(), lambda _n: None)
    ciphertext = b"".join(iter_file(store.get, stored.root))  # every block checked against its CID
    assert len(ciphertext) == stored.stored_size == encrypted_size(size)
    pieces = (ciphertext[i : i + 100_000] for i in range(0, len(ciphertext), 100_000))
    assert plain_cid(pieces) == stored.root  # the DAG a plain builder makes of these bytes
    out = tmp_path / "out"
    decrypt_to(store, stored.root, key, out, size, lambda _n: None)
    assert out.read_bytes() == src.read_bytes()
