"""The short way to a running node (cli/through_node.py) prints what the full command line prints.

A real `mfos node` serves a temp home; each command runs twice as a real process, once through
`mfos`'s entry point (which takes the short way when it can) and once through the full CLI
alone (`cli/full.py`), and both must give the same bytes on stdout and stderr and the same exit
code. Whether the short way was taken is read from the process itself: it never imports asyncio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .test_cli_flow import mfos, ok, serving_node

# runs `main` of the entry point or of the full CLI, then notes whether asyncio was loaded
RUN = (
    "import json, sys\n"
    "from mainframe_os.{module} import main\n"
    "try:\n"
    "    code = main(sys.argv[2:])\n"
    "except SystemExit as exc:\n"  # argparse's errors exit
    "    code = exc.code\n"
    "open(sys.argv[1], 'w').write(json.dumps('asyncio' in sys.modules))\n"
    "sys.exit(code)\n"
)


def run(home: Path, module: str, args: tuple[str, ...], mark: Path) -> tuple[int, str, str, bool]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MFOS_")}
    r = subprocess.run(
        [sys.executable, "-c", RUN.format(module=module), str(mark), "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    return r.returncode, r.stdout, r.stderr, json.loads(mark.read_text())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`mfos node --vault v` serving a home with one identity and one contact."""
    home = tmp_path_factory.mktemp("through") / "home"
    ok(mfos(home, "vault", "create", "v"))
    ok(mfos(home, "identity", "create", "--vault", "v", "Ann"))
    with serving_node(home):
        yield home


SHORT = [
    ("identity", "list", "--vault", "v"),
    ("--json", "identity", "list", "--vault", "v"),
    ("vault", "list"),
    ("identity", "get", "--vault", "v", "--id", "Ann"),  # an identity by name: resolved first
    ("contact", "list", "--vault", "v", "--search", "nobody"),
    ("app", "list", "--vault", "v", "--identity", "Zed"),  # no such identity: exit 1
    ("vault", "info", "nope"),  # the node refuses: exit 1, one line on stderr
    ("--json", "vault", "info", "nope"),  # the refusal as JSON on stdout
    ("--yes", "identity", "rename", "--vault", "v", "no-such-id", "Bob"),
]

FULL = [
    ("identity", "list", "--vault=v"),  # --flag=value: argparse reads it, the short way does not try
    ("identity", "list", "--vault", "v", "--bogus"),  # argparse's usage error, exit 2
    ("identity", "list", "--vault", "other"),  # a vault the node does not serve
    ("--verbose", "vault", "list"),
    ("identity", "lst", "--vault", "v"),  # a typo: argparse lists the choices
    ("vault", "info"),  # a missing argument
    ("identity", "rename", "--vault", "v", "--id", "Ann", "Bob"),  # no --id here: argparse says so
]


def test_the_short_way_prints_what_the_full_cli_prints(served: Path, tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    run(served, "cli", ("vault", "list"), mark)  # a first command writes the table (cli/fast_table.py)
    for args in SHORT:
        short = run(served, "cli", args, mark)
        full = run(served, "cli.full", args, mark)
        assert short[:3] == full[:3], args
        assert not short[3] and full[3], f"{args}: the short way was not taken"
    codes = {args: run(served, "cli", args, mark)[0] for args in SHORT}
    assert codes[("app", "list", "--vault", "v", "--identity", "Zed")] == 1
    assert codes[("vault", "info", "nope")] == 1 and codes[("identity", "list", "--vault", "v")] == 0


def test_what_the_short_way_does_not_read_goes_to_the_full_cli(served: Path, tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    run(served, "cli", ("vault", "list"), mark)
    for args in FULL:
        via_entry = run(served, "cli", args, mark)
        full = run(served, "cli.full", args, mark)
        assert via_entry[:3] == full[:3], args
        assert via_entry[3], f"{args}: the short way answered a command it should have left alone"
    assert run(served, "cli", ("identity", "list", "--vault", "v", "--bogus"), mark)[0] == 2


def test_a_stale_table_is_not_used(served: Path, tmp_path: Path) -> None:
    """A table written for other files (another checkout, an edited method) is ignored, and the
    full CLI writes a current one."""
    mark = tmp_path / "mark"
    run(served, "cli", ("vault", "list"), mark)
    table = served / "cache" / "cli-fast.json"
    data = json.loads(table.read_text())
    data["key"]["files"][0][1] += 1  # as if a declaration file had changed size
    table.write_text(json.dumps(data))
    assert run(served, "cli", ("vault", "list"), mark)[3]  # the full CLI ran...
    assert not run(served, "cli", ("vault", "list"), mark)[3]  # ...and rewrote the table
