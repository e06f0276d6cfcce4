"""The update check: read the project's signed release feed, tell the user when a newer version
is out. It never downloads or runs anything: it reports a version, its notes, where to get it and
the SHA-256 to check it against.

A feed is a small JSON document signed with the project's Ed25519 release key, whose public half
ships inside the program (`resources/release-key.pub`)::

    {"payload": "<base64 of the JSON below>", "signature": "<base64 Ed25519 signature of those bytes>"}
    payload: {"releases": [{"version": "0.2.0", "url": "https://...", "sha256": "<64 hex>", "notes": "..."}]}

Signing the exact payload bytes (not a re-serialised object) leaves nothing to canonicalise.
Anything wrong (no network, an HTTP error, garbage, a bad signature, a feed whose newest version
is not newer) is ignored with one log line: the launcher simply shows no offer. The launcher
checks at most once a day, and only when the user allowed it (asked once at onboarding).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import os
import re
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from mainframe_os import __version__
from mainframe_os.datafiles import release_key_file

from .apps.errors import PackageInvalid
from .apps.manifest import parse_version

log = logging.getLogger("mainframe_os.updates")

FEED_URL = "https://releases.mainframe-os.org/feed.json"
CHECK_INTERVAL = 24 * 3600
MAX_FEED_BYTES = 256 * 1024
TIMEOUT = 10.0
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FeedRejected(Exception):
    """The feed is unusable (unreadable, badly signed, malformed); the message says why."""


@dataclass(frozen=True)
class Release:
    version: str
    url: str
    sha256: str
    notes: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def load_release_key(path: Path | None = None) -> bytes:
    """The 32-byte public key from its file: one line of hex (lines starting with # are comments)."""
    lines = (path or release_key_file()).read_text(encoding="ascii").splitlines()
    key = bytes.fromhex("".join(line.strip() for line in lines if not line.startswith("#")))
    if len(key) != 32:
        raise ValueError("the release key must be 32 bytes of hex")
    return key


def sign_feed(releases: list[dict[str, str]], signing_key: bytes) -> bytes:
    """A feed document for `releases`, signed with a 32-byte Ed25519 seed (release tooling, tests)."""
    from nacl.signing import SigningKey

    payload = json.dumps({"releases": releases}, indent=1).encode()
    signature = SigningKey(signing_key).sign(payload).signature
    doc = {"payload": base64.b64encode(payload).decode(), "signature": base64.b64encode(signature).decode()}
    return json.dumps(doc).encode()


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise FeedRejected(f"a release lacks its {key}")
    return value


def _release(item: Any) -> Release:
    if not isinstance(item, dict):
        raise FeedRejected("a release is not an object")
    version, url, sha = _text(item, "version"), _text(item, "url"), _text(item, "sha256").lower()
    notes = item.get("notes") or ""
    if not isinstance(notes, str):
        raise FeedRejected("a release's notes are not text")
    try:
        parse_version(version)
    except PackageInvalid:
        raise FeedRejected(f"a release has an unreadable version {version[:40]!r}") from None
    if not url.startswith("https://") or len(url) > 2000:
        raise FeedRejected("a release's download url is not https")
    if not _SHA256.match(sha):
        raise FeedRejected("a release's sha256 is not 64 hex digits")
    return Release(version, url, sha, notes[:4000])


def verify_feed(raw: bytes, public_key: bytes) -> list[Release]:
    """The releases of a feed whose signature checks out under `public_key`; else FeedRejected."""
    try:
        doc = json.loads(raw)
        payload = base64.b64decode(doc["payload"], validate=True)
        signature = base64.b64decode(doc["signature"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise FeedRejected("the feed is not a signed feed document") from None
    try:
        VerifyKey(public_key).verify(payload, signature)
    except (BadSignatureError, ValueError):
        raise FeedRejected("the feed's signature does not match the release key") from None
    try:
        releases = json.loads(payload)["releases"]
    except (ValueError, KeyError, TypeError):
        raise FeedRejected("the signed payload has no release list") from None
    if not isinstance(releases, list):
        raise FeedRejected("the signed payload has no release list")
    return [_release(r) for r in releases]


def newest_newer(releases: list[Release], current: str) -> Release | None:
    """The newest release above `current`, or None."""
    mine = parse_version(current)
    newer = [r for r in releases if parse_version(r.version) > mine]
    return max(newer, key=lambda r: parse_version(r.version)) if newer else None


def _fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise FeedRejected("the feed url must be https")
    req = urllib.request.Request(url, headers={"User-Agent": f"mainframe-os/{__version__}"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 - scheme checked above
        data: bytes = resp.read(MAX_FEED_BYTES + 1)
    if len(data) > MAX_FEED_BYTES:
        raise FeedRejected("the feed is larger than a feed can be")
    return data


class UpdateChecker:
    """Checks the feed for a version newer than this one; remembers when it last looked.

        checker = UpdateChecker(home)                  # the project's feed and key
        offer = await checker.check()                  # at most once a day; None: nothing to show
        offer = await checker.check(force=True)        # "Check now"

    Tests pass `feed_url` and `public_key` (a key they generate) instead of the project's.
    """

    def __init__(
        self,
        home: Path,
        feed_url: str = FEED_URL,
        public_key: bytes | None = None,
        current: str = __version__,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state_file = Path(home) / "updates.json"
        self.feed_url = feed_url
        self._public_key = public_key
        self.current = current
        self.clock = clock

    @property
    def public_key(self) -> bytes:
        if self._public_key is None:
            self._public_key = load_release_key()
        return self._public_key

    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
            return state if isinstance(state, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save(self, state: dict[str, Any]) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".updates-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f)
        os.replace(tmp, self.state_file)

    def due(self) -> bool:
        last = self._state().get("lastCheck")
        return not isinstance(last, int | float) or self.clock() - last >= CHECK_INTERVAL

    def last_offer(self) -> Release | None:
        """The offer found by the last check, if it is still newer than this version."""
        item = self._state().get("offer")
        try:
            offer = _release(item) if item else None
        except FeedRejected:
            return None
        return offer if offer and parse_version(offer.version) > parse_version(self.current) else None

    def check_now(self) -> Release | None:
        """Fetch and verify the feed (blocking). Failures log one line and return None."""
        try:
            offer = newest_newer(verify_feed(_fetch(self.feed_url), self.public_key), self.current)
        except FeedRejected as exc:
            log.warning("update check: feed ignored: %s", exc)
            offer = None
        except (OSError, ValueError) as exc:  # no network, HTTP errors, timeouts
            log.warning("update check: feed not read: %s", getattr(exc, "reason", None) or exc)
            offer = None
        else:
            if offer is None:
                log.info("update check: %s is the newest version", self.current)
        self._save({"lastCheck": self.clock(), "offer": offer.to_json() if offer else None})
        return offer

    async def check(self, force: bool = False) -> Release | None:
        """Check in a worker thread if a day has passed (or `force`); else the last offer."""
        if not force and not self.due():
            return self.last_offer()
        return await asyncio.get_running_loop().run_in_executor(None, self.check_now)
