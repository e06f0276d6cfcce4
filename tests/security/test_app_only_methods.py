"""Methods that act for the calling app (its storage, files, picked contacts, channels) are for
apps only: `mfos --help` shows none of them, and the dispatcher refuses them to the launcher and
the CLI. One flag says it (`Method.app_only`), and a handler that reads the calling app must carry
it, so a new app method cannot slip into the CLI."""

from __future__ import annotations

import argparse
import ast
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mainframe_os.cli import GLOBAL_ARGS, _load_commands
from mainframe_os.cli.framework import build_parser
from mainframe_os.node import errors as E
from mainframe_os.node.context import CallerContext
from mainframe_os.node.node import Node
from mainframe_os.node.registry import REGISTRY, SERVICE_MODULES
from tests.unit.apps.conftest import ScriptedPrompter


def _help_tree(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    """Every command path under `parser`: its parser, and the `--help` text of the group listing it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listing = parser.format_help()
            for name, sub in action.choices.items():
                yield (*path, name), sub, listing
                yield from _help_tree(sub, (*path, name))


def test_no_app_only_method_is_in_any_mfos_help_tree() -> None:
    app_only = {m.name for m in REGISTRY.all() if m.app_only}
    assert {"files_appList", "files_appOpenWrite", "comms_appSend", "payments_payContact"} <= app_only
    tree = list(_help_tree(build_parser("mfos", GLOBAL_ARGS, _load_commands())))
    assert len(tree) > 150  # the whole tree was walked: every namespace and its commands
    shown = []
    for path, sub, listing in tree:
        assert path[-1] in listing  # each name is one `--help` lists
        cmd = sub.get_default("_command")
        if cmd is not None and cmd.method in app_only:
            shown.append(f"mfos {' '.join(path)} -> {cmd.method}")
    assert shown == []


def test_mfos_files_help_lists_no_app_commands(home: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", "files", "--help"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert " add " in out.stdout and " get " in out.stdout  # the user's own file commands stay
    assert "app-" not in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "mainframe_os.cli", "files", "app-list"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 2 and "invalid choice" in out.stderr


def _handlers_reading_the_app() -> Iterator[tuple[str, str]]:
    """(wire name, module) of each declared handler whose body calls `app_caller(ctx)`."""
    for mod in SERVICE_MODULES:
        spec = importlib.util.find_spec(mod)
        assert spec is not None and spec.origin is not None
        tree = ast.parse(Path(spec.origin).read_text())
        for fn in tree.body:
            if not isinstance(fn, ast.AsyncFunctionDef):
                continue
            names = [
                d.args[0].value
                for d in fn.decorator_list
                if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "method" and d.args
                if isinstance(d.args[0], ast.Constant)
            ]
            calls = {c.func.id for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
            if names and "app_caller" in calls:
                yield str(names[0]), mod


def test_a_handler_that_acts_for_the_calling_app_is_declared_app_only() -> None:
    found = list(_handlers_reading_the_app())
    assert len(found) > 20  # the scan sees the storage, files, comms and messenger handlers
    assert [name for name, _ in found if not REGISTRY.get(name).app_only] == []  # type: ignore[union-attr]


async def test_the_launcher_and_the_cli_are_refused_every_app_only_method(
    node: Node, prompter: ScriptedPrompter
) -> None:
    refused = []
    for m in REGISTRY.all():
        if not m.app_only:
            continue
        params = {p.name: _plausible(p.type) for p in m.params if p.required}
        for ctx in (CallerContext.launcher(), CallerContext.cli()):
            with pytest.raises(E.InvalidRequest, match="only apps call it"):
                await node.call(m.name, params, ctx)
        refused.append(m.name)
    assert len(refused) > 30 and prompter.asked == []  # refused before any handler ran: nobody was asked


def _plausible(kind: str) -> object:
    return {"integer": 1, "number": 1, "boolean": False, "object": {}, "array": [], "any": "1"}.get(kind, "x")
