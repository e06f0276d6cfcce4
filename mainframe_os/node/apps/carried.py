"""Installed app packages carried inside the vault, so a backup brings its apps back.

A signed app's verified package (manifest, signature, files: the `.mfapp` layout) is stored in
the vault beside the app's data (table app_data, kind "package", which the storage methods
apps call never list). When a restored vault meets a home whose `apps/packages` lacks the
files, they are written back from there and verified again like any install: the developer's
signature still decides. Bundled apps are re-copied from the program's own `apps/` folder.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .. import errors as E
from .manifest import MANIFEST_NAME, SIGNATURE_NAME, Manifest
from .package import FILES_PREFIX
from .store import AppFiles

PACKAGE_KIND = "package"
log = logging.getLogger("mainframe_os.apps")


def package_bytes(files: AppFiles, app_id: str, version: str) -> bytes | None:
    """The installed package as `.mfapp` bytes, or None if it is not a signed package."""
    d = files.package_dir(app_id, version)
    sig = d / SIGNATURE_NAME
    if not sig.is_file():
        return None  # bundled (unsigned): the program brings it back itself
    src = files.load(app_id, version)  # signature checked again
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(MANIFEST_NAME, (d / MANIFEST_NAME).read_bytes())
        z.writestr(SIGNATURE_NAME, sig.read_bytes())
        for entry in src.manifest.contents:
            z.writestr(FILES_PREFIX + entry.path, src.read(entry.path))
    return buf.getvalue()


def install_bytes(files: AppFiles, data: bytes) -> Manifest:
    """Verify carried package bytes and put the files in place (like installing a `.mfapp`)."""
    files.root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".carried-", suffix=".mfapp", dir=files.root)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return files.install(Path(tmp))
    finally:
        os.unlink(tmp)


async def bring_back(svc: Any, identity_id: str, rec: Any) -> str | None:
    """Put an installed app's missing files back; the version now in place, or None.

    Bundled apps come from this program's `apps/` folder (possibly a newer version, which the
    install record then follows); signed apps from the package carried in the vault.
    """
    from mainframe_os.datafiles import apps_dir
    from vault.models import AppData

    from .store import BUNDLED_APPS

    loop = asyncio.get_running_loop()
    try:
        if rec.source == "bundled":
            for name in BUNDLED_APPS:
                folder = apps_dir() / name
                if not (folder / MANIFEST_NAME).is_file():
                    continue
                m = await loop.run_in_executor(None, svc.files.install_unsigned, folder)
                if m.id == rec.app_id:
                    if m.version != rec.version:
                        await svc.approve(identity_id, m, list(m.optional), source="bundled")
                    return str(m.version)
            return None
        row = await svc.node.db(lambda s: s.get(AppData, (identity_id, rec.app_id, PACKAGE_KIND, "current")))
        if row is None:
            return None
        m = await loop.run_in_executor(None, install_bytes, svc.files, bytes(row.value))
    except E.RpcError:
        log.exception("could not bring back the files of an app")
        return None
    return str(m.version) if m.id == rec.app_id else None
