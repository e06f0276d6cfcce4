"""The one table of error codes a caller of the node can receive, and its documentation.

Codes are declared where the errors are (`code, default_message = ...` on each `RpcError`
subclass; `code = ...` on each `vault` error, which the dispatcher sends unchanged), plus the
standard Ethereum codes the chain methods pass on. This module collects them into one table,
checks that each code means one thing, and renders docs/errors.md::

    python -m mainframe_os.node.error_table > docs/errors.md

tests/unit/node/test_error_codes.py fails when a code is declared twice, is missing here, or
the doc is stale.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from . import errors as E

# Modules declaring RpcError subclasses (imported to find them; the test greps the tree for any
# `code` declared elsewhere, so a new domain's errors module cannot be forgotten here).
ERROR_MODULES = (
    "mainframe_os.node.errors",
    "mainframe_os.node.wallet.store",
    "mainframe_os.node.wallet.fill",
    "mainframe_os.node.wallet.tokens",
    "mainframe_os.node.wallet.swap",
    "mainframe_os.node.wallet.onramp",
    "mainframe_os.node.wallet.chain",
    "mainframe_os.node.wallet.eip712",
    "mainframe_os.node.apps.errors",
    "mainframe_os.node.comms.errors",
    "mainframe_os.node.files.errors",
)

# Codes standards define, raised with `RpcError(..., code=N)` where a chain method answers as
# an Ethereum node would.
STANDARD: dict[int, tuple[str, str]] = {
    3: ("EIP-1474", "Execution reverted; `data` holds the revert bytes"),
    -32000: ("EIP-1474", "The chain refused the request (unknown block, bad transaction, filter not found)"),
    4902: ("EIP-3085", "Unrecognized chain id: add the chain first"),
    5700: ("EIP-5792", "Unsupported non-optional capability"),
    5710: ("EIP-5792", "Unsupported chain id"),
    5720: ("EIP-5792", "Duplicate batch id"),
    5730: ("EIP-5792", "Unknown batch id"),
    5760: ("EIP-5792", "Atomicity not supported"),
}


@dataclass(frozen=True)
class Entry:
    code: int
    name: str  # the class raising it (or the standard's name)
    where: str  # "node", "vault" or a standard
    meaning: str


def _own_code(cls: type) -> int | None:
    code = cls.__dict__.get("code")
    return code if isinstance(code, int) else None


def _subclasses(cls: type) -> list[type]:
    out: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def node_entries() -> list[Entry]:
    for mod in ERROR_MODULES:
        importlib.import_module(mod)
    out = []
    for cls in _subclasses(E.RpcError):
        code = _own_code(cls)
        if code is not None and cls.__module__.startswith("mainframe_os."):
            out.append(Entry(code, cls.__name__, "node", str(getattr(cls, "default_message", ""))))
    return out


def vault_entries() -> list[Entry]:
    import vault

    out = []
    for cls in [vault.VaultError, *_subclasses(vault.VaultError)]:
        code = _own_code(cls)
        if code is not None and cls.__module__.startswith("vault"):
            doc = (cls.__doc__ or "").strip().splitlines()
            out.append(Entry(code, f"vault.{cls.__name__}", "vault", doc[0] if doc else ""))
    return out


def table() -> list[Entry]:
    """Every code, sorted; the RpcError base (-32603 by default) is InternalError's."""
    entries = node_entries() + vault_entries()
    entries += [Entry(code, std, std, meaning) for code, (std, meaning) in STANDARD.items()]
    return sorted(entries, key=lambda e: (e.code, e.where != "node", e.name))


def problems(entries: list[Entry]) -> list[str]:
    """A code declared twice on one layer, a standard code reused, or a vault code whose wire
    error is another class's: each is a code meaning two things."""
    from .dispatcher import map_library_error

    seen: dict[tuple[int, str], str] = {}
    out = []
    for e in entries:
        layer = "vault" if e.where == "vault" else "wire"
        key = (e.code, layer)
        if key in seen:
            out.append(f"code {e.code} is declared by {seen[key]} and {e.name}")
        seen[key] = e.name
    import vault

    for e in entries:
        if e.where != "vault":
            continue
        cls = getattr(vault, e.name.split(".", 1)[1])
        wire = map_library_error(cls("probe"))
        node_names = [x.name for x in entries if x.code == e.code and x.where == "node"]
        if wire is None or wire.code != e.code:
            out.append(f"{e.name} reaches the wire as {wire and wire.code}, not its own code {e.code}")
        elif node_names and type(wire).__name__ not in node_names:
            out.append(f"{e.name} ({e.code}) is sent as {type(wire).__name__}, but {node_names[0]} owns {e.code}")
    return out


def markdown(entries: list[Entry]) -> str:
    lines = [
        "# Error codes",
        "",
        "Every `error.code` the node's JSON-RPC answers can carry (in-process, over the socket, to",
        "apps through the bridge). Generated by `python -m mainframe_os.node.error_table`; do not",
        "edit by hand. A vault error reaches the wire with its own code; `vault.X` and the node",
        "class on the same line are the same error seen from the library and from the wire.",
        "",
        "| Code | Raised as | Meaning |",
        "| ---: | --- | --- |",
    ]
    by_code: dict[int, list[Entry]] = {}
    for e in entries:
        by_code.setdefault(e.code, []).append(e)
    for code, group in by_code.items():
        names = ", ".join(f"`{e.name}`" if e.where in ("node", "vault") else e.name for e in group)
        meaning = next((e.meaning for e in group if e.meaning), "")
        lines.append(f"| {code} | {names} | {meaning.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(table()), end="")
