"""The bridge as a hostile page sees it: raw QWebChannel messages, inherited QObject members,
oversize and deeply nested messages, and a flood from one app while another keeps working."""

from __future__ import annotations

import asyncio
import json

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
