"""How people name things on the command line and in the API: by id, by an id prefix, or by
name. One rule everywhere: an exact id wins; otherwise every item whose id starts with the
reference or whose name equals it matches (the caller says what zero or several matches mean)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def match_ref(
    items: Iterable[T],
    ref: str,
    id_of: Callable[[T], str],
    name_of: Callable[[T], str],
    *,
    fold_name_case: bool = False,
) -> list[T]:
    items = list(items)
    exact = [x for x in items if id_of(x) == ref]
    if exact:
        return exact
    want = ref.lower() if fold_name_case else ref

    def named(x: T) -> bool:
        name = name_of(x)
        return (name.lower() if fold_name_case else name) == want

    return [x for x in items if id_of(x).startswith(ref.lower()) or named(x)]
