"""Every method in the registry, called on the wire by an app that may not call it: a clear
4100 (never -32603), and nothing changes (no row in the vault, no event, no dialog).

Three apps attack: one that declared no permission, one that declared every permission and was
refused each ("never"), and one that is not installed for the identity. Launcher-only methods are
refused to all three before their params are even read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mainframe_os.node.apps.manifest import PERMISSION_KEYS
from mainframe_os.node.context import CallerContext
from mainframe_os.node.events import Event
from mainframe_os.node.node import Node
from mainframe_os.node.registry import REGISTRY, Method
from tests.unit.apps.conftest import ScriptedPrompter
from tests.unit.apps.test_grants import install

from .test_app_contact_ids import add_contact


def plausible_params(m: Method) -> Any:
    """Params that bind (so a refusal cannot come from their shape): each required one, typed."""
    if m.extra.get("raw_params"):
        return []
    values = {"integer": 1, "number": 1, "boolean": False, "object": {}, "array": ["x"], "any": "1"}
    return {p.name: values.get(p.type, "x" * min(8, p.max_length or 8)) for p in m.params if p.required}


async def vault_rows(node: Node) -> list[Any]:
    """Every row of every table of the open vault, in order: what "nothing changed" compares."""
    from vault.models import Base

    def read(s: Any) -> list[Any]:
        out = []
        for table in Base.metadata.sorted_tables:
            rows = s.execute(table.select()).all()
            out.append((table.name, sorted(repr(tuple(r)) for r in rows)))
        return out

    return list(await node.db(read))


async def test_every_method_refuses_an_app_without_its_permission(
    opened: tuple[Node, str], prompter: ScriptedPrompter, tmp_path: Path
) -> None:
    node, ident = opened
    await add_contact(node, tmp_path, "Bob")
    keys = [k for k in PERMISSION_KEYS if k != "WEB_REQUEST"]
    bare = await install(node, tmp_path, "Bare", permissions={"required": [], "optional": []})
    declined = await install(node, tmp_path, "Declined", permissions={"required": [], "optional": keys})
    for key in keys:
        await node.call("apps_setGrant", {"appId": declined, "key": key, "decision": "never"})
    attackers = [CallerContext.app(a, ident) for a in (bare, declined, "f" * 40)]
    events: list[Event] = []
    node.events.subscribe(Event, events.append)
    before, asked = await vault_rows(node), len(prompter.asked)

    swept: dict[str, int] = {}
    wrong: list[str] = []
    for i, m in enumerate(REGISTRY.all()):
        if m.access.kind == "public":
            continue  # any app may call it: nothing to refuse
        request = json.dumps({"jsonrpc": "2.0", "id": i, "method": m.name, "params": plausible_params(m)})
        for app in attackers:
            reply = json.loads(await node.handle_text(request, app) or "null")
            error = (reply or {}).get("error") or {}
            if error.get("code") != 4100:
                wrong.append(f"{m.name} as {app.app_id[:6]}: {reply}")
            elif not m.access.apps_may_call and "not available to apps" not in error["message"]:
                wrong.append(f"{m.name}: launcher-only, refused for another reason: {error['message']}")
        swept[m.access.kind] = swept.get(m.access.kind, 0) + 1
    assert wrong == []
    assert swept["trusted"] > 100 and swept["permission"] > 40 and swept["secret"] >= 5  # the whole registry
    assert len(prompter.asked) == asked  # no dialog for any of them
    assert events == []
    assert await vault_rows(node) == before
