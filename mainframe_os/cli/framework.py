"""A small declarative layer over argparse: each command is declared once with its arguments
and an async handler that returns what to print.

Most commands are not written here by hand: `cli/from_registry.py` builds one per node method
from the method's `Param`s. `@command` is for the multi-step flows (a phrase to confirm, a file
to write, a question before deleting); a flow names the method it ends in (`method=`) and then
also answers to that method's generated name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

Handler = Callable[[Any, "argparse.Namespace"], Awaitable[Any]]
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
    method: str | None = None  # the node method the command ends in (None: several, or none)
    aliases: tuple[str, ...] = ()  # other names for the last word of `path`
    description: str | None = None  # the --help text (default: `help`)
    # a generated command's call as plain data (from_registry.call_plan): the full CLI and the
    # short way to a running node (cli/fast_table.py) both build the call from it
    plan: dict[str, Any] | None = None


COMMANDS: list[Command] = []


def command(
    path: str,
    help: str,
    *args: Arg,
    vault: str = "none",
    formatter: Formatter | None = None,
    method: str | None = None,
) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        COMMANDS.append(Command(tuple(path.split()), help, args, fn, vault, formatter, method))
        return fn

    return deco


def build_parser(prog: str, global_args: list[Arg], commands: list[Command] | None = None) -> argparse.ArgumentParser:
    import argparse  # here: a command sent to a running node never builds a parser (cli/__init__.py)

    parser = argparse.ArgumentParser(prog=prog, description="Mainframe OS command line")
    for a in global_args:
        parser.add_argument(*a.flags, **a.kwargs)
    cmds = COMMANDS if commands is None else commands
    # `mfos node` serves; `mfos node status` calls node_status: a word can be both
    prefixes = {c.path[:depth] for c in cmds for depth in range(1, len(c.path))}
    groups: dict[tuple[str, ...], Any] = {(): parser.add_subparsers(dest="cmd0", metavar="COMMAND")}
    parsers: dict[tuple[str, ...], argparse.ArgumentParser] = {}
    leaves = sorted(cmds, key=lambda c: (len(c.path), c.path))  # a leaf that is also a group comes first
    for c in leaves:
        for depth in range(1, len(c.path)):
            prefix = c.path[:depth]
            if prefix not in groups:
                if prefix not in parsers:
                    parsers[prefix] = groups[prefix[:-1]].add_parser(prefix[-1], help=f"{prefix[-1]} commands")
                groups[prefix] = parsers[prefix].add_subparsers(
                    dest=f"cmd{depth}", metavar="COMMAND", required=prefix not in {x.path for x in cmds}
                )
        p = groups[c.path[:-1]].add_parser(
            c.path[-1],
            aliases=list(c.aliases),
            help=c.help,
            description=c.description or c.help,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parsers[c.path] = p
        if c.vault != "none":
            # a leaf that is also a group checks --vault itself (see check_vault): argparse would
            # ask for it before its subcommands too
            required = c.vault == "required" and c.path not in prefixes
            p.add_argument("--vault", required=required, help="the vault's name")
        for a in c.args:
            p.add_argument(*a.flags, **a.kwargs)
        p.set_defaults(_command=c, _parser=p)
    return parser


def check_vault(args: argparse.Namespace) -> None:
    """--vault for a command whose parser could not require it (see build_parser)."""
    cmd, p = getattr(args, "_command", None), getattr(args, "_parser", None)
    if cmd is not None and p is not None and cmd.vault == "required" and getattr(args, "vault", None) is None:
        p.error("the following arguments are required: --vault")
