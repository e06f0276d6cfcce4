"""Our UnixFS CIDs are exactly Helia's (ipfs-unixfs-importer) for the same bytes and settings:
CIDv1, raw leaves, 256 KiB chunks, balanced layout, 174 links per node."""

from __future__ import annotations

import os
import random
from pathlib import Path

from mainframe_os.node.files.unixfs import CHUNK_SIZE, FileDagBuilder

from .helia import helia_cids

MiB = 1024 * 1024


def write_random(path: Path, size: int, seed: int) -> Path:
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 * MiB)
            f.write(rng.randbytes(n))
            left -= n
    return path


def our_cid(path: Path, piece: int = 1 << 20, chunk: int = CHUNK_SIZE, width: int = 174) -> str:
    blocks: list[int] = []
    builder = FileDagBuilder(lambda cid, block: blocks.append(len(block)), chunk, width)
    with open(path, "rb") as f:
        while data := f.read(piece):
            builder.write(data)
    return str(builder.finish())


def test_cids_equal_helia_for_edge_sizes_and_a_random_size(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    random_size = random.Random(seed).randrange(1, 100 * MiB)  # the issue: 0 bytes to 100 MiB
    sizes = [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 174 * CHUNK_SIZE, 174 * CHUNK_SIZE + 1, 50 * MiB, random_size]
    files = [write_random(tmp_path / f"f{i}", size, seed + i) for i, size in enumerate(sizes)]
    reference = helia_cids(files)
    ours = [our_cid(f) for f in files]
    for size, mine, theirs in zip(sizes, ours, reference, strict=True):
        assert mine == theirs, f"size {size} (seed {seed}): ours {mine}, Helia {theirs}"
    assert ours[0] == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"  # sha256 of nothing, raw


def test_deep_trees_equal_helia_with_small_chunks_and_narrow_nodes(tmp_path: Path) -> None:
    """Four and five levels need terabytes at the defaults; the same layout code with 1 KiB
    chunks and 3 links per node reaches them in kilobytes, with odd remainders at every level."""
    sizes = [3 * 1024, 3 * 1024 + 1, 9 * 1024, 27 * 1024 + 5, 81 * 1024, 100 * 1024 + 7, 250 * 1024]
    files = [write_random(tmp_path / f"d{i}", size, i) for i, size in enumerate(sizes)]
    reference = helia_cids(files, chunk=1024, width=3)
    for size, f, theirs in zip(sizes, files, reference, strict=True):
        assert our_cid(f, piece=777, chunk=1024, width=3) == theirs, f"size {size}"


def test_slicing_of_the_input_does_not_change_the_cid(tmp_path: Path) -> None:
    f = write_random(tmp_path / "s", 3 * CHUNK_SIZE + 12345, 7)
    assert len({our_cid(f, piece=p) for p in (1, 4096, CHUNK_SIZE - 1, CHUNK_SIZE, 10 * MiB)}) == 1
