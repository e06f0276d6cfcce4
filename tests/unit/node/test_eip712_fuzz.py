"""Malformed typed data is refused with -32602 naming a field, never an internal error: random
mutations of valid structures (wrong kinds of values, broken types) go through the encoder."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from mainframe_os.node import errors as E
from mainframe_os.node.wallet.eip712 import hash_typed_data, parse_typed_data
from tests.integration.wallet.signature_cases import Generator

JUNK: list[Any] = [
    None,
    [],
    {},
    [1, [2]],
    {"a": {"b": None}},
    0,
    -1,
    1.5,
    1e300,
    True,
    "",
    "0x",
    "0xzz",
    "\ud800",
    "x" * 300,
    2**300,
    -(2**300),
    "0x" + "f" * 200,
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = root
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return root


def test_mutated_typed_data_is_refused_cleanly() -> None:
    r = random.Random(6)
    gen = Generator(6, 1337)
    outcomes = {"signed": 0, "refused": 0}
    for i in range(600):
        data = gen.typed_data(v4=i % 5 != 0)
        version = "V4" if i % 5 != 0 else "V3"
        mutated = copy.deepcopy(data)
        for _ in range(r.randint(1, 3)):
            path = r.choice(_paths(mutated))
            mutated = _set(mutated, path, copy.deepcopy(r.choice(JUNK)))
        try:
            hash_typed_data(parse_typed_data(json.dumps(mutated) if r.random() < 0.5 else mutated), version)
            outcomes["signed"] += 1
        except E.InvalidParams as exc:
            assert exc.code == -32602 and exc.message
            outcomes["refused"] += 1
    assert outcomes["refused"] > 300 and outcomes["signed"] > 20, outcomes
