"""The CLI is the registry: every method a trusted caller may use has `mfos <ns> <method>`, and a
generated command's arguments are its method's `Param`s (names, types, required-ness, secrets)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.cli import GLOBAL_ARGS, _load_commands
from mainframe_os.cli.framework import Arg, Command, build_parser
from mainframe_os.cli.from_registry import SHAPES, cli_visible, default_path, dest_for, flag_for, wire_spelling
from mainframe_os.node.params import Param
from mainframe_os.node.registry import REGISTRY, Method


def _commands() -> list[Command]:
    return _load_commands()


def _at(path: tuple[str, str], commands: list[Command]) -> Command | None:
    for c in commands:
        if c.path == path or (c.path[:-1] == path[:-1] and path[-1] in c.aliases):
            return c
    return None


def _dest(a: Arg) -> str:
    return str(a.kwargs.get("dest") or a.flags[0])


def _check_arg(m: Method, p: Param, a: Arg, problems: list[str]) -> None:
    positional = not a.flags[0].startswith("-")
    where = f"{m.name}.{p.name}"
    if p.type == "boolean":
        if a.kwargs.get("action") not in ("store_true", argparse.BooleanOptionalAction):
            problems.append(f"{where}: a boolean must be a switch")
    elif p.type == "integer" and a.kwargs.get("type") is not int:
        problems.append(f"{where}: an integer must parse as int")
    elif p.type == "number" and a.kwargs.get("type") is not float:
        problems.append(f"{where}: a number must parse as float")
    if positional:
        optional = a.kwargs.get("nargs") in ("?", "*")
        if optional == p.required:
            problems.append(f"{where}: positional, but required-ness differs from the Param")
    else:
        if bool(a.kwargs.get("required")) != p.required and p.type != "boolean":
            problems.append(f"{where}: flag required={a.kwargs.get('required')}, Param required={p.required}")
        # the rule, or the name a declared shape kept from before the registry made the command
        kept = {sh.flags.get(p.name) for sh in SHAPES.get(m.name, []) if sh.path is None}
        if a.flags[0] != flag_for(p) and a.flags[0] not in kept:
            problems.append(f"{where}: flag {a.flags[0]}, the rule says {flag_for(p)}")
    if p.description and a.kwargs.get("help") != p.description:
        problems.append(f"{where}: the help is not the Param's description")


def test_every_method_a_trusted_caller_may_use_has_its_command_with_its_params() -> None:
    commands = _commands()
    problems: list[str] = []
    visible = [m for m in REGISTRY.all() if cli_visible(m)]
    assert len(visible) > 80  # the registry loaded: eth_*, wallet_*, vault_*, ...
    for m in visible:
        cmd = _at(default_path(m.name), commands)
        if cmd is None:
            problems.append(f"{m.name}: no `mfos {' '.join(default_path(m.name))}`")
            continue
        if cmd.method != m.name:
            problems.append(f"{m.name}: `mfos {' '.join(cmd.path)}` calls {cmd.method}")
            continue
        if not cmd.handler.__qualname__.startswith("_handler."):
            continue  # a multi-step flow standing for the method (wallet create, vault backup, ...)
        assert (cmd.vault == "required") == m.needs_vault, m.name
        args = {_dest(a): a for a in cmd.args}
        if m.extra.get("raw_params"):
            assert list(args) == ["p_params"], m.name
            continue
        for p in m.params:
            a = args.pop(dest_for(p.name), None)
            if p.secret:
                if a is not None:
                    problems.append(f"{m.name}.{p.name}: a secret must never be an argument")
            elif a is None:
                problems.append(f"{m.name}.{p.name}: no argument")
            else:
                _check_arg(m, p, a, problems)
        if args:
            problems.append(f"{m.name}: arguments that are no Param: {sorted(args)}")
        if m.summary and m.summary not in (cmd.description or ""):
            problems.append(f"{m.name}: --help does not show the method's doc")
    assert problems == [], "\n".join(problems)


def test_methods_for_apps_only_have_no_command() -> None:
    commands = _commands()
    app_only = [m for m in REGISTRY.all() if not cli_visible(m)]
    assert {m.name for m in app_only} >= {"storage_get", "notifications_show", "payments_payContact"}
    assert [m.name for m in app_only if any(c.method == m.name for c in commands)] == []


def test_each_command_name_is_taken_once_and_the_parser_builds() -> None:
    commands = _commands()
    names: dict[tuple[str, ...], str] = {}
    for c in commands:
        for last in (c.path[-1], *c.aliases):
            key = (*c.path[:-1], last)
            assert key not in names, f"{key} is both {names[key]} and {c.method or c.path}"
            names[key] = str(c.method or c.path)
    parser = build_parser("mfos", GLOBAL_ARGS, commands)
    # the wire spelling works too, without a second entry in --help
    argv = wire_spelling(["--json", "wallet", "getBalances", "--vault", "v", "--address", "0xab"], set(names))
    assert argv[2] == "get-balances"
    args = parser.parse_args(argv)
    assert args._command.method == "wallet_getBalances" and args.p_address == "0xab"
    assert wire_spelling(["rpc", "wallet_getBalances"], set(names)) == ["rpc", "wallet_getBalances"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["vault", "create", "main"], {"p_name": "main", "p_remember": None}),
        (["wallet", "history", "--vault", "v", "--limit", "7"], {"p_limit": 7, "p_address": None}),
        (["wallet", "history", "--vault", "v"], {"p_limit": 50}),  # the limit `wallet history` always had
        (["network", "add", "x", "http://h", "--chain-id", "5", "--vault", "v"], {"p_chainId": 5}),
        (["apps", "approve-install", "A", "1.0", "--grant", "STORAGE", "--vault", "v"], {"p_grant": ["STORAGE"]}),
        (["eth", "get-balance", "0xab", "latest", "--vault", "v"], {"p_params": ["0xab", "latest"]}),
        (["swap", "quote", "--from", "ETH", "--to", "MFT", "--amount", "0.1", "--vault", "v"], {"p_amount": "0.1"}),
    ],
)
def test_arguments_parse_to_the_params_types(argv: list[str], expected: dict[str, Any]) -> None:
    args = build_parser("mfos", GLOBAL_ARGS, _commands()).parse_args(argv)
    assert {k: getattr(args, k) for k in expected} == expected


def test_the_declarations_cache_matches_the_registry_and_spares_the_imports(tmp_path: Path) -> None:
    from mainframe_os.cli import method_specs

    fresh = [method_specs.spec_of(m) for m in REGISTRY.all()]
    assert method_specs.load(tmp_path) == fresh  # built from the registry, and saved
    cache = tmp_path / "cache" / "cli-methods.json"
    assert method_specs.load(tmp_path) == fresh  # read back: the same declarations
    # read from the cache, no method module is imported (what makes `mfos` to a running node fast)
    probe = (
        "import sys; from pathlib import Path; from mainframe_os.cli import method_specs;"
        f"specs = method_specs.load(Path({str(tmp_path)!r}));"
        "print(len(specs), sorted(m for m in sys.modules if m.startswith('mainframe_os.node.methods.')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split(" ", 1) == [str(len(fresh)), "[]\n"], out.stdout + out.stderr
    # a cache written for other files (an edited method, another checkout) is not trusted
    saved = json.loads(cache.read_text())
    saved["key"]["files"][0][2] += 1
    saved["methods"] = saved["methods"][:1]
    cache.write_text(json.dumps(saved))
    assert method_specs.load(tmp_path) == fresh
    # a cache others could have written is not read: its declarations decide what commands call
    saved = json.loads(cache.read_text())
    saved["methods"] = saved["methods"][:1]
    cache.write_text(json.dumps(saved))
    for loose, mode in ((cache, 0o622), (cache.parent, 0o777)):
        loose.chmod(mode)
        assert method_specs.load(tmp_path) == fresh
        loose.chmod(0o600 if loose is cache else 0o700)
        cache.write_text(json.dumps(saved))
    assert len(method_specs.load(tmp_path)) == 1  # the same file kept private is read (the check bites)
    assert method_specs.load(None) == fresh  # no home: straight from the registry, nothing written


class _Recorder:
    """The session a command's handler talks to, reduced to what it sends: the call and its params."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def connect(self, vault: str | None) -> None:
        pass

    async def call(self, method: str, params: Any = None) -> Any:
        self.calls.append((method, params))
        return {}


def _sent(argv: list[str]) -> tuple[str, Any]:
    import asyncio

    args = build_parser("mfos", GLOBAL_ARGS, _commands()).parse_args(argv)
    session = _Recorder()
    asyncio.run(args._command.handler(session, args))
    return session.calls[-1]


def test_declared_words_stand_for_param_values(tmp_path: Path) -> None:
    # `contact hold --for-them on` and `contact verify --confirm no`, as typed before the registry
    sent = _sent(["contact", "hold", "--vault", "v", "bob", "--for-them", "on", "--for-me", "off"])
    assert sent == ("contacts_setHolding", {"id": "bob", "holdForThem": True, "holdsForMe": False})
    assert _sent(["contact", "verify", "--vault", "v", "bob", "--confirm", "no"])[1]["confirm"] is False
    assert "confirm" not in _sent(["contact", "verify", "--vault", "v", "bob"])[1]  # not given: not sent
    with pytest.raises(SystemExit):
        build_parser("mfos", GLOBAL_ARGS, _commands()).parse_args(
            ["contact", "hold", "--vault", "v", "b", "--for-me", "x"]
        )


def test_local_paths_reach_the_node_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the node (a running launcher) has its own working folder: a relative path means the terminal's
    monkeypatch.chdir(tmp_path)
    assert _sent(["files", "cid", "a/b.txt"]) == ("files_cid", {"path": str(tmp_path / "a" / "b.txt")})
    method, params = _sent(["files", "get", "--vault", "v", "/Docs/x", "out.bin"])
    assert params["out"] == str(tmp_path / "out.bin") and params["file"] == "/Docs/x"  # not a local path
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _sent(["files", "add", "--vault", "v", "~/x", "--to", "/D"])[1] == {
        "path": str(tmp_path / "home" / "x"),
        "folder": "/D",
    }


@pytest.mark.parametrize(
    ("argv", "method", "params"),
    [  # messaging's and files' commands as typed before they were declared, and the call they make
        (["peer", "card", "--vault", "v"], "peer_card", {}),
        (
            ["contact", "request", "--vault", "v", "CARD", "--message", "hi"],
            "contacts_request",
            {"card": "CARD", "message": "hi"},
        ),
        (["contact", "requests", "--vault", "v"], "contacts_requests", {}),
        (["contact", "block", "--vault", "v", "ab12"], "contacts_block", {"id": "ab12"}),
        (["msg", "send", "--vault", "v", "Bob", "hello"], "comms_send", {"contact": "Bob", "text": "hello"}),
        (
            ["msg", "send", "--vault", "v", "Bob", "--payload", '{"a": 1}'],
            "comms_send",
            {"contact": "Bob", "payload": {"a": 1}},
        ),
        (["msg", "list", "--vault", "v"], "comms_list", {"limit": 50}),
        (["msg", "list", "--vault", "v", "Bob", "--limit", "3"], "comms_list", {"contact": "Bob", "limit": 3}),
        (
            ["group", "create", "--vault", "v", "Trip", "Bob", "Carol"],
            "groups_create",
            {"name": "Trip", "contacts": ["Bob", "Carol"]},
        ),
        (["group", "list", "--vault", "v"], "groups_list", {}),
        (["group", "add", "--vault", "v", "Trip", "Dan"], "groups_add", {"group": "Trip", "contact": "Dan"}),
        (["group", "remove", "--vault", "v", "Trip", "Dan"], "groups_remove", {"group": "Trip", "member": "Dan"}),
        (["group", "leave", "--vault", "v", "Trip"], "groups_leave", {"group": "Trip"}),
        (["group", "send", "--vault", "v", "Trip", "hi all"], "groups_send", {"group": "Trip", "text": "hi all"}),
        (["files", "rm", "--vault", "v", "/a"], "files_remove", {"file": "/a"}),
        (
            ["files", "mv", "--vault", "v", "/a", "--to", "/B", "--name", "b"],
            "files_move",
            {"file": "/a", "folder": "/B", "name": "b"},
        ),
        (["files", "gc", "--vault", "v"], "files_gc", {}),
    ],
)
def test_declared_commands_keep_their_names_and_flags(argv: list[str], method: str, params: dict[str, Any]) -> None:
    assert _sent(argv) == (method, params)
