"""The gate proxy every QtWebEngine connection goes through (no Qt): its allow rule, and its effect
judged by real listeners on 127.0.0.1 (a refused CONNECT never reaches the target)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from mainframe_os.gui.netgate import GateProxy, NetGate, domain_allows, split_host_port
from tests.support.listeners import ConnectionCounter


def test_domain_rule() -> None:
    grants = ["api.example.org", "*.cdn.example.net", "rpc.example.com:8443", "127.0.0.1"]
    assert domain_allows(grants, "https", "api.example.org", None)
    assert domain_allows(grants, "wss", "API.example.org", 443)
    assert domain_allows(grants, "https", "a.b.cdn.example.net", 443)
    assert not domain_allows(grants, "https", "cdn.example.net", 443)  # the wildcard is for subdomains
    assert not domain_allows(grants, "https", "evilapi.example.org", 443)
    assert domain_allows(grants, "https", "rpc.example.com", 8443)
    assert not domain_allows(grants, "https", "rpc.example.com", 443)  # a port in the grant is the only port
    assert not domain_allows(grants, "http", "api.example.org", 80)  # plain text only to this machine
    assert domain_allows(grants, "http", "127.0.0.1", 5000) and domain_allows(grants, "ws", "127.0.0.1", 1)
    assert not domain_allows(grants, "ftp", "api.example.org", 21)
    assert not domain_allows([], "https", "api.example.org", 443)


def test_gate_is_the_union_of_open_sources_and_forgets_closed_ones() -> None:
    gate = NetGate()
    app_a: list[str] = ["a.example.org"]
    remove_a = gate.add(lambda: app_a)
    remove_b = gate.add(lambda: ["127.0.0.1:7000"])
    assert gate.allows_tunnel("a.example.org", 443)
    assert gate.allows_tunnel("127.0.0.1", 7000)  # ws:// to a granted loopback port is tunnelled too
    assert not gate.allows_tunnel("127.0.0.1", 7001)
    assert gate.allows_url("http://127.0.0.1:7000/x") and not gate.allows_url("http://a.example.org/x")
    app_a[:] = []  # grants revoked: the gate asks the app's current list every time
    assert not gate.allows_tunnel("a.example.org", 443)
    remove_b()
    remove_a()
    assert not gate.allows_tunnel("127.0.0.1", 7000)
    assert not gate.allows_url("http://127.0.0.1:bad/")


def test_split_host_port() -> None:
    assert split_host_port("example.org:443") == ("example.org", 443)
    assert split_host_port("[::1]:8080") == ("::1", 8080)
    assert split_host_port("example.org") is None
    assert split_host_port("example.org:99999") is None
    assert split_host_port(":443") is None


Counter = ConnectionCounter  # counts accepted connections


@pytest.fixture
def counter() -> Iterator[Counter]:
    c = Counter()
    yield c
    c.close()


def ask(port: int, head: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode())
        out = b""
        while chunk := s.recv(65536):
            out += chunk
            if b"\r\n\r\n" in out and out.startswith(b"HTTP/1.1 200 Connection"):
                break
        return out


def test_proxy_refuses_ungranted_without_connecting_and_tunnels_granted(counter: Counter) -> None:
    gate = NetGate()
    proxy = GateProxy(gate)
    port = proxy.start()
    target = f"127.0.0.1:{counter.port}"
    assert ask(port, f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").startswith(b"HTTP/1.1 403")
    assert ask(port, f"GET http://{target}/x HTTP/1.1\r\nHost: {target}\r\n\r\n").startswith(b"HTTP/1.1 403")
    assert ask(port, "CONNECT nonsense HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 403")
    assert counter.connections == 0  # the refused target never saw a connection
    assert proxy.refused[-3:] == [f"CONNECT {target}", f"GET http://{target}/x", "CONNECT nonsense"]
    remove = gate.add(lambda: [target])
    assert ask(port, f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").startswith(b"HTTP/1.1 200")
    for _ in range(50):  # the listener's thread counts it shortly after
        if counter.connections:
            break
        threading.Event().wait(0.1)
    assert counter.connections == 1
    remove()
    assert ask(port, f"CONNECT {target} HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 403")
    assert counter.connections == 1


def test_proxy_forwards_a_granted_plain_request_one_per_connection() -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = f"{self.path}|{self.headers.get('Proxy-Authorization')}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        gate = NetGate()
        proxy = GateProxy(gate)
        port = proxy.start()
        target = f"127.0.0.1:{srv.server_port}"
        gate.add(lambda: [target])
        out = ask(port, f"GET http://{target}/p?q=1 HTTP/1.1\r\nHost: {target}\r\nProxy-Authorization: x\r\n\r\n")
        assert out.startswith(b"HTTP/1.0 200") or out.startswith(b"HTTP/1.1 200"), out
        assert out.endswith(b"/p?q=1|None")  # origin-form path; proxy headers stay with the proxy
    finally:
        srv.shutdown()
        srv.server_close()
