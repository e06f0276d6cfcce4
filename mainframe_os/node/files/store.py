"""Encrypting a file into the block store and opening it back out; blocking code for a worker
thread. The service (service.py) runs these off the event loop and keeps the index."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..faults import crash_point
from .blockstore import BlockStore
from .crypto import MESSAGE, Decryptor, Encryptor
from .dag import iter_file
from .unixfs import Cid, FileDagBuilder

Progress = Callable[[int], None]  # bytes done so far
READ_SIZE = 16 * MESSAGE  # 4 MiB reads: fewer system calls, sealed 256 KiB at a time


class Cancelled(Exception):
    pass


@dataclass
class AddJob:
    """One add in progress: what it wrote (to delete on failure) and a flag to cancel it."""

    written: list[Cid] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Stored:
    root: Cid
    plain_size: int
    stored_size: int


def encrypt_into(store: BlockStore, src: Path, key: bytes, job: AddJob, progress: Progress) -> Stored:
    """Encrypt `src` with `key` and store its ciphertext DAG; the plaintext never touches disk."""

    def sink(cid: Cid, block: bytes) -> None:
        if not store.has(cid):
            store.put(cid, block)
            job.written.append(cid)
            if len(job.written) == 1:
                crash_point("files.add.first-block")

    enc = Encryptor(key)
    builder = FileDagBuilder(sink)
    builder.write(enc.header)
    done = 0
    pending: bytes | None = None  # the last message read; sealed FINAL only if nothing follows
    with open(src, "rb") as f:
        while data := f.read(READ_SIZE):  # a buffered read returns all it asked for until EOF
            if job.cancel.is_set():
                raise Cancelled()
            if pending is not None:
                builder.write(enc.seal(pending, final=False))
            view = memoryview(data)
            last = (len(view) - 1) // MESSAGE * MESSAGE
            for i in range(0, last, MESSAGE):
                builder.write(enc.seal(bytes(view[i : i + MESSAGE]), final=False))
            pending = bytes(view[last:])
            done += len(data)
            progress(done)
    builder.write(enc.seal(pending or b"", final=True))
    root = builder.finish()
    return Stored(root, done, builder.size)


def decrypt_to(store: BlockStore, root: Cid, key: bytes, out: Path, expected: int, progress: Progress) -> int:
    """Write the plaintext of `root` to `out` atomically (a temp file renamed in place)."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    dec = Decryptor(key)
    written = 0
    try:
        with open(tmp, "xb") as f:
            for block in iter_file(store.get, root):
                for plain in dec.feed(block):
                    f.write(plain)
                    written += len(plain)
                progress(written)
            for plain in dec.finish():
                f.write(plain)
                written += len(plain)
            if written != expected:
                raise ValueError(f"the file opened to {written} bytes, not the {expected} recorded")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return written
