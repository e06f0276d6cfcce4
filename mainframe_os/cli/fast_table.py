"""The generated commands as plain data, for the short way to a running node (`through_node.py`).

The full CLI builds an argparse parser from every method's declaration; a process that only
forwards one call to a running node cannot afford that (importing asyncio, argparse and the
declarations costs several times the call). So each time the full CLI generates its commands it
also writes `<home>/cache/cli-fast.json`: for each generated command, its words, its arguments
exactly as handed to argparse (flags, dest, action, nargs, type, choices, required, default), its
call plan (`from_registry.call_plan`) and its formatter. The file is keyed by the files it comes
from (this checkout's `mainframe_os/cli/*.py` and the method declarations' files, path, size,
mtime): an edit, or another checkout, makes it stale and the full CLI runs (and rewrites it).

`parse` reads argv against one entry the way argparse would, for the plain cases only: anything
else (an unknown or abbreviated flag, `--flag=value`, a value starting with `-`, positionals
split by options, help, a bad value) returns None, and the full CLI parses it and says what it
says. This module imports nothing heavy: it runs before every command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .framework import Arg, Command

FORMAT = 1
CLI_DIR = Path(__file__).resolve().parent
ROOT = CLI_DIR.parent  # the mainframe_os package this table describes


def path_of(home: Path) -> Path:
    return home / "cache" / "cli-fast.json"


# -- writing (the full CLI) ------------------------------------------------------------------------


def _key(declaration_files: list[list[Any]]) -> dict[str, Any]:
    files = [list(f) for f in declaration_files]
    for f in sorted(CLI_DIR.glob("*.py")):
        st = f.stat()
        files.append([str(f), st.st_size, st.st_mtime_ns])
    return {"format": FORMAT, "root": str(ROOT), "files": files}


def _type_name(fn: Any) -> str | None | bool:
    """The name of an argparse `type` the fast parse knows (None: no type); False: unknown."""
    from . import from_registry as fr

    known = {int: "int", float: "float", fr._TYPES["object"]: "object", fr._any_value: "any", fr._loose_json: "json"}
    if fn is None:
        return None
    return known.get(fn, False)


_KNOWN_KWARGS = {"dest", "action", "nargs", "type", "choices", "required", "default", "help", "metavar"}


def _arg(a: Arg) -> dict[str, Any] | None:
    kw = a.kwargs
    if set(kw) - _KNOWN_KWARGS:
        return None
    action = kw.get("action")
    if action is not None and not isinstance(action, str):
        action = "bool_optional" if getattr(action, "__name__", "") == "BooleanOptionalAction" else None
        if action is None:
            return None
    action = action or "store"
    if action not in ("store", "store_true", "append", "bool_optional"):
        return None
    type_name = _type_name(kw.get("type"))
    if type_name is False:
        return None
    positional = not a.flags[0].startswith("-")
    if positional and (action != "store" or len(a.flags) != 1):
        return None
    dest = a.flags[0] if positional else kw.get("dest") or a.flags[0].lstrip("-").replace("-", "_")
    return {
        "flags": list(a.flags),
        "positional": positional,
        "dest": dest,
        "action": action,
        "nargs": kw.get("nargs"),
        "type": type_name,
        "choices": list(kw["choices"]) if kw.get("choices") is not None else None,
        "required": bool(kw.get("required", False)),
        "default": kw.get("default"),
    }


def _entry(c: Command) -> dict[str, Any] | None:
    """One generated command as data, or None when the fast parse could not read it exactly."""
    if c.plan is None or c.plan["asks"] or c.aliases or c.vault not in ("none", "required"):
        return None
    args = []
    if c.vault == "required":
        args.append({"flags": ["--vault"], "positional": False, "dest": "vault", "action": "store", "nargs": None,
                     "type": None, "choices": None, "required": True, "default": None})  # fmt: skip
    for a in c.args:
        described = _arg(a)
        if described is None:
            return None
        args.append(described)
    fmt = c.formatter
    formatter = None if fmt is None else f"{fmt.__module__}:{fmt.__qualname__}"
    entry = {"path": list(c.path), "args": args, "plan": c.plan, "formatter": formatter}
    try:
        json.dumps(entry)
    except (TypeError, ValueError):
        return None
    return entry


# what an argument's entry leaves out (the table is read before every command: the smaller the better)
_ARG_DEFAULTS: dict[str, Any] = {
    "positional": False, "action": "store", "nargs": None, "type": None, "choices": None, "required": False,
    "default": None,
}  # fmt: skip


def _compact(entry: dict[str, Any]) -> dict[str, Any]:
    args = [{k: v for k, v in a.items() if k not in _ARG_DEFAULTS or _ARG_DEFAULTS[k] != v} for a in entry["args"]]
    return dict(entry, args=args)


def describe(commands: list[Command], generated: list[Command]) -> dict[str, Any]:
    """The entries of the generated commands no flow shares words with (a flow always takes the
    full CLI: it may ask, write files, or take several steps)."""
    flows = [c for c in commands if c.plan is None]
    flow_paths = {c.path for c in flows} | {(*c.path[:-1], alias) for c in flows for alias in c.aliases}
    paths = [c.path for c in generated]

    def shares_words(path: tuple[str, ...]) -> bool:
        """A flow at, under or above these words; or a command above or under them (`mfos X`
        and `mfos X y` both: argparse tells them apart, the fast parse does not try)."""
        near_flow = any(path[: len(f)] == f or f[: len(path)] == path for f in flow_paths)
        return near_flow or any(p != path and (p[: len(path)] == path or path[: len(p)] == p) for p in paths)

    out: dict[str, Any] = {}
    for c in generated:
        entry = None if shares_words(c.path) else _entry(c)
        if entry is not None:
            out[" ".join(c.path)] = entry
    return out


def save(
    home: Path | None, declaration_files: list[list[Any]], commands: list[Command], generated: list[Command]
) -> None:
    """Write the table for `home` unless the one there is current (a missing home gets none)."""
    if home is None or not home.is_dir():
        return
    import contextlib

    cache = path_of(home)
    key = _key(declaration_files)
    try:
        if json.loads(cache.read_text(encoding="utf-8")).get("key") == key:
            return
    except (OSError, ValueError, AttributeError):
        pass
    # one JSON text per first word: a command parses only its own word's entries
    by_word: dict[str, dict[str, Any]] = {}
    for name, entry in describe(commands, generated).items():
        by_word.setdefault(name.split()[0], {})[name] = _compact(entry)
    text = json.dumps({"key": key, "words": {w: json.dumps(e) for w, e in by_word.items()}})
    with contextlib.suppress(OSError):  # a read-only home still works, through the full CLI
        cache.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, cache)


# -- reading (before anything else) ----------------------------------------------------------------


def load(home: Path, word: str) -> dict[str, Any] | None:
    """The entries of the commands starting with `word` ("wallet balances": ...) when the table is
    there and current for this checkout, else None."""
    try:
        path = path_of(home)
        if not written_by_this_user_only(path):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        key = data["key"]
        if key["format"] != FORMAT or key["root"] != str(ROOT):
            return None
        for name, size, mtime in key["files"]:
            st = os.stat(name)
            if st.st_size != size or st.st_mtime_ns != mtime:
                return None
        text = data["words"].get(word)
        entries = json.loads(text) if isinstance(text, str) else None
        if not isinstance(entries, dict):
            return None
        for entry in entries.values():
            entry["args"] = [{**_ARG_DEFAULTS, **a} for a in entry["args"]]
        return entries
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def written_by_this_user_only(path: Path) -> bool:
    """Whether only this user could have written `path` (and its folder): a table that decides
    which method a command calls is not read when others could edit it (the registry answers)."""
    for p in (path, path.parent):
        st = os.stat(p)
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            return False
    return True


class NotPlain(Exception):
    """argv is not one the fast parse reads exactly: the full CLI takes it."""


def _convert(a: dict[str, Any], text: str) -> Any:
    if text.startswith("-"):
        raise NotPlain  # argparse reads it as an option unless it looks like a negative number
    kind = a["type"]
    try:
        if kind is None:
            value: Any = text
        elif kind in ("int", "float"):
            value = int(text) if kind == "int" else float(text)
        else:
            from . import from_registry as fr

            convert = {"object": fr._TYPES["object"], "any": fr._any_value, "json": fr._loose_json}[kind]
            value = convert(text)
    except Exception as exc:  # noqa: BLE001 - argparse says what is wrong with it
        raise NotPlain from exc
    if a["choices"] is not None and value not in a["choices"]:
        raise NotPlain
    return value


def parse(entry: dict[str, Any], tokens: list[str]) -> dict[str, Any]:
    """The values (by dest) argparse would give for the command's own tokens; NotPlain otherwise."""
    options: dict[str, dict[str, Any]] = {}
    positionals = [a for a in entry["args"] if a["positional"]]
    values: dict[str, Any] = {}
    for a in entry["args"]:
        default = a["default"]
        if isinstance(default, str) and a["type"] is not None and not a["positional"]:
            default = _convert(a, default)
        values[a["dest"]] = default
        if not a["positional"]:
            for flag in a["flags"]:
                options[flag] = a
                if a["action"] == "bool_optional":
                    options["--no-" + flag[2:]] = a
    given: set[str] = set()
    loose: list[str] = []
    after_options = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.startswith("-") or tok == "-":
            if tok == "-" or (loose and after_options):
                raise NotPlain  # argparse matches positionals split by options in its own way
            loose.append(tok)
            i += 1
            continue
        a = options.get(tok)
        if a is None:
            raise NotPlain  # unknown, abbreviated, --flag=value, help
        after_options = bool(loose)
        given.add(a["dest"])
        if a["action"] == "store_true":
            values[a["dest"]] = True
            i += 1
        elif a["action"] == "bool_optional":
            values[a["dest"]] = not tok.startswith("--no-")
            i += 1
        else:
            if i + 1 >= len(tokens) or a["nargs"] is not None:
                raise NotPlain
            value = _convert(a, tokens[i + 1])
            if a["action"] == "append":
                values[a["dest"]] = [*(values[a["dest"]] or []), value]
            else:
                values[a["dest"]] = value
            i += 2
    for a in positionals:
        nargs = a["nargs"]
        if nargs is None:
            if not loose:
                raise NotPlain
            values[a["dest"]] = _convert(a, loose.pop(0))
        elif nargs == "?":
            if loose:
                values[a["dest"]] = _convert(a, loose.pop(0))
        elif nargs in ("*", "+"):
            if nargs == "+" and not loose:
                raise NotPlain
            values[a["dest"]] = [_convert(a, t) for t in loose]
            loose = []
        else:
            raise NotPlain
    if loose:
        raise NotPlain
    if any(a["required"] and a["dest"] not in given for a in entry["args"] if not a["positional"]):
        raise NotPlain
    return values
