"""The short way of a command to a running node: a few milliseconds instead of a few hundred.

When `mfos node` (or the launcher) serves this home's socket, most commands are one JSON-RPC
call: starting asyncio, argparse and the full command set would cost ten times the call. So
before anything else `mfos` looks here: a generated command (see `fast_table.py`) whose argv
reads plainly, for a vault the running node has open, is sent with a blocking socket client and
its result printed by the command's own formatter: the same bytes and exit code as the full CLI.

Anything else returns None before a byte is sent, and the full CLI runs as it always did: no
node (or a stale socket), another vault, a flow (several steps, secrets asked, files written),
help, --verbose, --version, an argv it does not read exactly, a stale table.

Nothing about who may call changes: the connection is made to the same socket, which the node
guards the same way for every client (0700 folder, 0600 socket, the peer's uid checked), and the
calls carry the same `cli` caller context. Prompts the call raises are answered as the full CLI
answers them (--yes, else the terminal).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from . import fast_table

# the full CLI's global options this path reads: those taking a value, and the switches
_VALUED = ("--home", "--password-file")
_SWITCHES = {"--json": "json", "--yes": "yes", "-y": "yes", "--send-failing": "send_failing"}
CONNECT_TIMEOUT = 2.0  # as the full CLI's check that a node answers (socket_client.why_not_alive)
CALL_TIMEOUT = 600.0  # as the full CLI's client


def _globals(argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The global options before the command's words, and the rest."""
    opts: dict[str, Any] = {"home": None, "json": False, "yes": False, "send_failing": False}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        tok = argv[i]
        if tok in _SWITCHES:
            opts[_SWITCHES[tok]] = True
            i += 1
        elif tok in _VALUED and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            opts[tok[2:].replace("-", "_")] = argv[i + 1]
            i += 2
        else:
            raise fast_table.NotPlain  # --verbose, --version, --help, anything else
    return opts, argv[i:]


def _formatter(entry: dict[str, Any]) -> Any:
    """The command's formatter, found by the name the full CLI recorded."""
    import importlib

    name = entry["formatter"]
    if name is None:
        return None
    module, _, qualname = name.partition(":")
    fn = getattr(importlib.import_module(module), qualname, None) if "." not in qualname else None
    if fn is None or f"{fn.__module__}:{fn.__qualname__}" != name:
        raise fast_table.NotPlain
    return fn


def _prepare(argv: list[str]) -> tuple[dict[str, Any], Path, dict[str, Any], dict[str, Any]] | None:
    """What to send where, or None when the full CLI must run."""
    opts, rest = _globals(argv)
    from ..node.paths import HomePaths

    paths = HomePaths.resolve(opts["home"])
    info_file = paths.run / "node.json"
    if not info_file.exists():
        return None  # no node running: the cold start (cli/startup.py)
    table = fast_table.load(paths.root, rest[0]) if rest else None
    if not table:
        return None
    words = rest[0] if rest[0] in table else " ".join(rest[:2])
    entry = table.get(words)
    if entry is None:
        return None
    values = fast_table.parse(entry, rest[len(entry["path"]) :])
    if entry["plan"]["needsVault"]:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        if not isinstance(info, dict) or info.get("vault") != values.get("vault"):
            return None  # the full CLI opens the vault here, and says why
    entry = dict(entry, formatterFn=None if opts["json"] else _formatter(entry))
    return opts, paths.socket, entry, values


def run(argv: list[str]) -> int | None:
    """Send the command to the running node and print its answer (the exit code), or None."""
    try:
        prepared = _prepare(argv)
    except Exception:  # noqa: BLE001 - NotPlain, an unreadable file, a table of another shape: nothing sent yet
        return None
    if prepared is None:
        return None
    opts, sock, entry, values = prepared
    from ..node.transport.socket_client import SocketClient

    def answer(prompt: dict[str, Any]) -> Any:
        from .session import answer_prompt

        return answer_prompt(prompt, yes=opts["yes"])

    try:
        client = SocketClient(sock, timeout=CONNECT_TIMEOUT, answer=answer)
    except (OSError, ValueError):
        return None  # the full CLI finds out why (and may say so)
    if not client.answers_prompts:
        client.close()
        return None
    client.sock.settimeout(CALL_TIMEOUT)
    try:
        return _call(client, opts, entry, values)
    finally:
        client.close()


class _Refused(Exception):
    def __init__(self, message: str, code: Any = None, data: Any = None) -> None:
        super().__init__(message)
        self.message, self.code, self.data = message, code, data


def _result(client: Any, method: str, params: Any) -> Any:
    resp = client.call(method, params)
    if "error" in resp:
        err = resp["error"]
        raise _Refused(err.get("message", "error"), err.get("code"), err.get("data"))
    return resp.get("result")


def _call(client: Any, opts: dict[str, Any], entry: dict[str, Any], values: dict[str, Any]) -> int:
    """The call and its output, as the full CLI's `main` prints them (cli/full.py)."""
    plan = entry["plan"]
    try:
        if plan["rawParams"]:
            result = _result(client, plan["method"], list(values["p_params"]))
        else:
            from .from_registry import params_from

            params, refs = params_from(plan, values)
            for name, ref in refs:
                from .session import CliError, pick

                items = _result(client, ref.list_method, None)
                try:
                    found = pick(items, params[name], ref.what, ref.name_key, fold_name_case=ref.fold_name_case)
                except CliError as exc:
                    raise _Refused(exc.message, exc.code, exc.data) from None
                params[name] = str(found["id"])
            result = _result(client, plan["method"], params)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except (_Refused, OSError) as exc:
        if isinstance(exc, OSError):  # as the full CLI words it (full._run)
            exc = _Refused(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        if opts["json"]:
            print(json.dumps({"error": {"code": exc.code, "message": exc.message, "data": exc.data}}))
        else:
            print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last edge, as in the full CLI
        print(f"error: unexpected {type(exc).__name__} (run with --verbose for details)", file=sys.stderr)
        return 70
    if result is not None:
        formatter = entry["formatterFn"]
        if opts["json"] or formatter is None:
            print(json.dumps(result, indent=None if opts["json"] else 2))
        else:
            print(formatter(result))
    return 0
