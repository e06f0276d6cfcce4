"""Reading UnixFS DAGs defensively: loops, absurd depth or width, lying sizes and damaged blocks
are refused with a clear error before any byte is handed on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mainframe_os.node.files.blockstore import BlockCorrupt, BlockStore
from mainframe_os.node.files.dag import MAX_DEPTH, MAX_WIDTH, dag_cids, iter_file
from mainframe_os.node.files.unixfs import DAG_PB, RAW, Cid, FileDagBuilder, Link, UnixFsError, encode_file_node


def leaf(blocks: dict[Cid, bytes], data: bytes) -> Link:
    cid = Cid.of(RAW, data)
    blocks[cid] = data
    return Link(cid, len(data), len(data))


def node(blocks: dict[Cid, bytes], links: list[Link]) -> Link:
    block = encode_file_node(links)
    cid = Cid.of(DAG_PB, block)
    blocks[cid] = block
    return Link(cid, len(block) + sum(x.tsize for x in links), sum(x.file_size for x in links))


def test_a_built_dag_reads_back_and_lists_its_blocks() -> None:
    blocks: dict[Cid, bytes] = {}
    data = os.urandom(5000)
    b = FileDagBuilder(lambda cid, block: blocks.__setitem__(cid, bytes(block)), chunk_size=100, max_links=3)
    b.write(data)
    root = b.finish()
    assert b"".join(iter_file(blocks.__getitem__, root)) == data
    assert set(dag_cids(blocks.__getitem__, root)) == set(blocks)


def test_a_node_linking_to_itself_or_an_ancestor_is_refused() -> None:
    """sha256 makes a real loop impossible, but a getter that lies (a peer, a broken store)
    can serve one: the walk keeps its path and refuses to revisit it."""
    blocks: dict[Cid, bytes] = {}
    inner = node(blocks, [leaf(blocks, b"abc")])
    outer = node(blocks, [inner])
    lying = dict(blocks)
    lying[inner.cid] = blocks[outer.cid]  # the inner node now claims to contain the outer one
    with pytest.raises(UnixFsError, match="loops|size"):
        list(iter_file(lying.__getitem__, outer.cid))
    loop = encode_file_node([Link(outer.cid, 1, 3)])
    lying[outer.cid] = loop
    with pytest.raises(UnixFsError, match="loops"):
        list(iter_file(lying.__getitem__, outer.cid))


def test_too_deep_is_refused() -> None:
    blocks: dict[Cid, bytes] = {}
    link = leaf(blocks, b"x")
    for _ in range(MAX_DEPTH + 1):
        link = node(blocks, [link])
    with pytest.raises(UnixFsError, match="deeper"):
        list(iter_file(blocks.__getitem__, link.cid))
    with pytest.raises(UnixFsError, match="deeper"):
        list(dag_cids(blocks.__getitem__, link.cid))


def test_too_wide_is_refused_before_its_children_are_read() -> None:
    blocks: dict[Cid, bytes] = {}
    one = leaf(blocks, b"y")
    wide = node(blocks, [one] * (MAX_WIDTH + 1))
    reads: list[Cid] = []

    def get(cid: Cid) -> bytes:
        reads.append(cid)
        return blocks[cid]

    with pytest.raises(UnixFsError, match="more than"):
        list(iter_file(get, wide.cid))
    assert reads == [wide.cid]


def test_sizes_that_disagree_with_the_parent_are_refused() -> None:
    blocks: dict[Cid, bytes] = {}
    a = leaf(blocks, b"aaaa")
    liar = Link(a.cid, 4, 3)  # claims 3 bytes, the leaf holds 4
    root = node(blocks, [liar])
    with pytest.raises(UnixFsError, match="size"):
        list(iter_file(blocks.__getitem__, root.cid))


@pytest.mark.parametrize("junk", [b"", b"\xff\xff\xff", b"\x12\x05abc", b"\x0a\x02\x08\x01"])
def test_malformed_nodes_are_refused(junk: bytes) -> None:
    cid = Cid.of(DAG_PB, junk)
    with pytest.raises(UnixFsError):
        list(iter_file({cid: junk}.__getitem__, cid))


def test_the_store_refuses_a_block_that_does_not_match_its_cid(tmp_path: Path) -> None:
    store = BlockStore(tmp_path / "store")
    good, other = Cid.of(RAW, b"good"), Cid.of(RAW, b"other")
    with store.writer() as w:
        w.put(good, b"good")
        w.put(other, b"other")
    assert store.get(good) == b"good" and store.get(other) == b"other"
    path, offset, _ = store.locate(good)
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(b"evil")
    with pytest.raises(BlockCorrupt, match=str(good)):
        store.get(good)
    assert store.get(other) == b"other"


def test_a_failed_or_crashed_pack_leaves_nothing(tmp_path: Path) -> None:
    store = BlockStore(tmp_path / "store")
    cid = Cid.of(RAW, b"x")
    with pytest.raises(RuntimeError), store.writer() as w:
        w.put(cid, b"x")
        raise RuntimeError("disk full")
    assert not store.has(cid) and list(store.packs.iterdir()) == []
    crashed = store.writer()  # as a kill -9 leaves it: blocks appended, never indexed
    crashed.put(cid, b"x")
    assert not store.has(cid)
    assert store.sweep_temporary() == 1 and list(store.packs.iterdir()) == []


def test_collect_deletes_whole_unneeded_packs(tmp_path: Path) -> None:
    store = BlockStore(tmp_path / "store")
    a, b = Cid.of(RAW, b"a"), Cid.of(RAW, b"b")
    store.put(a, b"a")
    store.put(b, b"b")
    assert store.collect({a}) == (1, 1)
    assert list(store) == [a] and len(list(store.packs.iterdir())) == 1


def test_cids_parse_back_and_foreign_ones_are_refused() -> None:
    c = Cid.of(RAW, b"")
    assert Cid.parse(str(c)) == c
    assert str(c) == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    assert Cid.parse("zb2rhmy65F3REf8SZp7De11gxtECBGgUKaLdiDj7MCGCHxbDW") == c  # base58btc, same CID
    for bad in ["QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", "hello", "b" + "a" * 58]:
        with pytest.raises(UnixFsError):
            Cid.parse(bad)
