"""A small declarative layer over argparse: each command is declared once with its arguments
and an async handler that returns what to print."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[Any, argparse.Namespace], Awaitable[Any]]
Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def arg(*flags: str, **kwargs: Any) -> Arg:
    return Arg(flags, kwargs)


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    help: str
    args: tuple[Arg, ...]
    handler: Handler
    vault: str  # "required" | "optional" | "none": whether --vault is taken
    formatter: Formatter | None


COMMANDS: list[Command] = []


def command(
    path: str, help: str, *args: Arg, vault: str = "none", formatter: Formatter | None = None
) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        COMMANDS.append(Command(tuple(path.split()), help, args, fn, vault, formatter))
        return fn

    return deco


def build_parser(prog: str, global_args: list[Arg]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Mainframe OS command line")
    for a in global_args:
        parser.add_argument(*a.flags, **a.kwargs)
    groups: dict[tuple[str, ...], Any] = {(): parser.add_subparsers(dest="cmd0", metavar="COMMAND")}
    parsers: dict[tuple[str, ...], argparse.ArgumentParser] = {}
    for c in COMMANDS:
        for depth in range(1, len(c.path)):
            prefix = c.path[:depth]
            if prefix not in parsers:
                p = groups[prefix[:-1]].add_parser(prefix[-1], help=f"{prefix[-1]} commands")
                parsers[prefix] = p
                groups[prefix] = p.add_subparsers(dest=f"cmd{depth}", metavar="COMMAND", required=True)
        p = groups[c.path[:-1]].add_parser(c.path[-1], help=c.help, description=c.help)
        if c.vault != "none":
            p.add_argument("--vault", required=c.vault == "required", help="the vault's name")
        for a in c.args:
            p.add_argument(*a.flags, **a.kwargs)
        p.set_defaults(_command=c)
    return parser
