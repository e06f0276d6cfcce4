"""The `.mfapp` package: a zip holding `manifest.json`, `manifest.sig` and `files/<path>`.

    pack(folder, signing_key, developer_name, out)      -> the package file, signed
    verify_into(source, staging_dir)                     -> Manifest, files written to staging

`manifest.sig` is the raw 64-byte Ed25519 signature of ``SIGN_DOMAIN + manifest.json bytes``
(the exact bytes: no re-serialisation, so nothing is lost between signing and checking). The
manifest lists every file with its SHA-256 and size; verification refuses anything that differs:
a changed or missing file, an unlisted one, a link, an unsafe path, a duplicate entry, a file
larger than declared, or a package past the size limits (a zip bomb stops at the declared size).
A folder with `manifest.json` + `manifest.sig` (an unpacked package) is verified the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import PackageInvalid, SignatureInvalid
from .manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    SIGNATURE_NAME,
    FileEntry,
    Manifest,
    check_path,
    derive_app_id,
    parse_manifest,
    parse_source,
)

SIGN_DOMAIN = b"mainframe-os app manifest v1\n"
PACKAGE_SUFFIX = ".mfapp"
FILES_PREFIX = "files/"


@dataclass(frozen=True)
class Limits:
    max_files: int = 2000
    max_file_bytes: int = 32 << 20
    max_total_bytes: int = 128 << 20
    max_package_bytes: int = 128 << 20
    max_ratio: int = 200  # uncompressed/compressed beyond this (for files over 1 MiB) is a bomb


DEFAULT_LIMITS = Limits()
_SKIP_NAMES = {MANIFEST_NAME, SIGNATURE_NAME, ".DS_Store", "Thumbs.db"}


def sign_manifest(raw: bytes, signing_seed: bytes) -> bytes:
    from nacl.signing import SigningKey

    return SigningKey(signing_seed).sign(SIGN_DOMAIN + raw).signature


def verify_signature(raw: bytes, signature: bytes, public_key_hex: str) -> None:
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    try:
        VerifyKey(bytes.fromhex(public_key_hex)).verify(SIGN_DOMAIN + raw, signature)
    except (BadSignatureError, ValueError, TypeError):
        raise SignatureInvalid() from None


# -- building ------------------------------------------------------------------------------------


def _source_files(folder: Path, limits: Limits) -> list[tuple[str, Path]]:
    """The files of an app folder, refusing links; hidden files and the manifest are skipped."""
    out: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        for d in list(dirnames):
            if d.startswith(".") or d == "node_modules":
                dirnames.remove(d)
            elif (base / d).is_symlink():
                raise PackageInvalid(f"links are not allowed in an app: {(base / d).relative_to(folder)}")
        for name in sorted(filenames):
            p = base / name
            rel = p.relative_to(folder).as_posix()
            if name.startswith(".") or rel in _SKIP_NAMES or name.endswith(PACKAGE_SUFFIX):
                continue
            if p.is_symlink() or not p.is_file():
                raise PackageInvalid(f"links and special files are not allowed in an app: {rel}")
            out.append((check_path(rel), p))
    if len(out) > limits.max_files:
        raise PackageInvalid(f"too many files (at most {limits.max_files})")
    return sorted(out)


def _hash_file(p: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def read_source_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        raise PackageInvalid(f"no {MANIFEST_NAME} in {folder}")
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        raise PackageInvalid(f"{MANIFEST_NAME} is not a JSON object") from None


def build_manifest(
    folder: str | os.PathLike[str], developer_key: bytes, developer_name: str, limits: Limits = DEFAULT_LIMITS
) -> Manifest:
    """The complete manifest of an app folder: id, developer and every file's hash.

    `developer_key` is empty for unsigned apps (bundled with the program, or in dev mode).
    """
    folder = Path(folder)
    src = parse_source(read_source_manifest(folder))
    entries, total = [], 0
    for rel, p in _source_files(folder, limits):
        digest, size = _hash_file(p)
        if size > limits.max_file_bytes:
            raise PackageInvalid(f"{rel} is larger than {limits.max_file_bytes >> 20} MiB")
        total += size
        entries.append(FileEntry(rel, digest, size))
    if total > limits.max_total_bytes:
        raise PackageInvalid(f"the app is larger than {limits.max_total_bytes >> 20} MiB")
    data = {
        "manifestVersion": 1,
        "id": derive_app_id(developer_key, src["name"]),
        "name": src["name"],
        "version": src["version"],
        "developer": {"name": developer_name, "publicKey": developer_key.hex()},
        "permissions": {"required": list(src["required"]), "optional": list(src["optional"])},
        "webDomains": list(src["web_domains"]),
        "entry": src["entry"],
        "description": src["description"],
        "contents": [e.to_json() for e in entries],
    }
    if src["icon"]:
        data["icon"] = src["icon"]
    if src["csp"]:
        data["csp"] = list(src["csp"])
    return parse_manifest(json.dumps(data).encode())


def pack(
    folder: str | os.PathLike[str], signing_seed: bytes, developer_name: str, out: str | os.PathLike[str]
) -> Manifest:
    """Write a signed `.mfapp` of `folder` to `out` (atomically)."""
    from nacl.signing import SigningKey

    folder = Path(folder)
    key = SigningKey(signing_seed).verify_key.encode()
    manifest = build_manifest(folder, key, developer_name)
    raw = manifest.dumps()
    sig = sign_manifest(raw, signing_seed)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(MANIFEST_NAME, raw)
        z.writestr(SIGNATURE_NAME, sig)
        for entry in manifest.contents:
            z.write(folder / entry.path, FILES_PREFIX + entry.path)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, out)
    return manifest


# -- verifying -----------------------------------------------------------------------------------


def _check_manifest_signature(raw: bytes, sig: bytes) -> Manifest:
    # The key is read from the manifest, so parse only enough to get it, verify, then validate.
    try:
        key = json.loads(raw.decode("utf-8"))["developer"]["publicKey"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
        raise PackageInvalid("manifest.json is not a valid packed manifest") from None
    if not isinstance(key, str) or len(key) != 64:
        raise PackageInvalid("the package is not signed by a developer key")
    if len(sig) != 64:
        raise SignatureInvalid("manifest.sig is not an Ed25519 signature")
    verify_signature(raw, sig, key)
    return parse_manifest(raw)


def _copy_limited(src: IO[bytes], dest: Path, entry: FileEntry) -> None:
    """Copy at most the declared size (+1 byte to notice more), hashing as we go."""
    h, size = hashlib.sha256(), 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        while True:
            chunk = src.read(min(1 << 16, entry.size + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            if size > entry.size:
                raise PackageInvalid(f"{entry.path} is larger than its manifest says")
            h.update(chunk)
            out.write(chunk)
    if size != entry.size or h.hexdigest() != entry.sha256:
        raise PackageInvalid(f"{entry.path} does not match its hash in the manifest (changed or damaged)")


def _check_sizes(manifest: Manifest, limits: Limits) -> None:
    if len(manifest.contents) > limits.max_files:
        raise PackageInvalid(f"too many files (at most {limits.max_files})")
    for e in manifest.contents:
        if e.size > limits.max_file_bytes:
            raise PackageInvalid(f"{e.path} is larger than {limits.max_file_bytes >> 20} MiB")
    if sum(e.size for e in manifest.contents) > limits.max_total_bytes:
        raise PackageInvalid(f"the app is larger than {limits.max_total_bytes >> 20} MiB")


def _verify_zip(path: Path, staging: Path, limits: Limits) -> Manifest:
    if path.stat().st_size > limits.max_package_bytes:
        raise PackageInvalid(f"the package is larger than {limits.max_package_bytes >> 20} MiB")
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise PackageInvalid("not an app package (.mfapp is a zip file)") from None
    with z:
        infos = z.infolist()
        if len(infos) > limits.max_files + 2:
            raise PackageInvalid(f"too many files (at most {limits.max_files})")
        by_name: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode) or (mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR)):
                raise PackageInvalid(f"links and special files are not allowed: {name[:80]!r}")
            if info.is_dir():
                check_path(name.rstrip("/"))
                continue
            if name not in (MANIFEST_NAME, SIGNATURE_NAME):
                if not name.startswith(FILES_PREFIX):
                    raise PackageInvalid(f"unexpected entry in package: {name[:80]!r}")
                check_path(name[len(FILES_PREFIX) :])
            if name in by_name or any(n.lower() == name.lower() for n in by_name):
                raise PackageInvalid(f"duplicate entry in package: {name[:80]!r}")
            if info.flag_bits & 0x1:
                raise PackageInvalid("encrypted zip entries are not allowed")
            if info.file_size > 1 << 20 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise PackageInvalid(f"{name[:80]} is compressed suspiciously well (a zip bomb?)")
            by_name[name] = info
        for required in (MANIFEST_NAME, SIGNATURE_NAME):
            if required not in by_name:
                raise PackageInvalid(f"the package has no {required}")
        if by_name[MANIFEST_NAME].file_size > MAX_MANIFEST_BYTES or by_name[SIGNATURE_NAME].file_size > 64:
            raise PackageInvalid("manifest.json or manifest.sig is too large")
        raw, sig = z.read(MANIFEST_NAME), z.read(SIGNATURE_NAME)
        manifest = _check_manifest_signature(raw, sig)
        _check_sizes(manifest, limits)
        listed = {FILES_PREFIX + e.path for e in manifest.contents}
        present = set(by_name) - {MANIFEST_NAME, SIGNATURE_NAME}
        if present - listed:
            raise PackageInvalid(
                f"file not listed in the manifest: {sorted(present - listed)[0][len(FILES_PREFIX) :][:80]}"
            )
        if listed - present:
            raise PackageInvalid(
                f"file missing from the package: {sorted(listed - present)[0][len(FILES_PREFIX) :][:80]}"
            )
        for e in manifest.contents:
            info = by_name[FILES_PREFIX + e.path]
            if info.file_size != e.size:
                raise PackageInvalid(f"{e.path} does not have the size its manifest says")
            with z.open(info) as f:
                _copy_limited(f, staging / "files" / e.path, e)
    _write_manifest(staging, raw, sig)
    return manifest


def _verify_folder(folder: Path, staging: Path, limits: Limits) -> Manifest:
    """An unpacked, signed package: manifest.json + manifest.sig + the files beside them."""
    raw = (folder / MANIFEST_NAME).read_bytes()
    sig_path = folder / SIGNATURE_NAME
    if sig_path.is_symlink() or not sig_path.is_file():
        raise PackageInvalid("the folder has no manifest.sig: sign it with `mfos app pack`")
    manifest = _check_manifest_signature(raw, sig_path.read_bytes())
    _check_sizes(manifest, limits)
    present = {rel for rel, _ in _source_files(folder, limits)}
    listed = {e.path for e in manifest.contents}
    if present - listed:
        raise PackageInvalid(f"file not listed in the manifest: {sorted(present - listed)[0][:80]}")
    for e in manifest.contents:
        p = folder / e.path
        if p.is_symlink() or not p.is_file():
            raise PackageInvalid(f"file missing from the package: {e.path[:80]}")
        with open(p, "rb") as f:
            _copy_limited(f, staging / "files" / e.path, e)
    _write_manifest(staging, raw, sig_path.read_bytes())
    return manifest


def _write_manifest(staging: Path, raw: bytes, sig: bytes) -> None:
    (staging / MANIFEST_NAME).write_bytes(raw)
    (staging / SIGNATURE_NAME).write_bytes(sig)


def verify_into(
    source: str | os.PathLike[str], staging: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS
) -> Manifest:
    """Verify a `.mfapp` file or a signed folder, writing its files to the empty `staging` dir.

    Raises PackageInvalid (or a subclass) with a message saying what is wrong.
    """
    source, staging = Path(source), Path(staging)
    if source.is_symlink():
        raise PackageInvalid("the package path is a link")
    if source.is_dir():
        return _verify_folder(source, staging, limits)
    if source.is_file():
        return _verify_zip(source, staging, limits)
    raise PackageInvalid(f"no app package at {source}")
