"""mainframe.storage.files from a real page running the real SDK: a 5 MiB file (ten times the old
512 KiB limit) goes in pieces into the encrypted file store under /AppStorage/<app id> and reads
back byte for byte; small files still go the old way (one message, kept in the vault) and files
stored that way still read back; another app sees, reads and deletes nothing of it; bad names,
pieces out of order and files over the limit fail with a clear error and leave nothing listed."""

from __future__ import annotations

import hashlib

import pytest

pytestmark = pytest.mark.webengine

SIZE = 5 * 1024 * 1024 + 7
MAKE = f"(() => {{ const b = new Uint8Array({SIZE}); for (let i = 0; i < b.length; i++) b[i] = (i * 131 + (i >> 11)) & 255; return b; }})()"
SHA = ".then(f => crypto.subtle.digest('SHA-256', f.data)).then(d => Array.from(new Uint8Array(d)).map(x => x.toString(16).padStart(2, '0')).join(''))"


def expected_sha() -> str:
    return hashlib.sha256(bytes(((i * 131 + (i >> 11)) & 255) for i in range(SIZE))).hexdigest()


@pytest.mark.slow  # 5 MiB written twice and read once through the rate-limited bridge: ~9 s here
def test_a_big_storage_file_round_trips_and_small_ones_still_work(install_app, open_app, world, run) -> None:
    app_id = install_app()  # STORAGE only: no FILES needed
    page = open_app(app_id)
    # the old way, exactly as an older SDK sends it: one message, kept in the vault
    old = page.ok(
        "mainframe.call('storage_writeFile', {name: 'notes/old.txt', data: btoa('hello'), mime: 'text/plain'})"
    )
    assert old == {"name": "notes/old.txt", "size": 5, "mime": "text/plain"}
    assert page.ok("mainframe.storage.files.readText('notes/old.txt')") == "hello"

    written = page.ok(f"mainframe.storage.files.write('movie ✓.bin', {MAKE}, 'video/mp4')", timeout=120)
    assert written == {"name": "movie ✓.bin", "size": SIZE, "mime": "video/mp4"}
    assert page.ok(f"mainframe.storage.files.read('movie ✓.bin'){SHA}", timeout=120) == expected_sha()
    listed = page.ok("mainframe.storage.files.list()")
    assert [(f["name"], f["size"], f["mime"]) for f in listed] == [
        ("movie ✓.bin", SIZE, "video/mp4"),
        ("notes/old.txt", 5, "text/plain"),
    ]
    assert [f["name"] for f in page.ok("mainframe.storage.files.list('notes/')")] == ["notes/old.txt"]

    node = world["node"]
    stored = run(node.call("files_list", {"folder": f"/AppStorage/{app_id}", "identityId": world["identity"]}))
    assert [(f["name"], f["size"]) for f in stored["files"]] == [("movie ✓.bin", SIZE)]

    # a small write under the same name replaces the big one (one file per name), and back
    assert page.ok("mainframe.storage.files.write('movie ✓.bin', 'tiny')")["size"] == 4
    assert [f["size"] for f in page.ok("mainframe.storage.files.list('movie')")] == [4]
    assert page.ok("mainframe.storage.files.readText('movie ✓.bin')") == "tiny"
    assert (
        run(node.call("files_list", {"folder": f"/AppStorage/{app_id}", "identityId": world["identity"]}))["files"]
        == []
    )
    page.ok(f"mainframe.storage.files.write('movie ✓.bin', {MAKE})", timeout=120)
    assert [f["size"] for f in page.ok("mainframe.storage.files.list('movie')")] == [SIZE]

    # another app (same identity) sees, reads and deletes nothing, not even through A's handle
    other = open_app(install_app())
    assert other.ok("mainframe.storage.files.list()") == []
    assert other.ok("mainframe.storage.files.read('movie ✓.bin')") is None
    assert other.ok("mainframe.storage.files.delete('movie ✓.bin')") is False
    handle = page.ok("mainframe.call('storage_openFileRead', {name: 'movie ✓.bin'})")["handle"]
    assert other.err(f"mainframe.call('storage_readFilePiece', {{handle: '{handle}'}})")["code"] == 8001
    assert page.ok(f"mainframe.call('storage_closeFile', {{handle: '{handle}'}})") is True

    assert page.ok("mainframe.storage.files.delete('movie ✓.bin')") is True
    assert page.ok("mainframe.storage.files.read('movie ✓.bin')") is None
    assert [f["name"] for f in page.ok("mainframe.storage.files.list()")] == ["notes/old.txt"]


def test_bad_big_writes_fail_clearly_and_leave_nothing(install_app, open_app, monkeypatch) -> None:
    from mainframe_os.node.files import app_storage

    page = open_app(install_app())
    big = "new Uint8Array(600 * 1024)"
    assert page.err(f"mainframe.storage.files.write('../escape', {big})")["code"] == 8003

    handle = page.ok("mainframe.call('storage_openFileWrite', {name: 'skip.bin'})")["handle"]
    piece = "btoa('x'.repeat(3000))"
    assert page.ok(f"mainframe.call('storage_writeFilePiece', {{handle: '{handle}', offset: 0, data: {piece}}})") == {
        "size": 3000
    }
    err = page.err(f"mainframe.call('storage_writeFilePiece', {{handle: '{handle}', offset: 9000, data: {piece}}})")
    assert err["code"] == 8000 and "out of order" in err["message"]
    assert page.err(f"mainframe.call('storage_closeFileWrite', {{handle: '{handle}'}})")["code"] == 8001

    monkeypatch.setattr(app_storage, "MAX_FILE", 1 << 20)  # the real limit is 256 MiB
    err = page.err("mainframe.storage.files.write('huge.bin', new Uint8Array((1 << 20) + 1))")
    assert "at most 1 MiB" in err["message"]
    assert page.ok("mainframe.storage.files.list()") == []
    assert page.ok("mainframe.storage.files.read('skip.bin')") is None

    # all of an app's large files together: 1 GiB (here 1.5 MiB); a full app keeps what it had
    monkeypatch.setattr(app_storage, "MAX_APP", 3 << 19)
    assert page.ok("mainframe.storage.files.write('a.bin', new Uint8Array(1 << 20))")["size"] == 1 << 20
    err = page.err("mainframe.storage.files.write('b.bin', new Uint8Array(600 * 1024))")
    assert "full (1 MiB)" in err["message"]
    assert [(f["name"], f["size"]) for f in page.ok("mainframe.storage.files.list()")] == [("a.bin", 1 << 20)]
    # replacing a file counts its new size, not both
    assert page.ok("mainframe.storage.files.write('a.bin', new Uint8Array(1000 * 1024))")["size"] == 1000 * 1024
