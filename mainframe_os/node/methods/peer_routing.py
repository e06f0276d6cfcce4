"""peer_* methods for how messages travel: dark routing settings (luminosity, direct streams),
bootstrap peers and mDNS, dialling a peer and finding one through the DHT.

Thin endpoints over `node/comms/routing*` (the rules live in `routing.write_settings`).
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..comms import routing
from ..comms.errors import CommsOffline, PeerUnreachable
from ..comms.running import get_service
from ..params import Param
from ..registry import method


@method("peer_getSettings")
async def peer_get_settings(node: Any, ctx: Any) -> dict[str, Any]:
    """Messaging network settings: luminosity, direct streams, bootstrap peers, mDNS."""
    settings = await node.db(routing.read_settings)
    return _described(settings)


@method(
    "peer_setSettings",
    Param("luminosity", "integer", required=False, description="0 = full darkness"),
    Param("directStreams", "boolean", required=False),
    Param("bootstrap", "array", required=False, max_length=routing.MAX_BOOTSTRAP),
    Param("mdns", "boolean", required=False),
)
async def peer_set_settings(
    node: Any,
    ctx: Any,
    luminosity: int | None,
    directStreams: bool | None,
    bootstrap: list[str] | None,
    mdns: bool | None,
) -> dict[str, Any]:
    """Change messaging network settings; luminosity, direct streams and new bootstrap peers apply at once."""
    given = {"luminosity": luminosity, "directStreams": directStreams, "bootstrap": bootstrap, "mdns": mdns}
    changes = {k: v for k, v in given.items() if v is not None}
    try:
        settings = await node.db(lambda s: routing.write_settings(s, changes))
    except routing.BadSetting as exc:
        raise E.InvalidParams(str(exc)) from None
    svc = get_service(node)
    if svc.online:
        await svc.routing.refresh()  # new topics at a new luminosity; direct streams read per send
        if "luminosity" in changes:
            await svc.routing.announce_cards()  # contacts must publish on the new topic
        if bootstrap:
            await svc.require_host().dial(settings.bootstrap)
    # mDNS is part of how the host is built: it applies the next time messaging starts
    return {**_described(settings), "restartForMdns": "mdns" in changes}


def _described(settings: routing.RoutingSettings) -> dict[str, Any]:
    # what each luminosity means, in plain words, for a settings page to show as a slider moves
    tradeoffs = [routing.luminosity_tradeoff(k) for k in range(routing.MAX_LUMINOSITY + 1)]
    return {**settings.to_json(), "maxLuminosity": routing.MAX_LUMINOSITY, "tradeoffs": tradeoffs}


@method("peer_connect", Param("address", max_length=512, description="multiaddr ending in /p2p/<peer id>"))
async def peer_connect(node: Any, ctx: Any, address: str) -> dict[str, Any]:
    """Dial a peer by its multiaddr (it joins the DHT and the dark topics' meshes)."""
    try:
        (checked,) = routing.check_bootstrap([address])
    except routing.BadSetting as exc:
        raise E.InvalidParams(str(exc)) from None
    host = _online_host(node)
    if not await host.dial([checked]):
        raise CommsOffline(f"Could not reach {checked[:80]}")
    return {"connected": await host.connected_peers()}


@method("peer_find", Param("peerId", max_length=128))
async def peer_find(node: Any, ctx: Any, peerId: str) -> dict[str, Any]:
    """A peer's addresses, looked up in the DHT through the peers we are connected to."""
    host = _online_host(node)
    try:
        addresses = await host.find_peer(peerId)
    except PeerUnreachable as exc:
        raise CommsOffline(str(exc)) from None
    except ValueError:
        raise E.InvalidParams("'peerId' is not a libp2p peer id") from None
    return {"peerId": peerId, "addresses": addresses}


def _online_host(node: Any) -> Any:
    svc = get_service(node)
    if not svc.online:
        raise CommsOffline()
    return svc.require_host()
