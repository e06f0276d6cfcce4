"""DESIGN.md's layering: vault/ stands alone, Qt only under mainframe_os/gui/, the core never
imports Qt or the GUI, and the GUI reaches the node only through its public modules (methods are
called through `node.call`, events heard through `node.events`). Checked by scanning sources,
relative imports resolved, and by importing the node in a clean interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the GUI may import from the node. Everything else (domain packages, method modules, the
# dispatcher) it reaches by calling methods or through one of these.
GUI_MAY_IMPORT = {
    "mainframe_os.node",  # the package itself, for `from mainframe_os.node import errors`
    "mainframe_os.node.node",  # the launcher makes its Node
    "mainframe_os.node.events",  # typed events
    "mainframe_os.node.errors",  # the error classes a screen catches
    "mainframe_os.node.context",  # CallerContext, which an app page calls as
    "mainframe_os.node.prompter",  # the Prompter interface the GUI implements, its request types
    "mainframe_os.node.registry",  # the SDK's method list is generated from it
    "mainframe_os.node.apps.hosting",  # the app host's narrow interface (verified files, sessions)
    "mainframe_os.node.paths",  # where the home is, before any node exists
    "mainframe_os.node.updates",  # the update checker the About screen shows
    "mainframe_os.node.transport.local_socket",  # the launcher serves the CLI's socket
    # One rule in one place: the forms check as you type with the node's own rules.
    "mainframe_os.node.password_rules",
    "mainframe_os.node.wallet.amounts",
    "mainframe_os.node.text",  # names from peers and files are made safe to show the node's way
}


# Import edges that close a cycle today and go away with another branch's work.
WAITING_EDGES: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _nodes(tree: ast.AST, runtime: bool) -> Iterator[ast.AST]:
    """The tree's nodes; with `runtime`, not those under `if TYPE_CHECKING:` (never run)."""
    for child in ast.iter_child_nodes(tree):
        if runtime and isinstance(child, ast.If) and "TYPE_CHECKING" in ast.dump(child.test):
            for c in child.orelse:
                yield c
                yield from _nodes(c, runtime)
            continue
        yield child
        yield from _nodes(child, runtime)


def imported_modules(source: str, module: str, is_package: bool = False, runtime: bool = False) -> Iterator[str]:
    """Every module `source` (the code of `module`) imports, absolute names, relative imports
    resolved; `from pkg import sub` names the submodule when `sub` is one. `runtime`: not the
    imports for type checkers only (under `if TYPE_CHECKING:`)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in _nodes(ast.parse(source), runtime):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            for a in node.names:
                if _is_module(f"{target}.{a.name}"):
                    yield f"{target}.{a.name}"


def _imports_of(path: Path, runtime: bool = False) -> set[str]:
    source = path.read_text(encoding="utf-8")
    return set(imported_modules(source, _module_name(path), path.name == "__init__.py", runtime))


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _graph(folder: Path) -> dict[str, set[str]]:
    """Who imports whom inside `folder` when the code runs (imports inside functions count)."""
    modules = {_module_name(f): f for f in folder.rglob("*.py")}
    return {m: (_imports_of(f, runtime=True) & set(modules)) - {m} for m, f in modules.items()}


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def _under(names: set[str], prefix: str) -> set[str]:
    return {n for n in names if n == prefix or n.startswith(prefix + ".")}


def test_relative_imports_are_resolved() -> None:
    src = "from ..gui import qt\nfrom . import errors\nfrom .wallet.amounts import parse_amount\nimport PySide6.QtGui\n"
    found = set(imported_modules(src, "mainframe_os.node.anything"))
    assert "mainframe_os.gui" in found and "mainframe_os.gui.qt" in found
    assert "mainframe_os.node.errors" in found and "mainframe_os.node.wallet.amounts" in found
    assert "PySide6.QtGui" in found


def test_cycle_finder_finds_a_cycle() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    src = "import x\nif TYPE_CHECKING:\n    import y\ndef f():\n    import z\n"
    assert set(imported_modules(src, "m", runtime=True)) == {"x", "z"}


def test_no_import_cycles_in_the_node_or_the_app_host() -> None:
    """A cycle means a module can run half-initialised, depending on who was imported first, or
    that two modules are one module split in two. Imports inside functions count (lazy is still
    a dependency); imports for type checkers only do not."""
    for folder in ("mainframe_os/node", "mainframe_os/gui"):
        graph = _graph(ROOT / folder)
        for importer, imported in WAITING_EDGES:
            graph.get(importer, set()).discard(imported)
        cycles = import_cycles(graph)
        assert not cycles, f"import cycles in {folder}: {cycles}"


def test_only_the_qt_doorways_import_pyside() -> None:
    doorways = {ROOT / "mainframe_os" / "gui" / "qt.py", ROOT / "mainframe_os" / "gui" / "qt_web.py"}
    for f in (ROOT / "mainframe_os").rglob("*.py"):
        if f in doorways:
            continue
        bad = _top(_imports_of(f)) & {"PySide6", "shiboken6"}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}: take Qt names from gui/qt.py or gui/qt_web.py"


def test_vault_stands_alone() -> None:
    for f in (ROOT / "vault").rglob("*.py"):
        bad = _top(_imports_of(f)) & {"mainframe_os", "PySide6", "qasync", "web3", "shiboken6"}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"


def test_qt_only_in_gui() -> None:
    for f in (ROOT / "mainframe_os").rglob("*.py"):
        if "gui" in f.relative_to(ROOT).parts:
            continue
        bad = _top(_imports_of(f)) & {"PySide6", "qasync", "shiboken6"}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"


def test_node_never_imports_gui_or_cli() -> None:
    for f in (ROOT / "mainframe_os" / "node").rglob("*.py"):
        names = _imports_of(f)
        bad = _under(names, "mainframe_os.gui") | _under(names, "mainframe_os.cli")
        assert not bad, f"{f.relative_to(ROOT)} imports {sorted(bad)}"


def test_gui_reaches_the_node_only_through_its_public_modules() -> None:
    offences = []
    for f in (ROOT / "mainframe_os" / "gui").rglob("*.py"):
        for name in sorted(_under(_imports_of(f), "mainframe_os.node")):
            if name not in GUI_MAY_IMPORT:
                offences.append(f"{f.relative_to(ROOT)} imports {name}")
    assert not offences, "\n".join(offences)


def test_node_and_cli_import_without_qt_or_web3() -> None:
    code = (
        "import sys, mainframe_os.node.node, mainframe_os.cli, mainframe_os.node.registry as r; r.REGISTRY.all();"
        "bad = [m for m in ('PySide6', 'web3', 'qasync') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_event_class_lives_in_the_events_module() -> None:
    """Subscribers import what they listen to from node/events.py, never from a domain package."""
    home = ROOT / "mainframe_os" / "node" / "events.py"
    waiting: set[Path] = set()
    strays = []
    for f in (ROOT / "mainframe_os").rglob("*.py"):
        if f == home or f in waiting:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "Event" for b in node.bases):
                strays.append(f"{f.relative_to(ROOT)}: {node.name}")
    assert not strays, "declare events in node/events.py:\n" + "\n".join(strays)
