"""`mfos`: the command line. Every command ends in a node method call (see `mfos methods`).

A command for a running node (`mfos node`, or the launcher) goes the short way when it can
(`through_node.py`: no asyncio, no argparse, a few milliseconds); everything else, and anything
that way does not read exactly, runs the full command line (`full.py`), which prints the same.
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    """Run one command. Without `argv` (the `mfos` program itself: its console script, `python -m
    mainframe_os.cli`) the process ends as soon as the command is done (see `_end_process`);
    with `argv` (tests, embedding) it returns the exit code."""
    code = _command(sys.argv[1:] if argv is None else argv)
    if argv is None:
        _end_process(code)
    return code


def _command(args: list[str]) -> int:
    from .through_node import run

    code = run(args)
    if code is not None:
        return code
    from .full import main as full_main

    return full_main(args)


def _end_process(code: int) -> None:
    """End the process now, skipping the interpreter's teardown: after a cold command it frees
    py-evm's, web3's and SQLAlchemy's module graphs object by object, about 0.4 s that nothing
    needs (the vault and the chain are closed, the output written). What an exit must still do
    is done first: the atexit handlers run and the output is flushed. A thread still running
    (nothing should be) gets the ordinary exit, which waits for it."""
    import threading

    if threading.active_count() > 1:
        return
    import atexit
    import os

    atexit._run_exitfuncs()  # logging's flush, temporary files' cleanup...
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed pipe: the ordinary exit reports it as before
    os._exit(code)


# the full CLI's names, loaded on first use (tests and tools reach them here)
_FULL_NAMES = frozenset(
    {"COMMANDS", "COMMAND_MODULES", "GLOBAL_ARGS", "_load_commands", "_home", "_words", "_relevant"}
)


def __getattr__(name: str) -> Any:
    if name not in _FULL_NAMES:  # a submodule not imported yet, or no such name
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import full

    return getattr(full, name)


if __name__ == "__main__":
    sys.exit(main())
