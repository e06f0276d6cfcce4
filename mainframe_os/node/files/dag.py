"""Reading a UnixFS file DAG back, defensively: the DAG may come from a damaged disk or a peer.

`iter_file(get, root)` yields the file's bytes leaf by leaf, in order. It refuses a DAG that
loops (a node linking to one of its ancestors), is deeper than MAX_DEPTH, has a node wider than
MAX_WIDTH, or whose sizes disagree with what its parents declare. `dag_cids` lists every block a
root needs (for garbage collection) under the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .unixfs import RAW, Cid, UnixFsError, decode_file_node

MAX_DEPTH = 12  # 174**11 chunks of 256 KiB is far beyond any disk; deeper is an attack
MAX_WIDTH = 1024  # Kubo writes 174, older js 1024; wider is refused

BlockGetter = Callable[[Cid], bytes]


def iter_file(get: BlockGetter, root: Cid) -> Iterator[bytes]:
    """The file bytes under `root`, leaf by leaf."""
    for item in _walk(get, root, None, (), want_data=True):
        assert isinstance(item, bytes)
        yield item


def dag_cids(get: BlockGetter, root: Cid) -> Iterator[Cid]:
    """Every CID in the DAG under `root` (root included), reading only the inner nodes."""
    yield root
    for item in _walk(get, root, None, (), want_data=False):
        assert isinstance(item, Cid)
        yield item


def _walk(
    get: BlockGetter, cid: Cid, expected_size: int | None, ancestors: tuple[Cid, ...], want_data: bool
) -> Iterator[bytes | Cid]:
    if cid in ancestors:
        raise UnixFsError("the file's DAG loops back on itself")
    if len(ancestors) >= MAX_DEPTH:
        raise UnixFsError(f"the file's DAG is deeper than {MAX_DEPTH} levels")
    if cid.codec == RAW:
        if want_data:
            block = get(cid)
            _check_size(expected_size, len(block))
            yield block
        return
    node = decode_file_node(get(cid), MAX_WIDTH)
    _check_size(expected_size, node.file_size)
    if node.inline and want_data:
        yield node.inline
    path = (*ancestors, cid)
    for link in node.links:
        if not want_data:
            yield link.cid
        yield from _walk(get, link.cid, link.file_size, path, want_data)


def _check_size(expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise UnixFsError("a block's size does not match what its parent node declares")
