"""The two tables of things app pages hold by id (eth_subscribe's subscriptions, comms and
messenger pushes) keep ids and owners by one set of rules (node/owned_registry.py): a page cannot
guess, remove or outgrow another page's entries, and loses its own when it goes away."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mainframe_os.node import errors as E
from mainframe_os.node.comms.app_push import AppSubscription, pushes
from mainframe_os.node.context import CallerContext
from mainframe_os.node.events import CallerGone
from mainframe_os.node.methods.eth_subscriptions import Subscription
from mainframe_os.node.node import Node
from mainframe_os.node.owned_registry import OwnedRegistry

A = CallerContext.app("a" * 40, "ident")
B = CallerContext.app("b" * 40, "ident")


def _tables(node: Node) -> list[tuple[OwnedRegistry[Any], Any]]:
    return [
        (node.session.subscriptions, lambda owner: Subscription("newHeads", owner)),
        (pushes(node), lambda owner: AppSubscription("app", owner)),
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["eth_subscribe", "app pushes"])
async def test_a_page_cannot_guess_remove_or_outgrow_another_pages_entries(node: Node, which: int) -> None:
    table, entry = _tables(node)[which]
    assert isinstance(table, OwnedRegistry)
    mine = [table.hold(entry(A)) for _ in range(table.limit)]
    assert len(set(mine)) == table.limit and all(re.fullmatch(r"0x[0-9a-f]{32}", sid) for sid in mine)
    with pytest.raises(E.RpcError) as too_many:
        table.hold(entry(A))
    assert too_many.value.code == -32005
    theirs = table.hold(entry(B))  # A's limit is A's: B still subscribes

    assert table.remove(mine[0], B) is False  # B holds A's id: refused, as an unknown id is
    assert table.remove("0x" + "0" * 32, B) is False and table.remove(["not", "an id"], B) is False
    assert mine[0] in table.subs
    assert table.remove(mine[0], A) is True and table.remove(mine[0], A) is False

    node.events.emit(CallerGone(A))  # A's page closed
    assert list(table.subs) == [theirs]
    table.close()
    assert table.subs == {}
    table.subs["0xlate"] = entry(B)
    node.events.emit(CallerGone(B))  # a closed table no longer listens
    assert "0xlate" in table.subs
