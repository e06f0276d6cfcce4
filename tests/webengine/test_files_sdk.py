"""mainframe.files from a real page running the real SDK: an app with FILES writes a file larger
than any single bridge message and reads it back byte for byte; the file sits encrypted in the
user's Files under /Apps/<app id>; another app cannot see it; an app without FILES is refused."""

from __future__ import annotations

import hashlib

import pytest

pytestmark = pytest.mark.webengine

MAKE = "(() => { const b = new Uint8Array(700 * 1024 + 3); for (let i = 0; i < b.length; i++) b[i] = (i * 31 + (i >> 9)) & 255; return b; })()"


def expected_bytes() -> bytes:
    return bytes(((i * 31 + (i >> 9)) & 255) for i in range(700 * 1024 + 3))


def test_an_app_streams_a_big_file_in_and_out(install_app, open_app, world, run) -> None:
    app_id = install_app(permissions={"required": ["FILES"], "optional": []})
    page = open_app(app_id)
    written = page.ok(f"mainframe.files.write('clip ✓.bin', {MAKE}, 'video/mp4')", timeout=60)
    assert written == {"name": "clip ✓.bin", "size": 700 * 1024 + 3, "mime": "video/mp4"}
    digest = page.ok(
        "mainframe.files.read('clip ✓.bin').then(b => crypto.subtle.digest('SHA-256', b))"
        ".then(d => Array.from(new Uint8Array(d)).map(x => x.toString(16).padStart(2, '0')).join(''))",
        timeout=60,
    )
    assert digest == hashlib.sha256(expected_bytes()).hexdigest()
    assert [f["name"] for f in page.ok("mainframe.files.list()")] == ["clip ✓.bin"]

    node = world["node"]
    listed = run(node.call("files_list", {"folder": f"/Apps/{app_id}", "identityId": world["identity"]}))
    assert [(f["name"], f["size"]) for f in listed["files"]] == [("clip ✓.bin", 700 * 1024 + 3)]

    other = open_app(install_app(permissions={"required": ["FILES"], "optional": []}))
    assert other.ok("mainframe.files.list()") == []
    assert other.err("mainframe.files.read('clip ✓.bin')")["code"] == 8001
    assert page.err("mainframe.files.write('../escape', 'x')")["code"] == 8003

    assert page.ok("mainframe.files.delete('clip ✓.bin')") is True
    assert page.ok("mainframe.files.list()") == []


def test_an_app_without_files_is_refused(install_app, open_app) -> None:
    page = open_app(install_app())  # STORAGE only
    assert page.err("mainframe.files.write('a', 'x')")["code"] == 4100
