"""`mfos`: the command line. Every command ends in a node method call (see `mfos methods`)."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import sys
from typing import Any

from . import passwords
from .framework import arg, build_parser
from .session import CliError, CliSession

# Modules declaring commands; later features append theirs.
COMMAND_MODULES = [
    "mainframe_os.cli.core_commands",
    "mainframe_os.cli.wallet_commands",
    "mainframe_os.cli.account_commands",
    "mainframe_os.cli.network_commands",
    "mainframe_os.cli.app_commands",
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


def _load_commands() -> None:
    for mod in COMMAND_MODULES:
        importlib.import_module(mod)


class _NoTraceback(logging.Formatter):
    """Log lines on the terminal stay one line each; --verbose shows the tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None})
        return super().format(record)


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv)[:1] == ["--version"]:
        return _print_version()  # before loading the commands: stays fast
    _load_commands()
    parser = build_parser("mfos", GLOBAL_ARGS)
    args = parser.parse_args(argv)
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
