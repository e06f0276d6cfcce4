"""Bridge benchmark: JSON-RPC round trip page -> node -> page, next to a bare QWebChannel echo.

    python benchmarks/bridge.py [--calls 1000] [--apps 3] [--rounds 3]

Measures, in one run on one machine:
  - eth_chainId (node_version if absent) round trips from page JavaScript through the real SDK,
    bridge, dispatcher and back: p50/p99 latency, sequential calls/s, and 200-way concurrent calls/s;
  - the same loop against a bare QWebChannel echo object (the floor the bridge adds to), its page
    shown in a view the size of an app window as the app's page is;
  - time from AppHost.open() to `mainframe.ready` in the page;
  - memory per open app (RSS of this process and its QtWebEngine children, per extra app).
Bridge and echo run in alternating rounds (a change of load on a shared machine hits both); each
figure is the median of the rounds, and concurrent_vs_bare (target >= 0.8) is the median of the
rounds' ratios. The per-app rate limit (a security feature: 200 calls/s, bursts of 400, enforced by
the node and, before Qt, by the SDK) is lifted for the measurement. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

LOOP_JS = """(async () => {
  const call = %s;
  for (let i = 0; i < 20; i++) await call();               // warm up
  const t = [];
  for (let i = 0; i < %d; i++) { const s = performance.now(); await call(); t.push(performance.now() - s); }
  // 4 x 25 waves of 200 in flight, timed together: five waves (~0.1 s) swung the ratio by +-0.2
  // from run to run on the quiet machine, and 25 still did on a faster one (30,000 calls/s). A
  // pause before each 25 lets the SDK's character budget refill (2 MiB/s of messages, a limit
  // the benchmark keeps: 25 waves fit in its burst)
  let busy = 0;
  for (let b = 0; b < 4; b++) {
    await new Promise(r => setTimeout(r, 700));
    const s2 = performance.now();
    for (let w = 0; w < 25; w++) await Promise.all(Array.from({length: 200}, () => call()));
    busy += performance.now() - s2;
  }
  const conc = 20000 / (busy / 1000);
  return {t, conc};
})()"""


def summarize(times: list[float], conc: float) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
        "seq_calls_per_s": round(1000 / statistics.mean(times), 1),
        "concurrent_calls_per_s": round(conc, 1),
    }


def rss_tree() -> int:
    import psutil

    me = psutil.Process()
    total = me.memory_info().rss
    for child in me.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total


async def probe(page: Any, code: str) -> Any:
    fut = asyncio.get_running_loop().create_future()
    page.runJavaScript(code, 0, lambda v: fut.done() or fut.set_result(v))
    return await fut


async def evaluate(page: Any, code: str, timeout: float = 120) -> Any:
    key = f"b{time.monotonic_ns()}"
    page.runJavaScript(
        f"window.__b=window.__b||{{}};Promise.resolve({code}).then(v=>{{window.__b['{key}']=JSON.stringify({{ok:v}})}},"
        f"e=>{{window.__b['{key}']=JSON.stringify({{err:String(e&&e.message||e)}})}});1",
        0,
        lambda _r: None,
    )
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = await probe(page, f"window.__b && window.__b['{key}']")
        if got:
            out = json.loads(got)
            if "err" in out:
                raise RuntimeError(out["err"])
            return out["ok"]
        await asyncio.sleep(0.01)
    raise TimeoutError(code[:80])


async def bare_echo_page() -> Any:
    """A page whose `window.__echo` sends JSON-RPC text through a bare QWebChannel object that
    emits it straight back: the floor any bridge adds to."""
    from PySide6.QtCore import QObject, Signal, Slot
    from PySide6.QtWebChannel import QWebChannel
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineScript
    from PySide6.QtWebEngineWidgets import QWebEngineView

    from mainframe_os.gui.apphost.sdk_script import qwebchannel_js

    class Echo(QObject):
        message = Signal(str)

        @Slot(str)
        def send(self, text: str) -> None:
            self.message.emit(text)

    profile = QWebEngineProfile()
    script = QWebEngineScript()
    script.setSourceCode(
        qwebchannel_js()
        + """
      window.__echo = new Promise(r => new QWebChannel(qt.webChannelTransport, ch => {
        const o = ch.objects.echo; let n = 0; const pending = new Map();
        o.message.connect(t => { const m = JSON.parse(t); pending.get(m.id)(m); pending.delete(m.id); });
        r(() => new Promise(res => { const id = ++n; pending.set(id, res);
          o.send(JSON.stringify({jsonrpc: '2.0', id, method: 'eth_chainId'})); }));
      }));"""
    )
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
    profile.scripts().insert(script)
    page = QWebEnginePage(profile)
    echo = Echo(page)
    channel = QWebChannel(page)
    channel.registerObject("echo", echo)
    page.setWebChannel(channel)
    # shown in a view the size of an app window, as the app's page is: a page in no view skips
    # the rendering work a shown one's renderer does between messages (quiet, 2-core: the echo
    # ran 12,000-18,000 calls/s hidden, ~10,000 shown), so a hidden echo measured the window
    view = QWebEngineView()
    view.setPage(page)
    view.resize(1024, 720)
    view.show()
    page.setHtml("<html><body>echo</body></html>")
    await asyncio.sleep(0.5)
    await evaluate(page, "window.__echo.then(() => 1)")
    page.__keep = (profile, echo, channel, view)  # alive as long as the page
    return page


def median_round(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in rounds), 3) for k in rounds[0]}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    from mainframe_os.gui.apphost import sdk_script
    from mainframe_os.gui.apphost.host import AppHost
    from mainframe_os.node.apps.package import pack
    from mainframe_os.node.dispatcher import RateLimiter
    from mainframe_os.node.node import Node
    from mainframe_os.node.prompter import ApproveAllPrompter
    from mainframe_os.node.registry import REGISTRY
    from vault import KdfParams, VaultStore
    from vault.models import Identity

    home = Path(tempfile.mkdtemp(prefix="mfos-bench-"))
    node = Node(home / "home", prompter=ApproveAllPrompter())
    node.dispatcher.rate_limiter = RateLimiter(rate=1e9, burst=10**9)
    sdk_script._LIMITS = RateLimiter(rate=1e9, burst=10**9)  # the SDK's copy of the same limit
    v = await node.on_vault_thread(
        lambda: VaultStore(node.paths.vaults).create("b", "password123", KdfParams.insecure_for_tests())
    )
    await node.set_open_vault(v)
    ident = (await node.call("identity_create", {"displayName": "Bench", "developer": True}))["id"]
    method = "eth_chainId" if REGISTRY.get("eth_chainId") else "node_version"
    if method == "eth_chainId":
        await node.call("eth_chainId", [])  # start the dev chain outside the measurement
    seed = await node.db(lambda s: s.get(Identity, ident).sign_seed)
    app_ids = []
    for i in range(args.apps):
        src = home / f"app{i}"
        src.mkdir()
        (src / "manifest.json").write_text(
            json.dumps({"name": f"Bench {i}", "version": "1.0.0", "permissions": {"required": ["STORAGE"]}})
        )
        (src / "index.html").write_text("<!doctype html><body>bench<script src='app.js'></script></body>")
        (src / "app.js").write_text("document.body.dataset.ready = '1';")
        pack(src, seed, "Bench", home / f"app{i}.mfapp")
        staged = await node.call("apps_install", {"path": str(home / f"app{i}.mfapp")})
        await node.call("apps_approveInstall", {"appId": staged["manifest"]["id"], "version": "1.0.0"})
        app_ids.append(staged["manifest"]["id"])

    host = AppHost(node)
    open_ms: list[float] = []
    rss: list[int] = [rss_tree()]
    windows = []
    for app_id in app_ids:
        t0 = time.perf_counter()
        w = await host.open(app_id, ident, show=True)
        while not await probe(w.app.page, "!!(window.mainframe && document.body && document.body.dataset.ready)"):
            await asyncio.sleep(0.003)
        await evaluate(w.app.page, "window.mainframe.ready")
        open_ms.append((time.perf_counter() - t0) * 1000)
        windows.append(w)
        await asyncio.sleep(0.3)
        rss.append(rss_tree())
    page = windows[0].app.page
    call = (
        f"() => window.ethereum.request({{method: '{method}'}})"
        if method.startswith("eth_")
        else f"() => window.mainframe.call('{method}')"
    )
    echo_page = await bare_echo_page()
    bridge_rounds, echo_rounds = [], []
    for _ in range(args.rounds):
        out = await evaluate(page, LOOP_JS % (call, args.calls))
        bridge_rounds.append(summarize(out["t"], out["conc"]))
        out = await evaluate(echo_page, LOOP_JS % ("await window.__echo", args.calls))
        echo_rounds.append(summarize(out["t"], out["conc"]))
    bridge, echo = median_round(bridge_rounds), median_round(echo_rounds)
    ratios = [
        b["concurrent_calls_per_s"] / e["concurrent_calls_per_s"]
        for b, e in zip(bridge_rounds, echo_rounds, strict=True)
    ]
    per_app = [(b - a) / 2**20 for a, b in zip(rss, rss[1:], strict=False)]
    result = {
        "benchmark": "bridge",
        "method": method,
        "calls": args.calls,
        "bridge": bridge,
        "bare_qwebchannel_echo": echo,
        "rounds": args.rounds,
        "overhead_p50_ms": round(bridge["p50_ms"] - echo["p50_ms"], 3),
        "concurrent_vs_bare": round(statistics.median(ratios), 3),
        "open_to_sdk_ready_ms": {"first": round(open_ms[0], 1), "median": round(statistics.median(open_ms), 1)},
        "memory_per_app_mib": {
            "first": round(per_app[0], 1),
            "median_next": round(statistics.median(per_app[1:] or per_app), 1),
        },
    }
    for w in windows:
        w.close()
    echo_page.deleteLater()
    await asyncio.sleep(0.3)
    await node.close()
    return result


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--apps", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from mainframe_os.gui import qt
    from mainframe_os.gui.apphost import register_schemes

    register_schemes()
    qt.before_app()
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    from mainframe_os.gui.qt_loop import QtLoop

    loop = QtLoop(app)  # the launcher's loop
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(main(args))
    b, e = result["bridge"], result["bare_qwebchannel_echo"]
    print(
        f"{result['method']} round trip via SDK+bridge+node: p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms, "
        f"{b['seq_calls_per_s']} calls/s sequential, {b['concurrent_calls_per_s']} calls/s with 200 in flight"
    )
    print(
        f"bare QWebChannel echo:                     p50 {e['p50_ms']} ms, p99 {e['p99_ms']} ms, "
        f"{e['seq_calls_per_s']} calls/s sequential, {e['concurrent_calls_per_s']} calls/s with 200 in flight"
    )
    print(f"concurrent calls, bridge vs bare echo: {result['concurrent_vs_bare']}x (target >= 0.8x)")
    print(f"open -> SDK ready: {result['open_to_sdk_ready_ms']} ms; memory per app: {result['memory_per_app_mib']} MiB")
    print(json.dumps(result))


if __name__ == "__main__":
    run()
