"""The reference: CIDs computed by ipfs-unixfs-importer (npm, what @helia/unixfs uses), run by
node.js at test time. A missing node or npm fails the test: this is the compatibility proof."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support.npm_packages import npm_package, require_tool

IMPORTER_VERSION = "17.1.1"
SCRIPT = Path(__file__).parents[2] / "support" / "unixfs_reference.mjs"


def helia_cids(files: list[Path], chunk: int | None = None, width: int | None = None) -> list[str]:
    modules = npm_package("ipfs-unixfs-importer", IMPORTER_VERSION).parent
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if chunk is not None:
        env["UNIXFS_CHUNK"] = str(chunk)
    if width is not None:
        env["UNIXFS_WIDTH"] = str(width)
    done = subprocess.run(
        [require_tool("node"), str(SCRIPT), str(modules), *map(str, files)],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out: list[str] = json.loads(done.stdout)
    assert len(out) == len(files)
    return out
