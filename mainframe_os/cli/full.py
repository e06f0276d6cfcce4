"""The full command line: argparse over every command, run on asyncio (see `cli/__init__.py`
for the short way a command takes to a running node).

`mfos <namespace> <method>` is generated from the node's method registry (`from_registry.py`);
the modules below hold only the flows with more than one step.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from . import passwords
from .framework import COMMANDS, Command, arg, build_parser, check_vault
from .session import CliError, CliSession

# Modules declaring commands; later features append theirs.
COMMAND_MODULES = [
    "mainframe_os.cli.core_commands",
    "mainframe_os.cli.wallet_commands",
    "mainframe_os.cli.account_commands",
    "mainframe_os.cli.app_commands",
    "mainframe_os.cli.files_commands",
    "mainframe_os.cli.comms_commands",
]

GLOBAL_ARGS = [
    arg("--home", help="home folder (default: $MAINFRAME_OS_HOME or the platform data dir)"),
    arg("--json", action="store_true", help="machine-readable output"),
    arg("--password-file", help="read the vault password from this file (or set $MFOS_PASSWORD)"),
    arg("--yes", "-y", action="store_true", help="approve prompts and confirmations (for scripts)"),
    arg(
        "--send-failing",
        action="store_true",
        help="with --yes: also send a transaction whose estimate says it will most likely fail",
    ),
    arg("--verbose", "-v", action="store_true", help="log to stderr"),
    arg("--version", action="store_true", help="show the version, the commit and the component versions"),
]


_generated: list[Command] = []


def _load_commands(generated: bool = True, home: Path | None = None) -> list[Command]:
    """The flows, and (unless `generated` is false) the commands generated from the method
    declarations (read from `home`'s cache when it is current: see method_specs.py)."""
    for mod in COMMAND_MODULES:
        importlib.import_module(mod)
    if generated and not _generated:
        from .from_registry import generate
        from .method_specs import load

        _generated.extend(generate(COMMANDS, load(home)))
        COMMANDS.extend(_generated)
        from . import fast_table
        from .method_specs import fingerprint

        # what the next command needs to go the short way to a running node (through_node.py)
        fast_table.save(home, fingerprint(), COMMANDS, _generated)
    return COMMANDS


def _home(argv: list[str]) -> Path | None:
    """The home folder argv names (or the default one), read before the parser exists."""
    from ..node.paths import HomePaths

    for i, tok in enumerate(argv):
        if tok == "--home" and i + 1 < len(argv):
            return HomePaths.resolve(argv[i + 1]).root
        if tok.startswith("--home="):
            return HomePaths.resolve(tok.split("=", 1)[1]).root
    try:
        return HomePaths.resolve(None).root
    except Exception:  # noqa: BLE001 - no platform data dir: no cache, nothing else changes
        return None


# global options that take a value: skipped when looking for the command's words
_VALUED = {a.flags[0] for a in GLOBAL_ARGS if a.kwargs.get("action") is None} | {"--vault"}


def _words(argv: list[str]) -> list[str] | None:
    """The command's words in argv (options and their values left out); None when help is asked."""
    words: list[str] = []
    skip = False
    for tok in argv:
        if skip:
            skip = False
        elif tok in ("-h", "--help"):
            return None
        elif tok.startswith("-"):
            skip = tok in _VALUED
        else:
            words.append(tok)
    return words


def _names_a_flow(words: list[str]) -> bool:
    """Whether the words name a hand-written flow, so no method declaration is needed to parse
    them (a cold `mfos node` or `mfos vault backup` stays as fast as before)."""
    flows = {c.path: c for c in _load_commands(generated=False)}
    if tuple(words[:2]) in flows:
        return True
    one = flows.get(tuple(words[:1]))
    # `mfos rpc METHOD` is the flow; `mfos node status` is generated although `mfos node` is a flow
    return one is not None and (len(words) == 1 or any(not a.flags[0].startswith("-") for a in one.args))


def _relevant(commands: list[Command], words: list[str] | None) -> list[Command]:
    """The commands under the first word (argparse builds a parser per command: ~130 of them
    cost more than the call itself); all of them when the word is unknown or help is asked."""
    if not words:
        return commands
    first = words[0]
    picked = [c for c in commands if c.path[0] == first or (len(c.path) == 1 and first in c.aliases)]
    return picked or commands


class _NoTraceback(logging.Formatter):
    """Log lines on the terminal stay one line each; --verbose shows the tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None})
        return super().format(record)


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv)[:1] == ["--version"]:
        return _print_version()  # before loading the commands: stays fast
    argv = sys.argv[1:] if argv is None else argv
    words = _words(argv)
    if words is None or not _names_a_flow(words):
        _load_commands(home=_home(argv))
    commands = _relevant(COMMANDS, words)
    if _generated:
        from .from_registry import wire_spelling

        argv = wire_spelling(argv, {c.path for c in commands})
    parser = build_parser("mfos", GLOBAL_ARGS, commands)
    args = parser.parse_args(argv)
    check_vault(args)
    cmd = getattr(args, "_command", None)
    if args.version:
        return _print_version()
    if cmd is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(_NoTraceback("%(levelname)s:%(name)s:%(message)s"))
    try:
        result = asyncio.run(_run(cmd, args))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except CliError as exc:
        if args.json:
            print(json.dumps({"error": {"code": exc.code, "message": exc.message, "data": exc.data}}))
        else:
            print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last edge: one line, never a traceback
        logging.getLogger("mainframe_os.cli").debug("unexpected error", exc_info=exc)
        print(f"error: unexpected {type(exc).__name__} (run with --verbose for details)", file=sys.stderr)
        return 70  # EX_SOFTWARE: the sweep test tells this apart from a clean refusal (1)
    if result is not None:
        if args.json or cmd.formatter is None:
            print(json.dumps(result, indent=None if args.json else 2))
        else:
            print(cmd.formatter(result))
    return 0


def _print_version() -> int:
    from mainframe_os.about import report

    print(report())
    return 0


async def _run(cmd: Any, args: Any) -> Any:
    session = CliSession(args)
    try:
        return await cmd.handler(session, args)
    except passwords.PasswordUnavailable as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None
    finally:
        await session.close()


if __name__ == "__main__":
    sys.exit(main())
