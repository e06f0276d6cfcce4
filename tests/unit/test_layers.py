"""DESIGN.md's layering: vault/ stands alone, Qt only under mainframe_os/gui/, the core never
imports Qt (checked both by scanning sources and by importing the node in a clean interpreter)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_vault_stands_alone() -> None:
    for f in (ROOT / "vault").rglob("*.py"):
        bad = _imports(f) & {"mainframe_os", "PySide6", "qasync", "web3", "shiboken6"}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"


def test_qt_only_in_gui() -> None:
    for f in (ROOT / "mainframe_os").rglob("*.py"):
        if "gui" in f.relative_to(ROOT).parts:
            continue
        bad = _imports(f) & {"PySide6", "qasync", "shiboken6"}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"


def test_node_and_cli_import_without_qt_or_web3() -> None:
    code = (
        "import sys, mainframe_os.node.node, mainframe_os.cli, mainframe_os.node.registry as r; r.REGISTRY.all();"
        "bad = [m for m in ('PySide6', 'web3', 'qasync') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
