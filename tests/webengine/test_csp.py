"""The app's Content-Security-Policy is in force, read back from inside the page.

Each attack is one the policy must stop (string-to-code, inline script, event-handler attributes,
srcdoc frames, javascript: URLs); the page records every `securitypolicyviolation` event, and the
policy Chromium reports in those events must be exactly the one the scheme handler wrote. If the
header ever stops applying (a binding quirk, a renamed header), these tests fail.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.webengine

# app.js runs first (in <head>), so it sees the violations of everything parsed after it.
CSP_HTML = """<!doctype html><html><head><meta charset='utf-8'><title>csp</title>
<script src='app.js'></script>
<script>window.__inline = 'ran';</script>
</head>
<body onload="window.__onload = 'ran'">
<h1>csp</h1>
<img src="missing.png" onerror="window.__onerror = 'ran'">
<a id="js" href="javascript:window.__jsurl='ran'">x</a>
</body></html>"""

CSP_JS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push({
    directive: e.effectiveDirective, blocked: e.blockedURI, policy: e.originalPolicy, sample: e.sample}));
window.addEventListener('DOMContentLoaded', () => { document.body.dataset.ready = '1'; });
"""


# the page's own violations plus those of its frames (a srcdoc frame reports in its own document)
VIOLATIONS = """[window, ...Array.from(document.querySelectorAll('iframe'), f => { try { return f.contentWindow } catch (e) {
    return null } })].reduce((n, w) => n + ((w && w.__violations) || []).length, 0)"""


def csp_app(install_app, **kw):
    return install_app(files={"index.html": CSP_HTML, "app.js": CSP_JS}, **kw)


def test_policy_in_force_is_the_one_written(install_app, open_app) -> None:
    from mainframe_os.gui.apphost.scheme import content_security_policy

    page = open_app(csp_app(install_app))
    page.ok("new Promise(r => setTimeout(r, 300))")  # <img onerror> and <body onload> have fired by now
    seen = page.ok(
        "{inline: window.__inline || null, onload: window.__onload || null, onerror: window.__onerror || null}"
    )
    assert seen == {"inline": None, "onload": None, "onerror": None}
    violations = page.ok("window.__violations")
    assert {v["directive"] for v in violations} >= {"script-src-elem", "script-src-attr"}
    written = content_security_policy(page.app.ctx.app_id, page.app.domains)
    assert {v["policy"] for v in violations} == {written}
    # the header arrived whole: no stray one-letter directives in the console
    assert not [m for _lvl, m in page.app.page.console if "Unrecognized Content-Security-Policy" in m]


@pytest.mark.parametrize(
    ("attack", "flag"),
    [
        ("eval('window.__x = \"eval\"')", "eval"),
        ("(new Function('window.__x = \"function\"'))()", "function"),
        ("setTimeout('window.__x = \"timeout\"', 0)", "timeout"),
        ("setInterval('window.__x = \"interval\"', 10)", "interval"),
        (
            "(() => { const s = document.createElement('script'); s.textContent = 'window.__x = \"dynamic\"';"
            " document.body.appendChild(s); })()",
            "dynamic",
        ),
        (
            "(() => { const d = document.createElement('div'); d.innerHTML = "
            "'<img src=\"nope.png\" onerror=\"window.__x = \\'attr\\'\">'; document.body.appendChild(d); })()",
            "attr",
        ),
        (
            "(() => { const f = document.createElement('iframe'); f.srcdoc = "
            "'<script src=\"app.js\"></scr' + 'ipt><script>parent.__x = \"srcdoc\"</scr' + 'ipt>';"
            " document.body.appendChild(f); })()",
            "srcdoc",
        ),
        (
            "(() => { const f = document.createElement('iframe'); f.src = 'javascript:parent.__x=\"jsframe\"';"
            " document.body.appendChild(f); })()",
            "jsframe",
        ),
        ("document.getElementById('js').click()", "jsurl"),
        ("(() => { location.href = 'javascript:window.__x = \"location\"'; })()", "location"),
        (
            "(() => { const u = URL.createObjectURL(new Blob(['window.__x = \"blob\"'], {type: 'text/javascript'}));"
            " const s = document.createElement('script'); s.src = u; document.body.appendChild(s); })()",
            "blob",
        ),
    ],
)
def test_string_to_code_and_inline_script_blocked(install_app, open_app, attack: str, flag: str) -> None:
    page = open_app(csp_app(install_app))
    before = page.ok(VIOLATIONS)
    page.js(f"(() => {{ try {{ {attack}; }} catch (e) {{ window.__threw = e.name; }} }})()")
    page.ok("new Promise(r => setTimeout(r, 250))")
    assert page.ok("window.__x || null") is None, flag
    assert page.ok("window.__jsurl || null") is None
    # each attempt is refused by the policy (an event), not by some accident of the test page
    assert page.ok(VIOLATIONS) > before, flag


def test_policy_follows_the_grants(install_app, open_app) -> None:
    page = open_app(
        csp_app(
            install_app,
            domains=["api.example.org"],
            permissions={"required": ["STORAGE"], "optional": ["WEB_REQUEST"]},
        )
    )
    policy = page.ok("""new Promise(r => { document.addEventListener('securitypolicyviolation',
        e => r(e.originalPolicy), {once: true}); try { eval('1') } catch (e) {} })""")
    assert "connect-src mfapp://" in policy and "api.example.org" not in policy  # not granted yet
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


EVAL_PROBE = """(() => { const out = {};
  try { out.eval = eval('1 + 1'); } catch (e) { out.eval = e.name; }
  try { out.fn = (new Function('return 3'))(); } catch (e) { out.fn = e.name; }
  try { out.wasm = !!new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); } catch (e) { out.wasm = e.name; }
  const s = document.createElement('script'); s.textContent = 'window.__inline2 = 1'; document.body.appendChild(s);
  out.inline = window.__inline2 || null;
  return out; })()"""


@pytest.mark.parametrize(
    ("csp", "expected"),
    [
        (None, {"eval": "EvalError", "fn": "EvalError", "wasm": "CompileError", "inline": None}),
        (["wasm-unsafe-eval"], {"eval": "EvalError", "fn": "EvalError", "wasm": True, "inline": None}),
        (["unsafe-eval"], {"eval": 2, "fn": 3, "wasm": True, "inline": None}),
    ],
    ids=["strict", "wasm", "unsafe-eval"],
)
def test_manifest_may_relax_only_eval(install_app, open_app, csp, expected) -> None:
    page = open_app(install_app(csp=csp))
    assert page.ok(EVAL_PROBE) == expected  # inline scripts stay blocked whatever the manifest asks


def test_install_review_shows_the_eval_risk(world, run, tmp_path, qtbot) -> None:
    from mainframe_os.gui.screens.apps.install import InstallReviewDialog
    from mainframe_os.node.apps.errors import PackageInvalid
    from mainframe_os.node.apps.package import pack
    from vault.models import Identity

    from .conftest import make_test_app

    node = world["node"]
    seed = run(node.db(lambda s: s.get(Identity, world["identity"]).sign_seed))
    for csp, risks in [(["unsafe-eval"], 1), (None, 0)]:
        src = make_test_app(tmp_path / f"evalapp-{risks}", f"Eval App {risks}", csp=csp)
        pkg = tmp_path / f"evalapp-{risks}.mfapp"
        pack(src, seed, "Alice Dev", pkg)
        staged = run(node.call("apps_install", {"path": str(pkg)}))
        dlg = InstallReviewDialog(staged)
        qtbot.addWidget(dlg)
        assert len(dlg.csp_risks) == risks
        if risks:
            assert "eval" in dlg.csp_risks[0].text() and "trust" in dlg.csp_risks[0].text()
            dlg.grab().save(str(tmp_path / "install-eval.png"))
    with pytest.raises(PackageInvalid, match="csp"):
        pack(make_test_app(tmp_path / "bad", "Bad", csp=["unsafe-inline"]), seed, "Alice Dev", tmp_path / "bad.mfapp")
