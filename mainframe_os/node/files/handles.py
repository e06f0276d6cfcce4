"""Open file streams of apps, each owned by the caller that opened it.

`mainframe.files` (app_files.py) and large `storage.files` (app_storage.py) hand pages handles
to streams in the file store. A handle answers only to its owner (app + identity): another page
that guesses or learns it gets "no such open file", and cannot close it either.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from . import errors as FE
from .names import BadName, clean_name
from .streams import Download, Upload


@dataclass
class AppStream:
    """One open stream of an app's file: whose it is (`owner`: the caller that opened it), which file, and for
    an upload its key and (large storage files) the bytes it may grow to."""

    owner: str
    identity_id: str
    app_id: str
    name: str
    mime: str | None
    stream: Upload | Download
    key: bytes = b""
    room: int = 0  # storage.files: the per-file limit or what is left of the app's


def app_file_name(name: str) -> str:
    """A file name an app gave, checked (no paths, no traversal): BadFileName otherwise."""
    try:
        return clean_name(name)
    except BadName as exc:
        raise FE.BadFileName(str(exc)) from None


class OwnedStreams:
    """Handles to open streams, at most `max_open` per owner."""

    def __init__(self, max_open: int, noun: str) -> None:
        self.max_open, self.noun = max_open, noun  # `noun`: "file", "storage file" in messages
        self._handles: dict[str, AppStream] = {}

    def __len__(self) -> int:
        return len(self._handles)

    def open(self, handle: AppStream) -> str:
        if sum(1 for h in self._handles.values() if h.owner == handle.owner) >= self.max_open:
            raise FE.FilesBusy(f"At most {self.max_open} {self.noun}s can be open at once: close one first")
        hid = uuid.uuid4().hex
        self._handles[hid] = handle
        return hid

    def get(self, owner: str, hid: str, kind: type | None = None) -> AppStream:
        h = self._handles.get(hid)
        if h is None or h.owner != owner or (kind is not None and not isinstance(h.stream, kind)):
            raise FE.FileNotFound(f"No such open {self.noun}")
        return h

    def take(self, owner: str, hid: str, kind: type | None = None) -> AppStream:
        """The handle, no longer open (its stream is the caller's to finish)."""
        h = self.get(owner, hid, kind)
        del self._handles[hid]
        return h

    async def close(self, owner: str, hid: str) -> bool:
        h = self._handles.get(hid)
        if h is None or h.owner != owner:
            return False  # another page's handle stays open: only its owner closes it
        del self._handles[hid]
        if isinstance(h.stream, Upload):
            await asyncio.to_thread(h.stream.abort)
        return True

    def close_all(self) -> None:
        for h in self._handles.values():
            if isinstance(h.stream, Upload):
                h.stream.abort()  # an unfinished upload leaves nothing behind
        self._handles.clear()
