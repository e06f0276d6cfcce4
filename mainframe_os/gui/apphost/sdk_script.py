"""The script injected into every app page: Qt's QWebChannel client and the SDK, in a closure.

The SDK's method list is generated here from the node's registry (every method an app may call:
public or permissioned, never trusted), so the SDK and the node cannot disagree.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

from mainframe_os.datafiles import sdk_dir
from mainframe_os.node.apps.hosting import MAX_MESSAGE_BYTES, RateLimiter
from mainframe_os.node.registry import REGISTRY

from ..qt import QFile, QIODevice

API_VERSION = 1
# one id per process run: EIP-6963 wants a UUIDv4 per provider session
_PROVIDER_UUID = str(uuid.uuid4())


_LIMITS = RateLimiter()  # its defaults: the SDK applies the same per-app limit before Qt


def app_methods() -> list[dict[str, Any]]:
    """The registry's app-visible methods, as the SDK knows them."""
    return [m.describe() for m in REGISTRY.all() if m.access.apps_may_call]


@cache
def qwebchannel_js() -> str:
    f = QFile(":/qtwebchannel/qwebchannel.js")
    if not f.open(QIODevice.OpenModeFlag.ReadOnly):
        raise RuntimeError("qwebchannel.js is missing from the Qt resources")
    try:
        return bytes(f.readAll().data()).decode("utf-8")
    finally:
        f.close()


def sdk_source() -> str:
    return (sdk_dir() / "mainframe-sdk.js").read_text(encoding="utf-8")


def build_script(app_id: str) -> str:
    config = {
        "apiVersion": API_VERSION,
        "methods": app_methods(),
        "appId": app_id,
        "uuid": _PROVIDER_UUID,
        "maxMessage": MAX_MESSAGE_BYTES,
        "rate": {"perSecond": _LIMITS.rate, "burst": _LIMITS.burst},
    }
    # Qt delivers messages through window.qt.webChannelTransport.onmessage, so the transport
    # must stay on window; the SDK freezes it (and window.qt) once QWebChannel has hooked it,
    # so a page can neither replace nor intercept the SDK's side. A page that builds its own
    # QWebChannel on it gains nothing: the bridge binds the caller to the webview, not the message.
    # `module` is shadowed so qwebchannel.js's node.js export branch never touches the page.
    return (
        "(function () {\n'use strict';\n"
        "var transport = (window.qt && window.qt.webChannelTransport) || null;\n"
        # qwebchannel.js and the SDK use JSON at call time: this closure keeps the original
        "var JSON = Object.freeze({parse: window.JSON.parse.bind(window.JSON),"
        " stringify: window.JSON.stringify.bind(window.JSON)});\n"
        "var module = undefined;\n"
        + qwebchannel_js()
        + "\n;("
        + sdk_source().strip().rstrip(";")
        + ")("
        + json.dumps(config, separators=(",", ":"))
        + ", transport, QWebChannel);\n})();\n"
    )
