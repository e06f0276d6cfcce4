"""`mfos`: the command line. Every command ends in a node method call (see `mfos methods`)."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import sys
from typing import Any

from .framework import arg, build_parser
from .session import CliError, CliSession

# Modules declaring commands; later features append theirs.
COMMAND_MODULES = [
    "mainframe_os.cli.core_commands",
    "mainframe_os.cli.wallet_commands",
    "mainframe_os.cli.account_commands",
    "mainframe_os.cli.network_commands",
    "mainframe_os.cli.app_commands",
]

GLOBAL_ARGS = [
    arg("--home", help="home folder (default: $MAINFRAME_OS_HOME or the platform data dir)"),
    arg("--json", action="store_true", help="machine-readable output"),
    arg("--password-file", help="read the vault password from this file (or set $MFOS_PASSWORD)"),
    arg("--yes", "-y", action="store_true", help="approve prompts and confirmations (for scripts)"),
    arg("--verbose", "-v", action="store_true", help="log to stderr"),
    arg("--version", action="store_true", help="show the version, the commit and the component versions"),
]


def _load_commands() -> None:
    for mod in COMMAND_MODULES:
        importlib.import_module(mod)


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
    except OSError as exc:
        raise CliError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None
    finally:
        await session.close()


if __name__ == "__main__":
    sys.exit(main())
