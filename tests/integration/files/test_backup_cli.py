"""`mfos vault backup --with-blocks` shows the blocks' size before it starts and writes them
beside the backup; on a fresh home `vault restore` + `files import-blocks` give the file back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_files_cli import mfos, ok


@pytest.mark.slow
def test_backup_with_blocks_restores_a_readable_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    data = os.urandom(600_000)
    src = tmp_path / "deed.pdf"
    src.write_bytes(data)
    ok(mfos(a, "vault", "create", "main"))
    ok(mfos(a, "identity", "create", "--vault", "main", "Alice"))
    ok(mfos(a, "files", "add", "--vault", "main", str(src)))
    backup = tmp_path / "main.mfbackup"
    r = mfos(a, "vault", "backup", "main", str(backup), "--with-blocks")
    out = ok(r)
    assert "File blocks to back up:" in r.stderr and "in 4 blocks" in r.stderr
    assert f"File blocks written to {backup}.blocks.car" in out

    ok(mfos(b, "vault", "restore", str(backup)))
    assert "Imported 4 block(s)" in ok(mfos(b, "files", "import-blocks", "--vault", "main", f"{backup}.blocks.car"))
    ok(mfos(b, "files", "get", "--vault", "main", "/deed.pdf", str(tmp_path / "back.pdf")))
    assert (tmp_path / "back.pdf").read_bytes() == data
