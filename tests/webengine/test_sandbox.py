"""Sandbox attacks from a real page running the real SDK: each one must fail."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.webengine


def unbatched(texts: list[str]) -> list[dict]:
    """The messages the bridge sent, one per response or event: it batches what is ready in the
    same turn of the loop into one JSON array."""
    out: list[dict] = []
    for text in texts:
        msg = json.loads(text)
        out.extend(msg if isinstance(msg, list) else [msg])
    return out


def settle(page, seconds: float = 0.6) -> None:
    page.run(asyncio.sleep(seconds))


def test_sdk_surface_and_eip6963(install_app, open_app) -> None:
    page = open_app(install_app())
    assert page.ok("mainframe.call('node_version')")["apiVersion"] == 1
    assert page.ok("ethereum.request({method: 'eth_chainId'})").startswith("0x")
    assert page.ok("ethereum.request({method: 'eth_accounts'})") == []  # EIP-1102: not connected
    assert page.ok("ethereum.request({method: 'wallet_getPermissions'})") == []
    info = page.ok("""new Promise(r => { window.addEventListener('eip6963:announceProvider',
        e => r({name: e.detail.info.name, rdns: e.detail.info.rdns, same: e.detail.provider === window.ethereum}));
        window.dispatchEvent(new Event('eip6963:requestProvider')); })""")
    assert info == {"name": "Mainframe OS", "rdns": "org.mainframe.os", "same": True}
    assert set(page.ok("Object.keys(mainframe)")) >= {
        "apiVersion",
        "ethereum",
        "payments",
        "contacts",
        "storage",
        "notifications",
        "identity",
    }
    ident = page.ok("mainframe.identity.get()")
    assert ident["displayName"] == "Alice" and len(ident["id"]) == 32
    assert page.ok("mainframe.storage.set('k', {a: [1, 2]}).then(() => mainframe.storage.get('k'))") == {"a": [1, 2]}
    assert (
        page.ok(
            "mainframe.storage.files.write('f.txt', 'héllo', 'text/plain')"
            ".then(() => mainframe.storage.files.readText('f.txt'))"
        )
        == "héllo"
    )
    assert page.ok("mainframe.storage.list()") == ["k"]
    # the method list is the registry's app-visible part, and nothing trusted
    methods = page.ok("mainframe.methods")
    assert "storage_get" in methods and "eth_sendTransaction" in methods
    assert not {"vault_list", "wallet_exportKeystore", "apps_install"} & set(methods)


def test_network_to_outside_blocked_unless_granted(install_app, open_app, server, world) -> None:
    url = f"http://127.0.0.1:{server.port}"
    app_id = install_app(permissions={"required": ["STORAGE"], "optional": ["WEB_REQUEST"]}, domains=["127.0.0.1"])
    page = open_app(app_id)
    page.ok(
        "(window.__violations = [], document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.effectiveDirective)), 1)"
    )
    attempts = {
        "fetch": f"fetch('{url}/fetch').then(r => 'loaded', e => 'failed')",
        "xhr": f"""new Promise(r => {{ const x = new XMLHttpRequest(); x.open('GET', '{url}/xhr');
                   x.onload = () => r('loaded'); x.onerror = () => r('failed'); x.send(); }})""",
        "websocket": f"""new Promise(r => {{ const w = new WebSocket('ws://127.0.0.1:{server.port}/ws');
                   w.onopen = () => r('loaded'); w.onerror = () => r('failed'); setTimeout(() => r('failed'), 3000); }})""",
        "img": f"""new Promise(r => {{ const i = new Image(); i.onload = () => r('loaded'); i.onerror = () => r('failed');
                   i.src = '{url}/img.png'; document.body.appendChild(i); }})""",
        "css": f"""new Promise(r => {{ const l = document.createElement('link'); l.rel = 'stylesheet';
                   l.onload = () => r('loaded'); l.onerror = () => r('failed'); l.href = '{url}/x.css';
                   document.head.appendChild(l); }})""",
        "beacon": f"navigator.sendBeacon('{url}/beacon', 'x') && 'queued'",
    }
    for name, code in attempts.items():
        assert page.ok(code) in ("failed", "queued", False), name
    settle(page)
    assert server.connections == 0 and server.paths == []
    # the policy stops them in the page, before any request exists (test_csp reads it back)
    assert page.ok("window.__violations.length") >= 4
    # the user grants the domain: after a reload (new CSP) the app may reach it
    page.run(
        world["node"].call(
            "apps_setGrant",
            {"appId": app_id, "key": "WEB_REQUEST", "decision": "always", "identityId": world["identity"]},
        )
    )
    settle(page, 0.2)
    page.reload()
    assert page.ok(f"fetch('{url}/granted').then(r => r.json())") == {"hello": "world"}
    assert server.paths == ["/granted"]
    # an ungranted host stays blocked (policy and interceptor use the same grants)
    assert page.ok("fetch('http://localhost:9/').then(() => 'loaded', () => 'failed')") == "failed"


def test_file_urls_and_other_apps_files(install_app, open_app) -> None:
    other = install_app()
    page = open_app(install_app())
    assert page.ok("fetch('file:///etc/passwd').then(r => r.text(), e => 'failed')") == "failed"
    assert (
        page.ok("""new Promise(r => { const x = new XMLHttpRequest(); x.open('GET', 'file:///etc/passwd');
        x.onload = () => r(x.responseText.slice(0, 10)); x.onerror = () => r('failed');
        try { x.send() } catch (e) { r('failed') } })""")
        == "failed"
    )
    assert page.ok(f"fetch('mfapp://{other}/index.html').then(r => r.text(), e => 'failed')") == "failed"
    page.run(page.raw("setTimeout(() => { location.href = 'file:///etc/passwd'; }, 0); 1"))
    settle(page, 0.5)
    assert page.app.page.url().scheme() == "mfapp"
    assert page.run(page.raw("document.body.dataset.ready")) == "1"


def test_storage_is_per_app(install_app, open_app) -> None:
    a = open_app(install_app())
    a.ok("mainframe.storage.set('secret', 'from-a')")
    b = open_app(install_app())
    assert b.ok("mainframe.storage.get('secret')") is None
    assert b.ok("mainframe.storage.list()") == []
    # localStorage lives in each app's own profile too
    a.ok("(localStorage.setItem('x', 'a'), 1)")
    assert b.ok("localStorage.getItem('x')") is None


def test_launcher_only_methods_refused(install_app, open_app) -> None:
    page = open_app(install_app())
    for method, params in [
        ("vault_list", "undefined"),
        ("vault_delete", "{name: 'main', confirm: 'main'}"),
        ("wallet_exportKeystore", "{address: '0x' + '0'.repeat(40), password: 'x'}"),
        ("apps_setGrant", "{appId: 'x', key: 'STORAGE', decision: 'always'}"),
    ]:
        # the SDK refuses unknown methods itself (4200); sent raw through the bridge they get 4100
        assert page.err(f"mainframe.call('{method}', {params})")["code"] == 4200
    bridge = page.app.bridge
    out: list[str] = []
    bridge.message.connect(out.append)
    for i, method in enumerate(["vault_list", "wallet_exportKeystore", "identity_list", "apps_list"]):
        bridge.send(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": {}}))
    settle(page, 0.3)
    codes = {m["id"]: m["error"]["code"] for m in unbatched(out)}
    assert codes == {0: 4100, 1: 4100, 2: 4100, 3: 4100}


def test_every_method_the_app_may_not_call_is_refused_through_the_bridge(install_app, open_app, world) -> None:
    """The whole registry, sent raw over the page's channel by an app holding only STORAGE: every
    launcher-only method and every method needing another permission (comms, files, messenger,
    payments, ...) answers 4100, none -32603, and no dialog opens."""
    from mainframe_os.node.registry import REGISTRY

    page = open_app(install_app())
    denied = [m for m in REGISTRY.all() if m.access.kind != "public" and m.access.permission != "STORAGE"]
    assert {"files_appList", "comms_appSend", "messenger_send", "payments_payContact", "vault_delete"} <= {
        m.name for m in denied
    }
    bridge = page.app.bridge
    out: list[str] = []
    bridge.message.connect(out.append)
    asked = len(world["prompter"].asked)
    for i, m in enumerate(denied):
        params = [] if m.extra.get("raw_params") else {p.name: "x" for p in m.params if p.required}
        bridge.send(json.dumps({"jsonrpc": "2.0", "id": i, "method": m.name, "params": params}))
    deadline = time.monotonic() + 60
    while len([r for r in unbatched(out) if "id" in r]) < len(denied) and time.monotonic() < deadline:
        settle(page, 0.2)
    codes = {denied[r["id"]].name: r["error"]["code"] for r in unbatched(out) if "id" in r}
    assert len(codes) == len(denied)
    assert {name: code for name, code in codes.items() if code != 4100} == {}
    assert len(world["prompter"].asked) == asked  # refused without a dialog


def test_forged_app_id_is_ignored(install_app, open_app, world) -> None:
    from mainframe_os.node.context import CallerContext

    victim = install_app()
    page = open_app(install_app())
    out: list[str] = []
    page.app.bridge.message.connect(out.append)
    forged = {
        "jsonrpc": "2.0",
        "id": "forged-1",
        "method": "storage_set",
        "params": {"key": "pwned", "value": 1},
        "appId": victim,
        "app_id": victim,
        "ctx": {"kind": "launcher", "app_id": victim},
    }
    page.app.bridge.send(json.dumps(forged))
    settle(page, 0.3)
    assert [m["result"] for m in unbatched(out) if m.get("id") == "forged-1"] == [True]
    node = world["node"]
    assert page.run(node.call("storage_get", {"key": "pwned"}, CallerContext.app(victim, world["identity"]))) is None
    assert page.ok("mainframe.storage.get('pwned')") == 1  # it went to the caller's own storage
    # and as a param it is refused outright
    assert page.err(f"mainframe.call('storage_get', {{key: 'pwned', appId: '{victim}'}})")["code"] == -32602


def test_malformed_messages_get_errors(install_app, open_app) -> None:
    page = open_app(install_app())
    out: list[str] = []
    page.app.bridge.message.connect(out.append)
    for text in [
        "{not json",
        "[]",
        '"str"',
        '{"jsonrpc":"2.0","id":{"x":1},"method":"node_version"}',
        '{"jsonrpc":"1.0","id":5,"method":"node_version"}',
        "[" * 50000 + "]" * 50000,
        json.dumps({"jsonrpc": "2.0", "id": 6, "method": "node_version", "x": "a" * (2 << 20)}),
    ]:
        page.app.bridge.send(text)
    settle(page, 0.5)
    got = unbatched(out)
    assert len(got) == 7 and all("error" in m for m in got)
    assert page.err("ethereum.request(null)")["code"] == -32602
    assert page.err("ethereum.request({method: 'eth_chainId', params: 5})")["code"] == -32602
    assert page.err("ethereum.request({method: 'no_suchMethod'})")["code"] == 4200
    assert page.err("mainframe.storage.set('', 1)")["code"] == -32602


def test_flood_is_rate_limited_and_launcher_stays_responsive(install_app, open_app, world) -> None:
    page = open_app(install_app())
    page.ok("""(window.__flood = Promise.allSettled(Array.from({length: 1500},
        () => mainframe.call('node_version'))).then(rs => ({ok: rs.filter(r => r.status === 'fulfilled').length,
        limited: rs.filter(r => r.reason && r.reason.code === -32005).length})), 1)""")
    node = world["node"]

    async def trusted_latency() -> float:
        await asyncio.sleep(0.05)
        t0 = time.perf_counter()
        await node.call("node_version")
        return time.perf_counter() - t0

    latency = page.run(trusted_latency())
    result = page.ok("window.__flood", timeout=60)
    assert result["limited"] > 0 and result["ok"] + result["limited"] == 1500
    assert latency < 0.5


def test_tampering_with_the_sdk_does_not_reach_the_channel(install_app, open_app, world) -> None:
    from mainframe_os.node.context import CallerContext

    page = open_app(install_app())
    tamper = page.ok("""(() => {
        const out = {};
        try { window.ethereum = {evil: true}; } catch (e) {}
        try { window.mainframe = {evil: true}; } catch (e) {}
        try { ethereum.request = () => Promise.resolve('hijacked'); } catch (e) {}
        try { mainframe.storage.set = () => 'hijacked'; } catch (e) {}
        try { Object.defineProperty(window, 'ethereum', {value: {}}); out.redefined = true; }
        catch (e) { out.redefined = false; }
        try { delete window.mainframe; } catch (e) {}
        try { window.qt.webChannelTransport = {send() {}}; } catch (e) {}
        try { window.qt.webChannelTransport.onmessage = () => { window.__stolen = true; }; } catch (e) {}
        try { window.qt.webChannelTransport.send = (m) => { window.__sent = m; }; } catch (e) {}
        out.ethereumSame = !window.ethereum.evil; out.mainframeSame = !window.mainframe.evil;
        out.requestSame = ethereum.request.toString().indexOf('hijacked') < 0;
        out.internals = ['_transport', 'bridge', 'pending', 'channel'].filter(k => k in ethereum || k in mainframe);
        // globals patched after load do not change what the SDK sends or how it reads answers
        const [stringify, parse] = [JSON.stringify, JSON.parse];
        JSON.stringify = () => '{"jsonrpc":"2.0","id":1,"method":"vault_list"}';
        JSON.parse = () => ({});
        return mainframe.storage.set('after', 7).then(() => mainframe.storage.get('after')).then(v => {
            JSON.stringify = stringify; JSON.parse = parse; out.after = v; return out; },
            e => { JSON.stringify = stringify; JSON.parse = parse; out.error = String(e.message); return out; });
    })()""")
    assert tamper == {
        "redefined": False,
        "ethereumSame": True,
        "mainframeSame": True,
        "requestSame": True,
        "internals": [],
        "after": 7,
    }
    assert page.ok("!!window.__stolen || !!window.__sent") is False
    ctx = CallerContext.app(page.app.ctx.app_id, world["identity"])
    assert page.run(world["node"].call("storage_get", {"key": "after"}, ctx)) == 7


def test_windows_navigation_downloads_and_permissions_refused(install_app, open_app) -> None:
    page = open_app(install_app())
    refused: list[tuple[str, str]] = []
    page.app.page.refused.connect(lambda what, detail: refused.append((what, detail)))
    assert page.ok("window.open('https://example.com/') === null") is True
    page.run(page.raw("setTimeout(() => { location.href = 'https://example.com/'; }, 0); 1"))
    settle(page, 0.4)
    assert page.app.page.url().host() == page.app.ctx.app_id
    assert page.ok("document.body.dataset.ready") == "1"  # still the app, not reloaded elsewhere
    perms = page.ok(
        """Promise.all([
        Notification.requestPermission(),
        new Promise(r => navigator.geolocation.getCurrentPosition(() => r('granted'), () => r('denied'))),
        navigator.mediaDevices.getUserMedia({video: true}).then(() => 'granted', () => 'denied'),
        navigator.clipboard.readText().then(() => 'granted', () => 'denied'),
    ])""",
        timeout=20,
    )
    assert perms == ["denied", "denied", "denied", "denied"]
    page.ok("""(() => { const a = document.createElement('a'); a.href = URL.createObjectURL(new Blob(['x']));
        a.download = 'x.txt'; document.body.appendChild(a); a.click(); return 1; })()""")
    settle(page, 0.4)
    kinds = {w for w, _ in refused}
    assert {"navigation", "permission"} <= kinds
    downloads = Path(page.app.profile.downloadPath())
    assert not downloads.exists() or not list(downloads.iterdir())


def test_changed_file_on_disk_is_refused(install_app, open_app, world) -> None:
    app_id = install_app()
    page = open_app(app_id)
    src = page.app.source
    (src.dir / "files" / "app.js").write_text("document.body.dataset.ready = 'evil';")
    world["host"].reload(page.app)
    settle(page, 0.8)
    assert "app.js" in page.app.handler.refused
    assert not page.run(page.raw("document.body && document.body.dataset.ready"))


def test_approvals_are_launcher_prompts_not_page_content(install_app, open_app, world) -> None:
    page = open_app(install_app(permissions={"required": ["STORAGE"], "optional": ["BLOCKCHAIN_SEND"]}))
    prompter = world["prompter"]
    before = len(prompter.asked)
    prompter.will(False)
    assert page.err("ethereum.request({method: 'eth_requestAccounts'})")["code"] == 4001
    req = prompter.asked[before]
    assert req.kind == "permission" and req.caller.app_id == page.app.ctx.app_id
    prompter.will(True)
    accounts = page.ok("ethereum.request({method: 'eth_requestAccounts'})")
    assert len(accounts) == 1
    events = page.ok(
        "new Promise(r => { ethereum.on('accountsChanged', a => r(a)); "
        "ethereum.request({method: 'wallet_revokePermissions', params: [{eth_accounts: {}}]}); })"
    )
    assert events == []
