"""Installed app files on disk, and the sources the app host serves pages from.

Layout under the home's `apps/` folder::

    apps/packages/<app-id>/<version>/manifest.json, manifest.sig, files/...   verified copies
    apps/profiles/<identity-id>/<app-id>/                                     webview storage
    apps/.staging-*/                                                          installs in progress

An install is verified into a staging folder first and then renamed into place, so a failed or
interrupted install never leaves a half-written app. Packages are shared by the identities of a
machine (same id and version = same signed bytes); which identity has which app, its grants and
its data live in the vault.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import AppFileRefused, AppNotInstalled, PackageInvalid
from .manifest import MANIFEST_NAME, SIGNATURE_NAME, Manifest, check_path, parse_manifest
from .package import DEFAULT_LIMITS, Limits, _check_manifest_signature, build_manifest, verify_into

BUNDLED_DEVELOPER = "Mainframe OS"
BUNDLED_APPS = ("hello", "payments", "messenger", "files")  # folders of apps/ every identity gets on first use


class AppSource(Protocol):
    """What the app host serves: a verified manifest and its files, re-checked on every read."""

    manifest: Manifest

    def read(self, path: str) -> bytes: ...


def _read_checked(base: Path, manifest: Manifest, path: str) -> bytes:
    try:
        entry = manifest.files[check_path(path)]
    except (KeyError, PackageInvalid):
        raise AppFileRefused(f"not part of the app: {path[:80]}") from None
    p = base / entry.path
    # A link planted after install must not lead outside the package.
    if p.is_symlink() or not p.is_file():
        raise AppFileRefused(f"missing from the app: {entry.path}")
    data = p.read_bytes()
    if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
        raise AppFileRefused(f"changed on disk since it was verified: {entry.path}")
    return data


@dataclass
class InstalledSource:
    """An installed package: files under `<dir>/files`, served only if they still match."""

    dir: Path
    manifest: Manifest

    def read(self, path: str) -> bytes:
        return _read_checked(self.dir / "files", self.manifest, path)


class DevSource:
    """`mfos app dev PATH`: an unsigned folder, re-hashed on `reload()` (the developer edits it)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder).resolve()
        # Not a signing key: a stable per-folder value, so the dev app's id (and its grants and
        # data) differ from an installed app of the same name and survive restarts.
        self.key = hashlib.sha256(b"mfapp-dev\0" + str(self.folder).encode()).digest()
        self.manifest = build_manifest(self.folder, self.key, "developer (dev mode)")

    def reload(self) -> Manifest:
        self.manifest = build_manifest(self.folder, self.key, "developer (dev mode)")
        return self.manifest

    def read(self, path: str) -> bytes:
        return _read_checked(self.folder, self.manifest, path)


class AppFiles:
    def __init__(self, root: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> None:
        self.root = Path(root)
        self.limits = limits

    @property
    def packages(self) -> Path:
        return self.root / "packages"

    def package_dir(self, app_id: str, version: str) -> Path:
        check_path(app_id)
        check_path(version)
        return self.packages / app_id / version

    def profile_dir(self, identity_id: str, app_id: str) -> Path:
        check_path(identity_id)
        check_path(app_id)
        return self.root / "profiles" / identity_id / app_id

    def _staging(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        return Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))

    def install(self, source: str | os.PathLike[str]) -> Manifest:
        """Verify a `.mfapp` or signed folder and put it in place; returns its manifest."""
        staging = self._staging()
        try:
            manifest = verify_into(source, staging, self.limits)
            self._commit(staging, manifest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest

    def install_unsigned(self, folder: str | os.PathLike[str], developer: str = BUNDLED_DEVELOPER) -> Manifest:
        """A bundled app shipped with the program: trusted by where it comes from, not by a key."""
        manifest = build_manifest(folder, b"", developer, self.limits)
        staging = self._staging()
        try:
            for e in manifest.contents:
                dest = staging / "files" / e.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(folder) / e.path, dest, follow_symlinks=False)
            (staging / MANIFEST_NAME).write_bytes(manifest.dumps())
            # re-read what we copied: a file changed during the copy is caught here
            for e in manifest.contents:
                _read_checked(staging / "files", manifest, e.path)
            self._commit(staging, manifest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest

    def _commit(self, staging: Path, manifest: Manifest) -> None:
        dest = self.package_dir(manifest.id, manifest.version)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            # Same id and version already there: replace it (it may have been tampered with).
            old = dest.with_name(f".old-{manifest.version}-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(dest, old)
            os.replace(staging, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, dest)
        staging.mkdir()  # the caller's cleanup expects it

    def load(self, app_id: str, version: str) -> InstalledSource:
        """An installed package, its manifest signature checked again."""
        d = self.package_dir(app_id, version)
        mpath = d / MANIFEST_NAME
        if not mpath.is_file():
            raise AppNotInstalled(f"the files of app {app_id[:12]} {version} are missing: reinstall it")
        raw = mpath.read_bytes()
        sig = d / SIGNATURE_NAME
        manifest = _check_manifest_signature(raw, sig.read_bytes()) if sig.exists() else parse_manifest(raw)
        if manifest.id != app_id or manifest.version != version:
            raise PackageInvalid("the installed manifest does not match its folder")
        return InstalledSource(d, manifest)

    def remove(self, app_id: str, version: str | None = None) -> None:
        target = self.packages / app_id if version is None else self.package_dir(app_id, version)
        shutil.rmtree(target, ignore_errors=True)

    def remove_profile(self, identity_id: str, app_id: str) -> None:
        shutil.rmtree(self.profile_dir(identity_id, app_id), ignore_errors=True)
