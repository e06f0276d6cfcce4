"""The bundled apps and dev mode in real windows (with screenshots to look at)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from .conftest import Page

pytestmark = pytest.mark.webengine
_FLAG = os.environ.get("MFOS_SHOTS", "")
# MFOS_SHOTS=1 (or a folder) keeps the screenshots where a person looks at them
SHOTS = Path("/tmp/shots" if _FLAG.lower() in ("", "1", "true", "yes") else _FLAG)


def shoot(window, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = SHOTS / f"app-{name}.png"
    window.grab().save(str(out))
    return out


def settled(page, expr: str, until: str, timeout_ms: int = 10_000):  # type: ignore[no-untyped-def]
    """The value of `expr` once `until(value)` holds (or at the timeout, for the assertion to show)."""
    return page.ok(
        f"new Promise(ok => {{ const t0 = Date.now(); const t = setInterval(() => {{ const v = ({expr});"
        f" if (({until})(v) || Date.now() - t0 > {timeout_ms}) {{ clearInterval(t); ok(v); }} }}, 20); }})",
        timeout=timeout_ms / 1000 + 5,
    )


def test_bundled_hello_and_payments(world, run, open_app) -> None:
    node = world["node"]
    apps = {a["name"]: a for a in run(node.call("apps_list", {"identityId": world["identity"]}))}
    assert {"Hello", "Payments"} <= set(apps)
    hello = open_app(apps["Hello"]["id"])
    # pages fill themselves in asynchronously: poll for the filled-in value, not the placeholder
    assert settled(hello, "document.getElementById('who').textContent", "v => v !== '…'") == "Alice"
    prompter = world["prompter"]
    prompter.will(True)
    hello.ok("document.querySelector('[data-action=connect]').click(), 1")
    assert "accounts" in settled(
        hello, "document.getElementById('out-ethereum').textContent", "v => v.includes('accounts')"
    )
    window = hello.app.window
    window.resize(1100, 760)
    run(window.refresh_bar())
    run(asyncio.sleep(0.5))
    assert window.account_label.text().startswith("● 0x")
    assert shoot(window, "hello").stat().st_size > 10_000
    pay = open_app(apps["Payments"]["id"])
    assert settled(pay, "document.querySelector('#history').textContent", "v => v.trim()").strip() == "No payments yet."
    pay.app.window.resize(900, 620)
    run(asyncio.sleep(0.3))
    shoot(pay.app.window, "payments")


def test_dev_mode_reloads_on_change(world, run, tmp_path) -> None:
    from mainframe_os.gui.apphost.devrun import run_dev

    from .conftest import make_test_app

    folder = make_test_app(tmp_path / "devapp", "Dev App")
    window = run(run_dev(world["node"], folder, world["identity"], until_closed=False, dialogs=False))
    try:
        page = Page(world, run, window.app)
        run(page.wait_ready())
        assert window.app.dev
        (folder / "app.js").write_text("document.body.dataset.ready = '1'; document.title = 'edited';")

        async def edited() -> None:
            for _ in range(100):
                if await page.raw("document.title") == "edited":
                    return
                await asyncio.sleep(0.05)
            raise TimeoutError("no reload")

        run(edited())
        assert page.ok("mainframe.storage.set('x', 1).then(() => mainframe.storage.get('x'))") == 1
        shoot(window, "dev")
    finally:
        window.close()
        run(asyncio.sleep(0.05))
