"""Real QtWebEngine pages offscreen, running the real SDK against a real node.

The mfapp:// scheme is registered here at import time, i.e. during collection, before
pytest-qt creates the QApplication. Tests are synchronous and drive one qasync loop with
`run(coro)`, so asyncio (the node, the bridge) and Qt (the pages) share a thread as in the app.
"""

from __future__ import annotations

import asyncio
import http.server
import itertools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytestqt.plugin as pytestqt_plugin

from mainframe_os.gui import qt
from mainframe_os.gui.apphost import register_schemes

register_schemes()
qt.before_app()

pytestmark = pytest.mark.webengine

_counter = itertools.count()


_LOOPS: list[asyncio.AbstractEventLoop] = []


def _process_events_in_loop() -> None:
    """pytest-qt processes Qt events around every test phase. With our loop stopped there, a
    page's bridge call (or a node timer) would run outside asyncio: "no running event loop". The
    launcher's loop is never stopped, so process those events with the loop running, as it does."""
    lp = _LOOPS[0] if _LOOPS else None
    if lp is not None and not lp.is_closed() and not lp.is_running():
        Runner(lp)(asyncio.sleep(0.01))
    else:
        _plain_process_events()


_plain_process_events = pytestqt_plugin._process_events
pytestqt_plugin._process_events = _process_events_in_loop


@pytest.fixture(scope="session")
def loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    from mainframe_os.gui.qt_loop import QtLoop  # the launcher's loop

    lp = QtLoop(qapp, already_running=False)
    asyncio.set_event_loop(lp)
    _LOOPS.append(lp)
    yield lp
    _LOOPS.clear()
    lp.close()  # joins qasync's executor threads (no "QThread destroyed while running" at exit)
    asyncio.set_event_loop(None)


class Runner:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def __call__(self, coro: Any, timeout: float = 30.0) -> Any:
        # Not qasync's run_until_complete: after stopping, it processes Qt's pending events once
        # more with no loop running, and a bridge call or timer landing there fails with "no
        # running event loop". Pending events wait for the next run instead.
        future = asyncio.ensure_future(asyncio.wait_for(coro, timeout), loop=self.loop)
        future.add_done_callback(lambda _f: self.loop.stop())
        self.loop.run_forever()
        return future.result()


@pytest.fixture(scope="session")
def run(loop: asyncio.AbstractEventLoop) -> Runner:
    return Runner(loop)


class Prompter:
    """The launcher's prompter stand-in: answers from a queue (default: reject), records requests."""

    def __init__(self) -> None:
        from mainframe_os.node.prompter import PromptResult

        self.asked: list[Any] = []
        self.answers: list[Any] = []
        self.default = PromptResult(False)
        self.delay = 0.0

    def will(self, approved: bool, choice: str | None = None, data: Any = None) -> None:
        from mainframe_os.node.prompter import PromptResult

        self.answers.append(PromptResult(approved, choice, data))

    async def ask(self, request: Any) -> Any:
        self.asked.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.answers.pop(0) if self.answers else self.default


@pytest.fixture(scope="session")
def world(run: Runner, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One node for the whole suite: a fast-KDF vault, a developer identity with a wallet."""
    from mainframe_os.node.node import Node
    from vault import KdfParams, VaultStore

    home = tmp_path_factory.mktemp("we-home")
    prompter = Prompter()
    node = Node(home, prompter=prompter)

    async def setup() -> str:
        v = await node.on_vault_thread(
            lambda: VaultStore(node.paths.vaults).create("main", "password123", KdfParams.insecure_for_tests())
        )
        await node.set_open_vault(v)
        ident = (await node.call("identity_create", {"displayName": "Alice", "developer": True}))["id"]
        phrase = await node.call("wallet_generatePhrase")
        await node.call("wallet_create", {"phrase": phrase["phrase"] if isinstance(phrase, dict) else phrase})
        return str(ident)

    ident = run(setup())
    from mainframe_os.gui.apphost.host import AppHost

    host = AppHost(node)
    yield {"node": node, "identity": ident, "prompter": prompter, "host": host, "tmp": tmp_path_factory}
    host.close_all()
    run(node.close())


TEST_JS = "document.body.dataset.ready = '1';\n"
TEST_HTML = "<!doctype html><html><head><meta charset='utf-8'><title>t</title></head><body><h1>test app</h1><script src='app.js'></script></body></html>"


def make_test_app(
    folder: Path,
    name: str,
    *,
    permissions: dict[str, Any] | None = None,
    domains: list[str] | None = None,
    files: dict[str, str] | None = None,
    icon: str | None = None,
    csp: list[str] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "name": name,
        "version": "1.0.0",
        "entry": "index.html",
        "permissions": permissions or {"required": ["STORAGE"], "optional": []},
    }
    if domains:
        manifest["webDomains"] = domains
    if icon:
        manifest["icon"] = icon
    if csp is not None:
        manifest["csp"] = csp
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "index.html").write_text(TEST_HTML)
    (folder / "app.js").write_text(TEST_JS)
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


@pytest.fixture
def install_app(world: dict[str, Any], run: Runner, tmp_path: Path):
    """Pack (signed by the identity's key) and install a fresh test app; returns its id."""
    from mainframe_os.node.apps.package import pack
    from vault.models import Identity

    node = world["node"]

    def make(name: str | None = None, *, grant: list[str] | None = None, **kw: Any) -> str:
        name = name or f"Test {next(_counter)}"
        src = make_test_app(tmp_path / f"src-{name}", name, **kw)
        seed = run(node.db(lambda s: s.get(Identity, world["identity"]).sign_seed))
        pkg = tmp_path / f"{name}.mfapp"
        pack(src, seed, "Alice Dev", pkg)

        async def go() -> str:
            staged = await node.call("apps_install", {"path": str(pkg)})
            m = staged["manifest"]
            await node.call("apps_approveInstall", {"appId": m["id"], "version": m["version"], "grant": grant or []})
            return str(m["id"])

        return run(go())

    return make


class Page:
    """Drive an open app's page: run JS (awaiting promises) and read results back."""

    def __init__(self, world: dict[str, Any], run: Runner, app: Any) -> None:
        self.world, self.run, self.app = world, run, app
        self.page = app.page
        self._n = itertools.count()

    async def eval_async(self, code: str, timeout: float = 15.0) -> Any:
        """Evaluate `code` (an expression, may be a promise) in the page; returns {ok}|{err}."""
        key = f"r{next(self._n)}"
        wrapped = (
            "(function(){window.__t=window.__t||{};window.__js=window.__js||JSON.stringify.bind(JSON);"
            f"Promise.resolve().then(()=>({code})).then(v=>{{window.__t['{key}']={{ok:v===undefined?null:v}}}},"
            f"e=>{{window.__t['{key}']={{err:{{code:(e&&e.code)||null,message:String(e&&e.message||e)}}}}}});"
            "return 1;})()"
        )
        self.page.runJavaScript(wrapped, 0, lambda _r: None)
        end = asyncio.get_running_loop().time() + timeout
        while True:
            got = await self.raw(f"window.__t && window.__js(window.__t['{key}'])")
            if got:
                return json.loads(got)
            if asyncio.get_running_loop().time() > end:
                raise TimeoutError(f"page did not answer: {code[:100]}")
            await asyncio.sleep(0.02)

    async def raw(self, code: str) -> Any:
        fut = asyncio.get_running_loop().create_future()

        def done(v: Any) -> None:
            if not fut.done():
                fut.set_result(v)

        self.page.runJavaScript(code, 0, done)
        return await asyncio.wait_for(fut, 10)

    def js(self, code: str, timeout: float = 15.0) -> Any:
        return self.run(self.eval_async(code, timeout), timeout + 5)

    def ok(self, code: str, timeout: float = 15.0) -> Any:
        r = self.js(code, timeout)
        assert "ok" in r, r
        return r["ok"]

    def err(self, code: str) -> dict[str, Any]:
        r = self.js(code)
        assert "err" in r, r
        return r["err"]

    async def wait_ready(self, timeout: float = 20.0) -> None:
        end = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < end:
            if await self.raw("!!(window.mainframe && document.body && document.body.dataset.ready === '1')"):
                r = await self.eval_async("mainframe.ready")
                assert r == {"ok": True}, r
                return
            await asyncio.sleep(0.03)
        raise TimeoutError(f"the app did not become ready; console: {self.page.console[-5:]}")

    def reload(self) -> None:
        self.world["host"].reload(self.app)
        self.run(asyncio.sleep(0.2))
        self.run(self.wait_ready())


@pytest.fixture
def open_app(world: dict[str, Any], run: Runner):
    host = world["host"]
    opened: list[Any] = []

    def open_(app_id: str, wait: bool = True) -> Page:
        window = run(host.open(app_id, world["identity"], show=True))
        opened.append(window)
        page = Page(world, run, window.app)
        if wait:
            run(page.wait_ready())
        return page

    yield open_
    for w in opened:
        w.close()
    run(asyncio.sleep(0.05))


class Recorder(http.server.ThreadingHTTPServer):
    """A local server that records every connection it accepts (even ones that never send)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        self.paths: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.paths.append(self.path)
                body = b'{"hello":"world"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1
        return True

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def server() -> Iterator[Recorder]:
    srv = Recorder()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()
