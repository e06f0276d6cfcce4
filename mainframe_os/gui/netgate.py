"""The one way out of QtWebEngine: a filtering HTTP proxy on 127.0.0.1 (no Qt here).

Chromium opens some connections from its network service, past the request interceptor and the
page's CSP: `<link rel=preconnect>` (a bare TCP connect to any host the page names) and TURN
servers over TCP chosen by the page's RTCPeerConnection. Every connection the engine makes goes
through this proxy instead (``--proxy-server``, loopback included), which answers CONNECT and
plain-http requests only for hosts that some open app has been granted (the same rule as the
request interceptor: :func:`domain_allows`) or that an open buy-ETH provider window loads, and
answers everything else 403 without ever connecting out.

Runs on its own thread with its own asyncio loop: Chromium's IO does not wait on the launcher's
UI loop, and the gate's lists are only read (grants are replaced, never mutated in place).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

log = logging.getLogger("mainframe_os.gui.netgate")

LOOPBACK = ("localhost", "127.0.0.1")
_DEFAULT_PORT = {"http": 80, "ws": 80, "https": 443, "wss": 443}
_MAX_HEAD = 16 * 1024
_REFUSED = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def domain_allows(domains: list[str], scheme: str, host: str, port: int | None) -> bool:
    """Is scheme://host:port inside a granted domain? "api.x.com", "api.x.com:8443" or "*.x.com".

    Plain-text schemes (http, ws) only to this machine; `port` None means the scheme's default.
    """
    host = host.lower().strip("[]")
    if scheme not in _DEFAULT_PORT:
        return False
    if scheme in ("http", "ws") and host not in LOOPBACK:
        return False
    port = _DEFAULT_PORT[scheme] if port is None or port < 0 else port
    for d in domains:
        name, _, want_port = d.lower().partition(":")
        if want_port and port != int(want_port):
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]) and host != name[2:]:
                return True
        elif host == name:
            return True
    return False


class NetGate:
    """The union of what open apps and provider windows may reach; asked by the proxy."""

    def __init__(self) -> None:
        self._sources: dict[int, Callable[[], list[str]]] = {}
        self._next = 0
        self._lock = threading.Lock()

    def add(self, domains: Callable[[], list[str]]) -> Callable[[], None]:
        """Allow what `domains()` grants until the returned function is called."""
        with self._lock:
            key = self._next
            self._next += 1
            self._sources[key] = domains

        def remove() -> None:
            with self._lock:
                self._sources.pop(key, None)

        return remove

    def _granted(self, scheme: str, host: str, port: int | None) -> bool:
        with self._lock:
            sources = list(self._sources.values())
        for domains in sources:
            try:
                if domain_allows(list(domains()), scheme, host, port):
                    return True
            except Exception:  # noqa: BLE001 - a closing app: it grants nothing
                continue
        return False

    def allows_tunnel(self, host: str, port: int) -> bool:
        """CONNECT host:port: https/wss anywhere granted, or ws to a granted loopback port."""
        return self._granted("https", host, port) or self._granted("ws", host, port)

    def allows_url(self, url: str) -> bool:
        """A plain request in absolute form (``GET http://host:port/path``)."""
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            return False
        return bool(parts.hostname) and self._granted(parts.scheme, parts.hostname or "", port)


GATE = NetGate()


def split_host_port(target: str) -> tuple[str, int] | None:
    """ "host:port" or "[v6]:port" of a CONNECT line; None when malformed."""
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not host or not (0 < int(port) < 65536):
        return None
    return host.strip("[]"), int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


class GateProxy:
    """The proxy server; :meth:`start` binds 127.0.0.1 on a free port and returns it."""

    def __init__(self, gate: NetGate = GATE) -> None:
        self.gate = gate
        self.port = 0
        self.refused: list[str] = []  # the last 100 refusals and passes, for tests and logs
        self.passed: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> int:
        ready = threading.Event()
        thread = threading.Thread(target=self._run, args=(ready,), name="mfos-netgate", daemon=True)
        thread.start()
        if not ready.wait(10) or not self.port:
            raise RuntimeError("the network gate for apps did not start")
        return self.port

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            if len(head) > _MAX_HEAD:
                raise ValueError("head too large")
            await self._serve(head, reader, writer)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def _refuse(self, writer: asyncio.StreamWriter, what: str) -> None:
        self.refused.append(what[:200])
        del self.refused[:-100]
        log.info("network gate refused %s", what[:200])
        writer.write(_REFUSED)

    def _pass(self, what: str) -> None:
        self.passed.append(what[:200])
        del self.passed[:-100]

    async def _serve(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first, _, rest = head.partition(b"\r\n")
        method, target, version = first.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            hp = split_host_port(target)
            if hp is None or not self.gate.allows_tunnel(*hp):
                return self._refuse(writer, f"CONNECT {target}")
            self._pass(f"CONNECT {target}")
            up_reader, up_writer = await asyncio.open_connection(*hp)
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not self.gate.allows_url(target):
                return self._refuse(writer, f"{method} {target}")
            self._pass(f"{method} {target}")
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            # one request per connection: a kept-alive client could name another host next
            headers = [
                h
                for h in rest.split(b"\r\n")
                if h and not h.lower().startswith((b"proxy-", b"connection:", b"keep-alive:"))
            ]
            out = f"{method} {path} {version}\r\n".encode("latin-1") + b"\r\n".join([*headers, b"Connection: close"])
            up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
            up_writer.write(out + b"\r\n\r\n")
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


_proxy: GateProxy | None = None


def start_proxy() -> int:
    """Start the process's one gate proxy (idempotent); its port."""
    global _proxy
    if _proxy is None:
        proxy = GateProxy()
        proxy.start()
        _proxy = proxy
    return _proxy.port


def chromium_flags(port: int) -> tuple[str, ...]:
    """Send every connection through the gate, loopback too (Chromium bypasses it by default)."""
    return (f"--proxy-server=http://127.0.0.1:{port}", "--proxy-bypass-list=<-loopback>")
