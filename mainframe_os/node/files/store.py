"""Encrypting a file into the block store and opening it back out; blocking code for worker
threads. The service (service.py) runs these off the event loop and keeps the index.

Adding is a two-stage pipeline so both cores work: a sealer thread reads 4 MiB at a time and
seals it (OpenSSL or libsodium, GIL released) into a ciphertext buffer, while the calling thread
chunks, hashes (hashlib, GIL released) and writes the blocks of the previous buffer. Three buffer
pairs rotate between them: memory stays flat whatever the file size, and no byte is copied on the
way except where a 256 KiB chunk straddles two buffers.

Sealing costs less than hashing plus writing, so the consumer is the slower stage: while it has
a buffer waiting, the sealer also hashes the whole chunks of the buffer it just sealed (their
digests travel with the buffer), and both cores stay busy whichever stage is the slower one.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..faults import crash_point
from .blockstore import BlockStore
from .crypto import ABYTES, HEADER, MESSAGE, Decryptor, Encryptor
from .dag import iter_file
from .unixfs import CHUNK_SIZE, Cid, FileDagBuilder

Progress = Callable[[int], None]  # bytes done so far
BATCH = 16  # messages per buffer: 4 MiB of plaintext
BUFFERS = 3


class Cancelled(Exception):
    pass


class FileChanged(Exception):
    """The file grew while it was being added: what was stored is not what is there now."""


@dataclass
class AddJob:
    """One add in progress: the pack it writes (to drop if the add fails later) and a flag to
    cancel it."""

    pack: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Stored:
    root: Cid
    plain_size: int
    stored_size: int


@dataclass
class _Batch:
    plain: bytearray = field(default_factory=lambda: bytearray(BATCH * MESSAGE))
    cipher: bytearray = field(default_factory=lambda: bytearray(BATCH * (MESSAGE + ABYTES)))
    sealed: int = 0  # ciphertext bytes in `cipher`
    read: int = 0  # plaintext bytes they came from
    start: int = 0  # where `cipher` starts in the ciphertext stream
    digests: dict[int, bytes] = field(default_factory=dict)  # chunk offset in the stream -> sha-256


def encrypt_into(store: BlockStore, src: Path, key: bytes, job: AddJob, progress: Progress) -> Stored:
    """Encrypt `src` with `key` and store its ciphertext DAG; the plaintext never touches disk."""

    with store.writer() as pack:
        job.pack = pack.name

        def sink(cid: Cid, block: memoryview) -> None:
            if pack.put(cid, block) and len(pack) == 1:
                crash_point("files.add.first-block")

        return _encrypt(FileDagBuilder(sink), src, key, job, progress)


def _encrypt(builder: FileDagBuilder, src: Path, key: bytes, job: AddJob, progress: Progress) -> Stored:
    enc = Encryptor(key)
    builder.write(enc.header)
    free: queue.Queue[_Batch] = queue.Queue()
    for _ in range(BUFFERS):
        free.put(_Batch())
    full: queue.Queue[_Batch | BaseException | None] = queue.Queue()
    sealer = threading.Thread(target=_seal_file, args=(src, enc, job, free, full), name="mfos-files-seal")
    sealer.start()
    done = 0
    try:
        while (batch := full.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            builder.write(memoryview(batch.cipher)[: batch.sealed], batch.digests)
            done += batch.read
            free.put(batch)
            progress(done)
            if job.cancel.is_set():
                raise Cancelled()
    finally:
        if sealer.is_alive():  # we stopped first (an error, a cancel): stop the sealer too
            job.cancel.set()
            free.put(_Batch(bytearray(0), bytearray(0)))  # wakes it if it waits for a buffer
        sealer.join()
    if job.cancel.is_set():
        raise Cancelled()
    root = builder.finish()
    return Stored(root, done, builder.size)


def _seal_file(
    src: Path, enc: Encryptor, job: AddJob, free: queue.Queue[_Batch], full: queue.Queue[_Batch | BaseException | None]
) -> None:
    try:
        with open(src, "rb", buffering=0) as f:
            size = os.fstat(f.fileno()).st_size
            offset, stream = 0, HEADER
            final = False
            while not final:
                batch = free.get()
                if job.cancel.is_set():
                    raise Cancelled()
                n = _read_full(f, batch.plain)
                final = _seal_batch(enc, batch, n, offset, size)
                batch.start, offset, stream = stream, offset + n, stream + batch.sealed
                _hash_while_busy(batch, full)
                full.put(batch)
            if f.read(1):
                raise FileChanged("the file grew while it was being added")
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
        full.put(exc)
    finally:
        full.put(None)


def _seal_batch(enc: Encryptor, batch: _Batch, n: int, offset: int, size: int) -> bool:
    """Seal the `n` bytes read into `batch`; True once the FINAL message is sealed. A message is
    final when it reaches the size the file had at the start, or the file ends early."""
    plain, cipher = memoryview(batch.plain)[:n], memoryview(batch.cipher)
    out = 0
    for i in range(0, n, MESSAGE):
        message = plain[i : i + MESSAGE]
        final = offset + i + len(message) >= size or len(message) < MESSAGE
        out += enc.seal_into(message, cipher[out:], final)
        if final:
            if i + len(message) < n:
                raise FileChanged("the file grew while it was being added")
            batch.sealed, batch.read = out, n
            return True
    final = n < len(batch.plain)  # the file ended on a message boundary (or is empty)
    if final:
        out += enc.seal_into(memoryview(b""), cipher[out:], True)
    batch.sealed, batch.read = out, n
    return final


def _consumer_busy(full: queue.Queue[_Batch | BaseException | None]) -> bool:
    return full.qsize() > 0


def _hash_while_busy(batch: _Batch, full: queue.Queue[_Batch | BaseException | None]) -> None:
    """Hash the whole chunks of `batch` for the consumer, as long as it has other work queued."""
    batch.digests.clear()
    first = -(-batch.start // CHUNK_SIZE) * CHUNK_SIZE
    cipher = memoryview(batch.cipher)
    for chunk in range(first, batch.start + batch.sealed - CHUNK_SIZE + 1, CHUNK_SIZE):
        if not _consumer_busy(full):
            return
        at = chunk - batch.start
        batch.digests[chunk] = hashlib.sha256(cipher[at : at + CHUNK_SIZE]).digest()


def _read_full(f: BinaryIO, buf: bytearray) -> int:
    view, got = memoryview(buf), 0
    while got < len(buf):
        n = f.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def decrypt_to(store: BlockStore, root: Cid, key: bytes, out: Path, expected: int, progress: Progress) -> int:
    """Write the plaintext of `root` to `out` atomically (a temp file renamed in place)."""
    tmp = out.with_name(f".mfos-{uuid.uuid4().hex[:12]}.partial")  # short: `out` may be 255 bytes long
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
