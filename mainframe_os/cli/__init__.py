"""`mfos`: the command line. Every command ends in a node method call (see `mfos methods`).

A command for a running node (`mfos node`, or the launcher) goes the short way when it can
(`through_node.py`: no asyncio, no argparse, a few milliseconds); everything else, and anything
that way does not read exactly, runs the full command line (`full.py`), which prints the same.
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from .through_node import run

    code = run(args)
    if code is not None:
        return code
    from .full import main as full_main

    return full_main(args)


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
