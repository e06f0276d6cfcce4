"""The update check against a real HTTP server on 127.0.0.1: a feed signed with a key made here
(its public half injected, as the shipped release key would be) offers the newer version with its
notes; a forged, tampered, older, garbage or unreachable feed is ignored with one log line; the
check runs at most once a day."""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from mainframe_os.node.updates import CHECK_INTERVAL, UpdateChecker, load_release_key, sign_feed

SHA = "ab" * 32
NEWER = {
    "version": "9.1.0",
    "url": "https://example.org/mainframe-os_9.1.0_amd64.deb",
    "sha256": SHA,
    "notes": "Faster",
}
OLDER = {"version": "0.0.9", "url": "https://example.org/old.deb", "sha256": SHA, "notes": "old"}


class FeedServer:
    """Serves `self.body` at /feed.json and counts the requests."""

    def __init__(self) -> None:
        self.body = b""
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/feed.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    yield s
    s.close()


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def checker(tmp_path: Path, server: FeedServer, key: SigningKey, clock: Clock | None = None) -> UpdateChecker:
    return UpdateChecker(
        tmp_path, feed_url=server.url, public_key=key.verify_key.encode(), current="0.1.0", clock=clock or Clock()
    )


def warnings(caplog: Any) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mainframe_os.updates" and r.levelno >= logging.WARNING]


async def test_signed_newer_release_is_offered_once_a_day(tmp_path: Path, server: FeedServer, key: SigningKey) -> None:
    server.body = sign_feed([OLDER, NEWER], bytes(key))
    clock = Clock()
    c = checker(tmp_path, server, key, clock)
    assert c.due()
    offer = await c.check()
    assert offer is not None and (offer.version, offer.notes, offer.sha256) == ("9.1.0", "Faster", SHA)
    assert offer.url == NEWER["url"] and server.requests == 1
    # within the day: the remembered offer, no request
    clock.now += CHECK_INTERVAL - 60
    assert not c.due()
    assert (await c.check()) == offer and server.requests == 1
    # a day later it looks again; a fresh checker (a restart) remembers the last check too
    clock.now += 120
    assert checker(tmp_path, server, key, clock).due()
    assert (await c.check()) == offer and server.requests == 2


@pytest.mark.parametrize("case", ["forged", "tampered", "older", "garbage", "not-https", "unsigned"])
async def test_bad_feeds_are_ignored_with_one_log_line(
    tmp_path: Path, server: FeedServer, key: SigningKey, caplog: Any, case: str
) -> None:
    if case == "forged":  # a valid feed, signed by someone else's key
        server.body = sign_feed([NEWER], bytes(SigningKey.generate()))
    elif case == "tampered":  # signed, then the payload changed to point elsewhere
        doc = json.loads(sign_feed([NEWER], bytes(key)))
        payload = base64.b64decode(doc["payload"]).replace(b"example.org", b"evil.example")
        server.body = json.dumps({**doc, "payload": base64.b64encode(payload).decode()}).encode()
    elif case == "older":
        server.body = sign_feed([OLDER, {**NEWER, "version": "0.1.0"}], bytes(key))
    elif case == "garbage":
        server.body = b"<html>502 Bad Gateway</html>"
    elif case == "not-https":
        server.body = sign_feed([{**NEWER, "url": "http://example.org/x.deb"}], bytes(key))
    else:
        server.body = json.dumps({"releases": [NEWER]}).encode()
    caplog.set_level(logging.INFO, logger="mainframe_os.updates")
    c = checker(tmp_path, server, key)
    assert await c.check() is None
    assert c.last_offer() is None and not c.due()  # looked, remembered that it looked
    logged = warnings(caplog)
    if case == "older":
        assert logged == [] and any("newest version" in r.getMessage() for r in caplog.records)
    else:
        assert len(logged) == 1, logged
        assert "ignored" in logged[0]


async def test_no_network_is_one_log_line(tmp_path: Path, key: SigningKey, caplog: Any) -> None:
    server = FeedServer()
    server.close()  # the port is closed now: connection refused
    caplog.set_level(logging.INFO, logger="mainframe_os.updates")
    c = checker(tmp_path, server, key)
    assert await c.check() is None
    logged = warnings(caplog)
    assert len(logged) == 1 and "not read" in logged[0]


def test_the_shipped_release_key_loads() -> None:
    assert len(load_release_key()) == 32
