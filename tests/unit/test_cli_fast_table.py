"""The short way's parse (cli/fast_table.py) reads argv as argparse does, or leaves it to argparse.

For every generated command, argv variants (each flag alone, positionals before and after the
options, a bad number, a missing argument, an unknown flag) go through the real argparse parser
of the full CLI and through `fast_table.parse`: where the fast parse answers, its values are
argparse's; where argparse refuses, the fast parse refuses too (the full CLI then prints its
error). The fast parse must also answer the plain spellings, or it would never be used.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from mainframe_os.cli import GLOBAL_ARGS, _load_commands, fast_table
from mainframe_os.cli.framework import build_parser

SAMPLES = {"int": "3", "float": "1.5", "object": '{"a": 1}', "any": "0.5", "json": '"x"', None: "abc"}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    home = tmp_path_factory.mktemp("home")
    commands = _load_commands(home=home)
    from mainframe_os.cli.full import _generated

    entries = fast_table.describe(commands, _generated)
    # through JSON and the compact form, as the short way reads it
    compact = {k: json.loads(json.dumps(fast_table._compact(e))) for k, e in entries.items()}
    for e in compact.values():
        e["args"] = [{**fast_table._ARG_DEFAULTS, **a} for a in e["args"]]
    return compact, build_parser("mfos", GLOBAL_ARGS, commands)


def _sample(a: dict[str, Any]) -> str:
    return str(a["choices"][0]) if a["choices"] else SAMPLES[a["type"]]


def _variants(entry: dict[str, Any]) -> list[list[str]]:
    """Plain spellings and awkward ones, for one command."""
    options = [a for a in entry["args"] if not a["positional"]]
    positionals = [a for a in entry["args"] if a["positional"]]
    required: list[str] = []
    for a in options:
        if a["required"]:
            switch = a["action"] in ("store_true", "bool_optional")
            required += [a["flags"][0]] if switch else [a["flags"][0], _sample(a)]
    pos = [_sample(a) for a in positionals if a["nargs"] in (None, "+")]
    out = [required + pos, pos + required, required, required + pos + ["--no-such-flag"], [*required, *pos, "extra"]]
    for a in options:
        if a["action"] == "bool_optional":  # --no-X, in place of --X when it is required
            rest = [t for t in required if t != a["flags"][0]]
            out.append([*rest, "--no-" + a["flags"][0][2:], *pos])
        if a["required"]:
            continue
        if a["action"] in ("store_true", "bool_optional"):
            out.append([*required, a["flags"][0], *pos])
        else:
            out.append([*required, a["flags"][0], _sample(a), *pos])
            out.append([*required, *pos, a["flags"][0], _sample(a)])
            out.append([*required, a["flags"][0], "-1", *pos])
            if a["type"] in ("int", "float"):
                out.append([*required, a["flags"][0], "not-a-number", *pos])
            if a["action"] == "append":
                out.append([*required, a["flags"][0], _sample(a), a["flags"][0], _sample(a), *pos])
    if len(pos) >= 1 and required:
        out.append([pos[0], *required, *pos[1:]])  # options between positionals
    return out


def _argparse(parser: Any, argv: list[str]) -> dict[str, Any] | None:
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            ns = parser.parse_args(argv)
        except SystemExit:
            return None
    if getattr(ns, "_command", None) is not None and ns._command.vault == "required" and ns.vault is None:
        return None  # check_vault's error
    return vars(ns)


def test_the_fast_parse_agrees_with_argparse_or_leaves_it_alone(table: tuple[dict[str, Any], Any]) -> None:
    entries, parser = table
    assert len(entries) > 100  # most commands can take the short way
    answered = refused_alike = 0
    for name, entry in entries.items():
        for tokens in _variants(entry):
            expected = _argparse(parser, [*entry["path"], *tokens])
            try:
                got = fast_table.parse(entry, tokens)
            except fast_table.NotPlain:
                refused_alike += expected is None
                continue
            assert expected is not None, f"{name} {tokens}: argparse refuses what the fast parse took"
            mine = {a["dest"]: got[a["dest"]] for a in entry["args"]}
            theirs = {a["dest"]: expected[a["dest"]] for a in entry["args"]}
            assert mine == theirs, f"{name} {tokens}"
            answered += 1
    assert answered > 500 and refused_alike > 100


def test_the_plain_spellings_are_read(table: tuple[dict[str, Any], Any]) -> None:
    entries, _ = table
    balances = fast_table.parse(entries["wallet balances"], ["--vault", "main", "--address", "0xabc"])
    assert balances["vault"] == "main" and balances["p_address"] == "0xabc"
    listed = fast_table.parse(entries["contact list"], ["--vault", "v", "--search", "bo"])
    assert listed["p_query"] == "bo"
    raw = fast_table.parse(entries["eth get-balance"], ["--vault", "v", '"0xabc"', "latest"])
    assert raw["p_params"] == ["0xabc", "latest"]


def test_flows_and_commands_sharing_words_with_them_are_left_out(table: tuple[dict[str, Any], Any]) -> None:
    entries, _ = table
    assert "vault create" not in entries  # asks for a new password
    assert "node status" not in entries  # `mfos node` is a flow
    assert not any(name.startswith("rpc") for name in entries)


def test_a_table_for_other_files_is_not_read(tmp_path: Path) -> None:
    _load_commands(home=tmp_path)  # the commands are loaded once per process: write the table here
    from mainframe_os.cli.full import COMMANDS, _generated
    from mainframe_os.cli.method_specs import fingerprint

    fast_table.save(tmp_path, fingerprint(), COMMANDS, _generated)
    assert fast_table.load(tmp_path, "wallet") is not None
    data = json.loads(fast_table.path_of(tmp_path).read_text())
    data["key"]["root"] = "/another/checkout/mainframe_os"
    fast_table.path_of(tmp_path).write_text(json.dumps(data))
    assert fast_table.load(tmp_path, "wallet") is None


def test_a_table_others_could_write_is_not_read(tmp_path: Path) -> None:
    """The table decides which method a command calls: one writable by other users is ignored."""
    _load_commands(home=tmp_path)
    from mainframe_os.cli.full import COMMANDS, _generated
    from mainframe_os.cli.method_specs import fingerprint

    fast_table.save(tmp_path, fingerprint(), COMMANDS, _generated)
    table = fast_table.path_of(tmp_path)
    assert table.stat().st_mode & 0o777 == 0o600 and fast_table.load(tmp_path, "wallet") is not None
    table.chmod(0o622)
    assert fast_table.load(tmp_path, "wallet") is None
    table.chmod(0o600)
    table.parent.chmod(0o777)
    assert fast_table.load(tmp_path, "wallet") is None
