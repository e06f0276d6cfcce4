"""Limits on what a file can make us do: a crafted backup cannot demand a huge KDF before its
password is checked, and a backup never replaces something that is not a regular file."""

from __future__ import annotations

import hashlib
import json
import struct
import time
from pathlib import Path

import pytest

from vault import BackupCorrupt, BackupError, KdfParams, VaultStore


def _recrafted(src: Path, dest: Path, opslimit: int, memlimit: int) -> None:
    """The same backup with other KDF params and a checksum that matches them."""
    data = src.read_bytes()
    magic_version = data[:10]
    (header_len,) = struct.unpack(">I", data[10:14])
    doc = json.loads(data[14 : 14 + header_len])
    body = data[14 + header_len :]
    doc.pop("sha256")
    doc["kdf"].update(opslimit=opslimit, memlimit=memlimit)
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    doc["sha256"] = hashlib.sha256(magic_version + canonical + body).hexdigest()
    header = json.dumps(doc, sort_keys=True).encode()
    dest.write_bytes(magic_version + struct.pack(">I", len(header)) + header + body)


@pytest.mark.parametrize(("ops", "mem"), [(8, 4 * 1024**3), (64, 256 * 1024**2), (8, 1024**3)])
def test_a_backup_demanding_a_huge_kdf_is_refused_at_once(tmp_path: Path, ops: int, mem: int) -> None:
    store = VaultStore(tmp_path / "vaults")
    v = store.create("v", "pw", KdfParams.insecure_for_tests())
    store.backup(v, tmp_path / "b.bak", "pw", kdf=KdfParams.insecure_for_tests())
    v.close()
    crafted = tmp_path / "crafted.bak"
    _recrafted(tmp_path / "b.bak", crafted, ops, mem)
    t0 = time.perf_counter()
    with pytest.raises(BackupCorrupt, match="KDF"):
        store.inspect_backup(crafted)
    with pytest.raises(BackupCorrupt, match="KDF"):
        store.restore(crafted, "pw", as_name="x")
    assert time.perf_counter() - t0 < 5  # refused before any Argon2 pass
    # what this program writes is still read
    moderate = KdfParams.moderate()
    _recrafted(tmp_path / "b.bak", tmp_path / "ok.bak", moderate.opslimit, moderate.memlimit)
    assert store.inspect_backup(tmp_path / "ok.bak").kdf == moderate


def test_backup_refuses_targets_that_are_not_regular_files(tmp_path: Path) -> None:
    store = VaultStore(tmp_path / "vaults")
    v = store.create("v", "pw", KdfParams.insecure_for_tests())
    fast = KdfParams.insecure_for_tests()
    with pytest.raises(BackupError, match="folder"):
        store.backup(v, tmp_path, "pw", kdf=fast)
    with pytest.raises(BackupError, match="does not exist"):
        store.backup(v, tmp_path / "missing" / "b.bak", "pw", kdf=fast)
    with pytest.raises(BackupError, match="not a regular file"):
        store.backup(v, Path("/dev/null"), "pw", kdf=fast)
    (tmp_path / "real").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(BackupError, match="not a regular file"):
        store.backup(v, tmp_path / "link", "pw", kdf=fast)
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real").read_bytes() == b"x"
    v.close()
