"""The bridge as a hostile page sees it: raw QWebChannel messages, inherited QObject members,
oversize and deeply nested messages, and a flood from one app while another keeps working."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

pytestmark = pytest.mark.webengine

# QWebChannel's wire protocol (qwebchannel.js): 6 = invokeMethod, 7 = connectToSignal,
# 9 = setProperty. A page can write these itself with the frozen transport's send().
RAW_ATTACK = """(() => {
  const t = window.qt.webChannelTransport;
  const send = m => t.send(JSON.stringify(m));
  for (const method of %s) send({type: 6, object: 'bridge', method: method, args: [], id: 900});
  send({type: 9, object: 'bridge', property: 0, value: 'renamed'});
  return 1;
})()"""


def test_page_cannot_destroy_or_call_inherited_members(install_app, open_app) -> None:
    page = open_app(install_app())
    bridge = page.app.bridge
    # by name and by every method index Qt might have published
    names = json.dumps(["deleteLater", "destroyed", "objectNameChanged", "setObjectName", *range(0, 12)])
    page.ok(RAW_ATTACK % names)
    page.run(asyncio.sleep(0.5))
    assert page.ok("mainframe.call('node_version')")["apiVersion"] == 1  # still answering
    assert bridge.isWidgetType() is False and bridge.objectName() != "renamed"
    assert page.app.bridge is bridge


def test_refused_files_end_their_body(install_app, open_app) -> None:
    page = open_app(install_app())
    for path in ["missing.js", "manifest.json", "../../etc/passwd", "_mainframe/nothing.js"]:
        got = page.ok(
            f"fetch('{path}').then(r => r.text().then(t => ({{status: r.status, length: t.length}})),"
            " e => ({failed: String(e)}))",
            timeout=8,
        )
        # the request ends as a network error (no 200 for a file the app does not have, no hang)
        assert "Failed to fetch" in got.get("failed", ""), (path, got)
    # a HEAD/POST the scheme refuses as well
    got = page.ok(
        "fetch('index.html', {method: 'POST', body: 'x'}).then(r => r.text().then(t => t.length), e => 'failed')",
        timeout=8,
    )
    assert got == "failed"
    assert (
        page.ok("""new Promise(r => { const s = document.createElement('script'); s.src = 'missing.js';
        s.onload = () => r('loaded'); s.onerror = () => r('error'); document.body.appendChild(s); })""")
        == "error"
    )


class LoopLag:
    """The launcher's loop as a user feels it: a 10 ms ticker on the one (qasync) loop.

    `worst` is wall-clock lateness of a tick; `busy` is the CPU time the loop's thread spent between
    two ticks. A frozen UI thread shows in both; a loaded machine that merely deschedules the process
    shows only in `worst`, so assertions use `busy` (the work we cause) and report both.
    """

    def __init__(self) -> None:
        self.worst = 0.0
        self.busy = 0.0
        self.ticks = 0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t0, c0 = loop.time(), time.thread_time()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, loop.time() - t0 - 0.01)
            self.busy = max(self.busy, time.thread_time() - c0)
            self.ticks += 1

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def __str__(self) -> str:
        return f"loop stalled {self.busy * 1000:.0f} ms busy, {self.worst * 1000:.0f} ms wall, over {self.ticks} ticks"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


FLOOD = """(async () => {
  const big = 'a'.repeat(50 << 20);
  const out = {sdk: [], raw: 0};
  for (let i = 0; i < 5; i++) {
    // through the SDK: the promise must settle (an error), never hang
    out.sdk.push(await mainframe.call('storage_set', {key: 'k', value: big}).then(() => 'stored', e => e.code));
    // raw, past the SDK, on the transport itself
    const t = window.qt.webChannelTransport, raw = JSON.stringify({type: 6, object: 'bridge', method: 'send', args: [big], id: 77});
    for (const send of [t.send, Object.getPrototypeOf(t) && Object.getPrototypeOf(t).send]) {
      if (typeof send !== 'function') continue;
      try { send.call(t, raw); out.raw++; } catch (e) { out.refused = (out.refused || 0) + 1; }
    }
    await new Promise(r => setTimeout(r, 50));
  }
  return out;
})()"""


def test_oversize_messages_settle_and_do_not_freeze_the_launcher(install_app, open_app) -> None:
    flooder = open_app(install_app())
    other = open_app(install_app())
    lag = LoopLag()
    before = rss_mb()
    flooder.run(asyncio.sleep(0.2))
    lag.start()
    flooder.page.runJavaScript(f"window.__flood = {FLOOD}; 1", 0, lambda _r: None)
    # meanwhile another app keeps working
    answered = 0
    for _ in range(10):
        assert other.ok("mainframe.call('node_version')")["apiVersion"] == 1
        answered += 1
    result = flooder.ok("window.__flood", timeout=120)
    lag.stop()
    grown = rss_mb() - before
    print(f"oversize: {lag}; RSS grew {grown:.0f} MB; {result}")
    assert result["sdk"] == [-32600] * 5, result
    assert answered == 10
    assert lag.busy < 0.1, str(lag)  # measured: ~25 ms
    assert grown < 150, f"launcher memory grew {grown:.0f} MB"
    assert flooder.ok("mainframe.call('node_version')")["apiVersion"] == 1


NEAR_LIMIT_FLOOD = """(async () => {
  const t = window.qt.webChannelTransport;
  // just under the transport's cap, each one refused by the bridge (too large) with its id
  const body = JSON.stringify({jsonrpc: '2.0', id: 'raw', method: 'node_version', params: ['b'.repeat((1 << 20) + 1000)]});
  const raw = JSON.stringify({type: 6, object: 'bridge', method: 'send', args: [body], id: 78});
  let sent = 0, refused = 0;
  const calls = Array.from({length: 1500}, () => mainframe.call('node_version'));
  for (let i = 0; i < 30; i++) {
    try { t.send(raw); sent++; } catch (e) { refused++; }
    if (i % 5 === 4) await new Promise(r => setTimeout(r, 0));
  }
  const rs = await Promise.allSettled(calls);
  return {sent, refused, ok: rs.filter(r => r.status === 'fulfilled').length,
          limited: rs.filter(r => r.reason && r.reason.code === -32005).length};
})()"""


def test_one_app_floods_the_bridge_another_keeps_working(install_app, open_app) -> None:
    flooder = open_app(install_app())
    other = open_app(install_app())
    lag = LoopLag()
    lag.start()
    flooder.page.runJavaScript(f"window.__flood = {NEAR_LIMIT_FLOOD}; 1", 0, lambda _r: None)
    latencies = []
    for i in range(15):
        t0 = time.perf_counter()
        assert other.ok(f"mainframe.storage.set('n', {i}).then(() => mainframe.storage.get('n'))") == i
        latencies.append(time.perf_counter() - t0)
    result = flooder.ok("window.__flood", timeout=120)
    lag.stop()
    print(f"flood: {lag}; other app's calls {max(latencies) * 1000:.0f} ms worst; {result}")
    assert result["ok"] + result["limited"] == 1500 and result["limited"] > 0, result
    assert result["sent"] + result["refused"] == 30 and result["refused"] > 0  # the byte budget cut in
    assert lag.busy < 0.1, str(lag)


BURST_WITH_RAW_BATCH = """(async () => {
  const t = window.qt.webChannelTransport;
  // a batch of the page's own, sent raw beside the SDK's calls: its answers come back in order
  const batch = JSON.stringify([{jsonrpc: '2.0', id: 'b1', method: 'node_version'},
                                {jsonrpc: '2.0', id: 'b2', method: 'no_suchMethod'}]);
  t.send(JSON.stringify({type: 6, object: 'bridge', method: 'send', args: [batch], id: 79}));
  const rs = await Promise.all(Array.from({length: 120}, (_, i) =>
    i % 2 ? mainframe.call('node_version').then(v => v.apiVersion) : ethereum.request({method: 'eth_chainId'})));
  return rs;
})()"""


def test_responses_ready_together_go_as_one_batch(install_app, open_app) -> None:
    page = open_app(install_app())
    out: list[str] = []
    page.app.bridge.message.connect(out.append)
    chain_id = page.ok("ethereum.request({method: 'eth_chainId'})")
    out.clear()
    rs = page.ok(BURST_WITH_RAW_BATCH)
    page.run(asyncio.sleep(0.2))
    # every call got its own answer ...
    assert rs == [chain_id if i % 2 == 0 else 1 for i in range(120)]
    msgs = []
    for text in out:
        msg = json.loads(text)
        msgs.extend(msg if isinstance(msg, list) else [msg])
    answers = [m for m in msgs if m.get("id") not in ("b1", "b2")]
    assert len(answers) == 120
    # ... the page's own batch was answered item by item, flattened into the bridge's batches
    raw = {m["id"]: m for m in msgs if m.get("id") in ("b1", "b2")}
    assert raw["b1"]["result"]["apiVersion"] == 1 and raw["b2"]["error"]["code"] == -32601
    # ... in far fewer emissions than answers (one per turn of the loop, not one per call)
    assert len(out) <= 122 // 4, f"{len(out)} emissions for 122 answers"


WAIT_BESIDE_QUICK = """(async () => {
  let settled = false;
  window.__ask = ethereum.request({method: 'eth_requestAccounts'}).then(() => 'granted', e => e.code)
    .finally(() => { settled = true; });
  const quick = await Promise.all(Array.from({length: 200}, () => ethereum.request({method: 'eth_chainId'})));
  return {quick: quick.length, same: new Set(quick).size, askStillOpen: !settled};
})()"""


def test_a_call_waiting_on_the_user_holds_up_no_other_call(world, install_app, open_app) -> None:
    """Calls start at once and most finish there; one that waits (here on its prompt) carries on
    as a task of its own, answers when the user does, and meanwhile the page's other calls answer."""
    prompter = world["prompter"]
    page = open_app(install_app())
    asked = len(prompter.asked)
    prompter.delay = 1.5
    try:
        got = page.ok(WAIT_BESIDE_QUICK)
        assert got == {"quick": 200, "same": 1, "askStillOpen": True}
        assert page.ok("window.__ask", timeout=10) == 4001  # the user said no, 1.5 s later
    finally:
        prompter.delay = 0.0
    assert len(prompter.asked) == asked + 1
    assert not page.app.bridge._tasks  # nothing left waiting
