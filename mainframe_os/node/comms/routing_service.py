"""Dark routing on the node's side: which topics this vault listens on, publishing an envelope
on its recipient's topic, and trial-opening what arrives there.

    router = DarkRouter(service)     # one per CommsService
    await router.refresh()           # after start, and when identities or settings change
    sent = await router.publish(pending)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import errors as E
from . import routing
from .envelope import BadEnvelope, Envelope
from .host import MSG_PROTOCOL, OverlayConfig, PeerUnreachable

if TYPE_CHECKING:
    from .outbox import Pending
    from .service import CommsService

log = logging.getLogger("mainframe_os.comms.routing")

DIAL_TIMEOUT_S = 5.0
FIND_TIMEOUT_S = 3.0  # a DHT lookup when the card's addresses fail (the peer moved)


class DarkRouter:
    def __init__(self, svc: CommsService) -> None:
        self.svc = svc
        self.settings = routing.RoutingSettings()
        self.door = routing.TrialDoor([])
        self.topics: list[str] = []
        self.surfaced = 0  # packets that opened, checked out and went to the inbox

    async def load(self) -> OverlayConfig:
        """Read the settings (before the host starts) and say how the host should run."""
        self.settings = await self.svc.node.db(routing.read_settings)
        return OverlayConfig(self.on_packet, list(self.settings.bootstrap), self.settings.mdns)

    def follow_identities(self) -> Callable[[], None]:
        """A new identity listens on its topic at once (returns the unsubscribe)."""
        from ..events import IdentitiesChanged

        def changed(_: IdentitiesChanged) -> None:
            if self.svc.online:
                asyncio.ensure_future(self.refresh()).add_done_callback(_log_failure)

        return self.svc.node.events.subscribe(IdentitiesChanged, changed)

    async def refresh(self) -> None:
        """Listen on the topic of each identity of this vault, at this vault's luminosity."""
        self.settings, keys = await self.svc.node.db(_settings_and_keys)
        self.door = routing.TrialDoor(keys)
        self.topics = sorted({routing.topic_for(sign, self.settings.luminosity) for sign, _ in keys})
        host = self.svc.host
        if host is not None and host.overlay is not None:
            await host.set_topics(self.topics)

    async def announce_cards(self) -> int:
        """Send each identity's new card (new luminosity, new topic) to its contacts; returns how many."""
        from vault.models import Identity

        from .requests import contact_signs

        def plan(s: Any) -> list[tuple[str, list[bytes]]]:
            return [(i.id, list(contact_signs(s, i.id))) for i in s.scalars(select(Identity))]

        sent = 0
        for ident, peers in await self.svc.node.db(plan):
            card = await self.svc.card(ident)
            for peer in peers:
                await self.svc.queue(ident, peer, {"type": "card", "card": card}, "control")
                sent += 1
        self.svc.wake()
        return sent

    async def request(self, peer_id: str, addrs: tuple[str, ...], envelopes: list[bytes]) -> list[bytes]:
        """Through the addresses on the card; when they fail, through those the DHT knows now."""
        host = self.svc.require_host()
        try:
            return await host.request(peer_id, addrs, MSG_PROTOCOL, envelopes, DIAL_TIMEOUT_S)
        except PeerUnreachable:
            found = await host.find_peer(peer_id, FIND_TIMEOUT_S, fresh=True) if host.overlay is not None else []
            if not found or set(found) <= set(addrs):
                raise
            return await host.request(peer_id, found, MSG_PROTOCOL, envelopes, DIAL_TIMEOUT_S)

    async def deliver_dark(self, p: Pending, direct_failed: bool) -> str:
        """Holders and the dark topic; returns the outbox outcome."""
        # when a direct dial just failed the recipient is likely offline: a holder first (and
        # published too: it may hear its topic through the mesh), retried with back-off as before.
        # With direct streams off: publish, and leave a copy with a holder if it has one (we may
        # close before its receipt comes; it drops the second copy as a replay)
        if direct_failed:
            if await self.svc._deposit(p):
                return "held"
            await self.publish(p)
            return "retry"
        published = await self.publish(p)
        if await self.svc._deposit(p):
            return "held"
        return "published" if published else "retry"

    async def publish(self, p: Pending) -> bool:
        """Publish on the recipient's topic; False when no peer of ours listens on it."""
        host = self.svc.require_host()
        if host.overlay is None:
            return False
        topic = routing.topic_for(p.recipient, p.luminosity)
        return await host.publish(topic, routing.seal_packet(p.recipient_box, p.envelope)) > 0

    async def on_packet(self, topic: str, packet: bytes) -> None:
        opened = self.door.open(packet)
        if opened is None:
            return  # someone else's: nothing read, nothing stored, nothing shown
        recipient, data = opened
        try:
            env = Envelope.decode(data)
        except BadEnvelope as exc:
            log.info("dropped a dark packet: %s", exc)
            return
        if env.recipient != recipient:  # sealed to one identity, addressed to another: a forgery
            log.info("dropped a dark packet addressed to another identity")
            return
        self.surfaced += 1
        try:
            # as from a holder: the sender cannot know it arrived, so the inbox answers with a receipt
            await self.svc._accept(env, via_holder=True)
        except E.NoVaultOpen:
            pass  # the vault locked meanwhile: the sender resends, or a holder keeps it
        except Exception:  # noqa: BLE001 - one bad packet must not go unnoticed, nor stop the others
            log.exception("could not take in a dark packet")

    def stats(self) -> dict[str, Any]:
        host = self.svc.host
        return {
            **self.settings.to_json(),
            "topics": self.topics,
            **(host.overlay_stats() if host is not None else {}),
            "identities": self.door.identities,  # whose packets we can open
            "opened": self.door.opened,
            "notOurs": self.door.not_ours,
        }


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("could not listen on a new identity's topic: %s", task.exception())


def _settings_and_keys(s: Any) -> tuple[routing.RoutingSettings, list[tuple[bytes, bytes]]]:
    from vault.models import Identity

    from .store import sign_public

    keys = [(sign_public(i), bytes(i.box_secret)) for i in s.scalars(select(Identity))]
    return routing.read_settings(s), keys
