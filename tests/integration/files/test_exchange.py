"""Blocks move between two block stores with bitswap 1.2.0 messages, over a loopback host (the
libp2p host of node/comms plugs into the same interface): a fetched file decrypts byte for byte;
a peer sending wrong blocks or staying silent is passed over for the next provider; a revoked
share gets DONT_HAVE; hostile messages are refused."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.node.files.bitswap import DONT_HAVE, Message, Want, frame
from mainframe_os.node.files.blockstore import BlockStore
from mainframe_os.node.files.crypto import new_key
from mainframe_os.node.files.exchange import BlockExchange, BlockUnavailable
from mainframe_os.node.files.store import AddJob, decrypt_to, encrypt_into
from mainframe_os.node.files.unixfs import RAW, Cid, UnixFsError

MiB = 1024 * 1024


class Loopback:
    """Peers by name; a sent message is received by its peer on the next loop turn."""

    def __init__(self) -> None:
        self.peers: dict[str, Any] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def host(self, me: str) -> Any:
        net = self

        class Host:
            async def send(self, peer: str, message: bytes) -> None:
                task = asyncio.ensure_future(net.peers[peer].receive(me, message))
                net.tasks.add(task)
                task.add_done_callback(net.tasks.discard)

        return Host()


class Liar:
    """Answers every want with random bytes under the wanted block's prefix."""

    def __init__(self, net: Loopback, me: str) -> None:
        self.host = net.host(me)

    async def receive(self, peer: str, data: bytes) -> None:
        wants = [w for w in Message.decode(data).wants if not w.cancel]
        if wants:
            await self.host.send(peer, Message(blocks=[(w.cid, os.urandom(1000)) for w in wants]).encode())


class Silent:
    async def receive(self, peer: str, data: bytes) -> None:
        return None


def stored_file(tmp_path: Path, size: int) -> tuple[BlockStore, Cid, bytes, bytes]:
    store = BlockStore(tmp_path / "alice")
    data = os.urandom(size)
    src = tmp_path / "src"
    src.write_bytes(data)
    key = new_key()
    stored = encrypt_into(store, src, key, AddJob(), lambda _n: None)
    return store, stored.root, key, data


async def test_a_file_fetched_from_a_peer_decrypts_byte_for_byte(tmp_path: Path) -> None:
    alice_store, root, key, data = stored_file(tmp_path, 3 * MiB + 5)
    net = Loopback()
    alice = net.peers["alice"] = BlockExchange(alice_store, net.host("alice"))
    bob_store = BlockStore(tmp_path / "bob")
    bob = net.peers["bob"] = BlockExchange(bob_store, net.host("bob"))
    with bob_store.writer() as w:
        size = await bob.fetch_dag(root, ["alice"], w)
    assert size > len(data)  # the ciphertext DAG
    assert sorted(c.raw for c in bob_store) == sorted(c.raw for c in alice_store)
    out = tmp_path / "out"
    decrypt_to(bob_store, root, key, out, len(data), lambda _n: None)
    assert out.read_bytes() == data
    assert alice.refused == bob.refused == 0


async def test_wrong_blocks_and_silence_move_on_to_the_next_provider(tmp_path: Path) -> None:
    alice_store, root, _key, _data = stored_file(tmp_path, 600_000)
    net = Loopback()
    net.peers["alice"] = BlockExchange(alice_store, net.host("alice"))
    net.peers["liar"] = Liar(net, "liar")
    net.peers["silent"] = Silent()
    bob_store = BlockStore(tmp_path / "bob")
    bob = net.peers["bob"] = BlockExchange(bob_store, net.host("bob"), timeout=0.3)
    with bob_store.writer() as w:
        await bob.fetch_dag(root, ["liar", "silent", "alice"], w)
    assert bob.refused == 1 and bob.misbehaving == {"liar"}  # one wrong block, then never asked again
    assert sorted(c.raw for c in bob_store) == sorted(c.raw for c in alice_store)
    for cid in bob_store:
        assert cid.matches(bob_store.get(cid))


async def test_a_revoked_share_gets_dont_have(tmp_path: Path) -> None:
    alice_store, root, _key, _data = stored_file(tmp_path, 1000)
    net = Loopback()
    revoked: set[str] = {"bob"}
    net.peers["alice"] = BlockExchange(alice_store, net.host("alice"), may_serve=lambda peer, _c: peer not in revoked)
    bob_store = BlockStore(tmp_path / "bob")
    bob = net.peers["bob"] = BlockExchange(bob_store, net.host("bob"), timeout=5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(BlockUnavailable), bob_store.writer() as w:
        await bob.fetch_dag(root, ["alice"], w)
    assert loop.time() - started < 4  # DONT_HAVE answered at once, no timeout waited
    assert len(bob_store) == 0
    revoked.clear()
    with bob_store.writer() as w:
        await bob.fetch_dag(root, ["alice"], w)
    assert len(bob_store) == 1


async def test_a_hostile_dag_from_a_peer_is_refused(tmp_path: Path) -> None:
    from mainframe_os.node.files.dag import MAX_WIDTH
    from mainframe_os.node.files.unixfs import DAG_PB, Link, encode_file_node

    evil = BlockStore(tmp_path / "evil")
    leaf = Cid.of(RAW, b"x")
    wide = encode_file_node([Link(leaf, 1, 1)] * (MAX_WIDTH + 1))
    root = Cid.of(DAG_PB, wide)
    evil.put(leaf, b"x")
    evil.put(root, wide)
    net = Loopback()
    net.peers["evil"] = BlockExchange(evil, net.host("evil"))
    bob_store = BlockStore(tmp_path / "bob")
    bob = net.peers["bob"] = BlockExchange(bob_store, net.host("bob"))
    with pytest.raises(UnixFsError, match="more than"), bob_store.writer() as w:
        await bob.fetch_dag(root, ["evil"], w)
    assert len(bob_store) == 0


def test_messages_round_trip_and_junk_is_refused() -> None:
    a, b = Cid.of(RAW, b"a"), Cid.of(RAW, b"b")
    msg = Message(wants=[Want(a), Want(b, cancel=True)], full=True, blocks=[(a, b"a")], presences=[(b, DONT_HAVE)])
    back = Message.decode(msg.encode())
    assert back.wants == msg.wants and back.full and back.blocks == [(a, b"a")] and back.presences == [(b, DONT_HAVE)]
    assert frame(b"xyz") == b"\x03xyz"
    lied = Message.decode(Message(blocks=[(a, b"not a")]).encode())
    assert lied.blocks[0][0] != a  # the CID comes from the bytes, never from the sender
    for junk in [b"\x0a\x05\x0a\x03abc", b"\xff", b"\x1a\x04\x0a\x02\x01\x55", b"\x00" * (5 * MiB)]:
        with pytest.raises(UnixFsError):
            Message.decode(junk)
