"""How results read on a terminal: one formatter per node method, and a readable default.

A formatter is registered for the method whose result it renders, so every command that ends in
that method (its generated command, an alias like `wallet balances`, a flow) prints the same::

    @formats("vault_list")
    def _vaults(r): return table(r, [("name", "NAME"), ("open", "OPEN")], "No vaults yet")

`--json` bypasses formatters and prints the raw result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Formatter = Callable[[Any], str]

FORMATTERS: dict[str, Formatter] = {}


def formats(*methods: str) -> Callable[[Formatter], Formatter]:
    """Register `fn` as the terminal rendering of these methods' results."""

    def deco(fn: Formatter) -> Formatter:
        for name in methods:
            if name in FORMATTERS:
                raise ValueError(f"two formatters for {name}")
            FORMATTERS[name] = fn
        return fn

    return deco


def formatter_for(method: str) -> Formatter:
    return FORMATTERS.get(method, readable)


def table(rows: list[dict[str, Any]], cols: list[tuple[str, str]], empty: str) -> str:
    if not rows:
        return empty
    from ..node.text import safe_text

    # whatever the cells hold (names from cards, symbols from contracts) reaches a terminal
    rows = [{k: safe_text(str(r.get(k, ""))) for k, _ in cols} for r in rows]
    widths = [max(len(h), *(len(str(r.get(k, ""))) for r in rows)) for k, h in cols]
    lines = ["  ".join(h.ljust(w) for (_, h), w in zip(cols, widths, strict=True))]
    for r in rows:
        lines.append("  ".join(str(r.get(k, "")).ljust(w) for (k, _), w in zip(cols, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def pretty_json(result: Any) -> str:
    return json.dumps(result, indent=2)


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def readable(result: Any) -> str:
    """The default for a method without a formatter: a table for a list of objects, `key: value`
    lines for an object, the value itself otherwise. Terminal escapes are neutralised."""
    from ..node.text import safe_text

    if isinstance(result, list) and result and all(isinstance(r, dict) for r in result):
        keys: list[str] = []
        for r in result:
            keys += [k for k, v in r.items() if k not in keys and not isinstance(v, (dict, list))]
        rows = [{k: _cell(r.get(k, "")) for k in keys} for r in result]
        return table(rows, [(k, k.upper()) for k in keys], "")
    if isinstance(result, list):
        return "\n".join(safe_text(_cell(x)) for x in result) if result else "(none)"
    if isinstance(result, dict):
        width = max((len(k) for k in result), default=0)
        return "\n".join(f"{k + ':':{width + 1}} {safe_text(_cell(v))}" for k, v in result.items())
    return safe_text(_cell(result))
