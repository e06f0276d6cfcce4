"""`mfos files` in real processes on a real home: add, ls, get back byte for byte, cid equal to
Helia's; SIGKILL-like crashes mid-add (MFOS_CRASH_AT) leave nothing listed and the next start
removes the orphaned blocks."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mainframe_os.node.faults import EXIT_CODE

from .helia import helia_cids

PW = "correct horse battery"
MiB = 1024 * 1024


def mfos(home: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    env["MFOS_PASSWORD"] = PW
    if crash_at:
        env["MFOS_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), *args],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


def ok(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 0, f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r.stdout


def j(r: subprocess.CompletedProcess[str]) -> object:
    return json.loads(ok(r))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    ok(mfos(h, "vault", "create", "main"))
    ok(mfos(h, "identity", "create", "--vault", "main", "Alice"))
    return h


def blocks(home: Path) -> set[str]:
    """Pack files on disk and the block CIDs indexed in them."""
    cids: set[str] = set()
    for db in home.glob("files/*/index.sqlite"):
        with sqlite3.connect(db) as c:
            cids |= {bytes(r[0]).hex() for r in c.execute("SELECT cid FROM block")}
    return cids | {p.name for p in home.glob("files/*/packs/*")}


def test_add_ls_get_and_cid_like_helia(home: Path, tmp_path: Path) -> None:
    data = random.Random(13).randbytes(5 * MiB + 3)
    src = tmp_path / "naïve café ☕.bin"
    src.write_bytes(data)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")

    added = j(mfos(home, "--json", "files", "add", "--vault", "main", str(src), "--to", "/Music/Live"))
    assert added["path"] == f"/Music/Live/{src.name}" and added["size"] == len(data)
    assert "Added /empty (0 B)" in ok(mfos(home, "files", "add", "--vault", "main", str(empty)))
    top = ok(mfos(home, "files", "ls", "--vault", "main"))
    assert "Music/" in top and "empty  0 B" in top
    assert src.name in ok(mfos(home, "files", "ls", "--vault", "main", "/Music/Live"))

    out = tmp_path / "out" / "copy.bin"
    out.parent.mkdir()
    os.chdir(tmp_path)  # a relative OUT is resolved by the CLI, not the node
    ok(mfos(home, "files", "get", "--vault", "main", f"/Music/Live/{src.name}", "out/copy.bin"))
    assert out.read_bytes() == data
    refused = mfos(home, "files", "get", "--vault", "main", added["cid"], str(out))
    assert refused.returncode != 0 and "already exists" in refused.stderr and out.read_bytes() == data

    reference = helia_cids([src, empty])
    assert ok(mfos(home, "files", "cid", str(src))).strip() == reference[0]
    assert ok(mfos(home, "files", "cid", str(empty))).strip() == reference[1]
    assert added["cid"] != reference[0]  # what is stored is the ciphertext's DAG, not the plain file's

    assert "Now /Old/empty.txt" in ok(
        mfos(home, "files", "mv", "--vault", "main", "/empty", "--to", "/Old", "--name", "empty.txt")
    )
    ok(mfos(home, "files", "rm", "--vault", "main", "/Old/empty.txt"))
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a")
    (tree / "sub" / "b.txt").write_text("b")
    assert "Added 2 file(s) into /Backup/tree." in ok(
        mfos(home, "files", "add", "--vault", "main", str(tree), "--to", "/Backup")
    )
    assert "b.txt" in ok(mfos(home, "files", "ls", "--vault", "main", "/Backup/tree/sub"))
    assert "Freed" in ok(mfos(home, "files", "gc", "--vault", "main"))
    assert "empty" not in ok(mfos(home, "files", "ls", "--vault", "main", "--all"))


@pytest.mark.parametrize("point", ["files.add.first-block", "files.add.blocks-stored"])
def test_a_crash_mid_add_lists_nothing_and_the_next_start_cleans_up(home: Path, tmp_path: Path, point: str) -> None:
    keep = tmp_path / "keep.bin"
    keep.write_bytes(os.urandom(MiB))
    ok(mfos(home, "files", "add", "--vault", "main", str(keep)))
    kept = blocks(home)
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(3 * MiB))

    crashed = mfos(home, "files", "add", "--vault", "main", str(src), crash_at=point)
    assert crashed.returncode == EXIT_CODE, crashed.stderr
    assert blocks(home) > kept  # blocks of the unfinished add are on disk

    listed = j(mfos(home, "--json", "files", "ls", "--vault", "main", "--all"))
    assert [f["name"] for f in listed["files"]] == ["keep.bin"]
    assert blocks(home) == kept  # opening the files again collected the orphans
    assert not list(home.glob("files/*/adding/*"))
    out = tmp_path / "keep.out"
    ok(mfos(home, "files", "get", "--vault", "main", "/keep.bin", str(out)))
    assert out.read_bytes() == keep.read_bytes()
    ok(mfos(home, "files", "add", "--vault", "main", str(src)))  # and the add works on a second try


def test_a_crash_after_indexing_keeps_the_file(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(MiB))
    assert mfos(home, "files", "add", "--vault", "main", str(src), crash_at="files.add.indexed").returncode == EXIT_CODE
    out = tmp_path / "f.out"
    ok(mfos(home, "files", "get", "--vault", "main", "/f.bin", str(out)))
    assert out.read_bytes() == src.read_bytes()
    assert not list(home.glob("files/*/adding/*"))


def test_bad_input_gets_one_line(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x")
    for args, words in [
        (("files", "add", "--vault", "main", str(src), "--name", "../../etc/passwd"), "cannot contain"),
        (("files", "add", "--vault", "main", str(tmp_path / "missing")), "Not a file"),
        (("files", "get", "--vault", "main", "/nothing", str(tmp_path / "o")), "No file matches"),
        (("files", "cid", str(tmp_path / "missing")), "No such file"),
    ]:
        r = mfos(home, *args)
        assert r.returncode != 0 and words in r.stderr, (args, r.stderr)
        errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and words in errors[0] and "Traceback" not in r.stderr


def test_a_full_disk_mid_add_lists_nothing_and_leaves_no_pack(home: Path, tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes every write past 2 MiB fail (EFBIG; Python ignores SIGXFSZ), as a full
    disk would: the add fails with one line, and neither a listing nor a pack is left behind."""
    import resource

    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(6 * MiB))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    env["MFOS_PASSWORD"] = PW
    limit = 2 * MiB
    r = subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", "--home", str(home), "files", "add", "--vault", "main", str(src)],
        capture_output=True, text=True, env=env, timeout=300,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "too large" in errors[0].lower(), r.stderr
    assert j(mfos(home, "--json", "files", "ls", "--vault", "main", "--all"))["files"] == []
    assert not list(home.glob("files/*/packs/*")) and not list(home.glob("files/*/adding/*"))
