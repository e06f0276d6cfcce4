"""Fetching what our holders keep for us: batches, each acknowledged only after its envelopes
are committed (a crash in between re-fetches; the replay table drops the second copy)."""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, Any

from . import holding, store
from .envelope import BadEnvelope, Envelope
from .host import HOLD_PROTOCOL, PeerUnreachable

if TYPE_CHECKING:
    from .service import CommsService

log = logging.getLogger("mainframe_os.comms")


async def fetch_held(svc: CommsService) -> int:
    """Ask each of our holders for what they keep for us; returns how many envelopes came."""
    from sqlalchemy import select

    from vault.models import CommsPeer, Identity

    def plan(s: Any) -> list[tuple[bytes, bytes, str, list[str]]]:
        out = []
        for i in s.scalars(select(Identity)):
            for p in s.scalars(select(CommsPeer).where(CommsPeer.identity_id == i.id, CommsPeer.holds_for_me)):
                card = store.peer_card(p)
                if card.peer is not None:
                    out.append((i.sign_seed, i.box_secret, card.peer.peer_id, list(card.peer.addresses)))
        return out

    got = 0
    for seed, box_secret, holder_id, addrs in await svc.node.db(plan):
        try:
            got += await _fetch_from(svc, seed, box_secret, holder_id, addrs)
        except PeerUnreachable as exc:
            log.info("holder unreachable: %s", exc)
    return got


async def _fetch_from(svc: CommsService, seed: bytes, box_secret: bytes, holder_id: str, addrs: list[str]) -> int:
    host, got = svc.require_host(), 0
    answered: set[str] = set()  # ids this holder already gave us in this round
    for _ in range(1000):  # batches; a holder keeps a few thousand at most
        fetch = holding.signed_request(seed, "fetch", now=svc.clock())
        (reply,) = await host.request(holder_id, addrs, HOLD_PROTOCOL, [fetch])
        envs = _envelopes(reply)
        if not envs:
            return got
        ids: list[str] = []
        receipts: dict[tuple[str, bytes], list[str]] = {}
        for item in envs:
            try:
                ids.append(str(item["id"]))
                env = Envelope.decode(holding.unseal(box_secret, base64.b64decode(item["sealed"])))
            except (BadEnvelope, ValueError, KeyError, TypeError):
                log.info("dropped an envelope a holder changed")  # acknowledged: it is deleted
                continue
            await svc._accept(env, via_holder=True, receipts=receipts)
            got += 1
        await svc.send_receipts(receipts)  # one receipt per sender and batch, not one per message
        # acknowledged only after each is committed: a crash before this re-fetches, never loses
        await host.request(holder_id, addrs, HOLD_PROTOCOL, [holding.signed_request(seed, "ack", ids, svc.clock())])
        if answered.issuperset(ids):
            # nothing new: a holder that ignores our acknowledgements must not keep us here
            log.info("a holder answers the same envelopes again; trying it next round")
            return got
        answered.update(ids)
    return got


def _envelopes(reply: bytes) -> list[Any]:
    """The envelopes in a holder's answer; none when the answer is not one (a broken holder)."""
    try:
        doc = json.loads(reply)
    except ValueError:
        doc = None
    envs = doc.get("envs") if isinstance(doc, dict) and doc.get("ok") else None
    if not isinstance(envs, list):
        return []
    return envs
