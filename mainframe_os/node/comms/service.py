"""The node's messaging service: the libp2p host, the outbox pump, holders, and the glue
that turns envelopes into vault rows and typed events.

One per open vault (`node.session.comms`), started by `peer_start` or any comms
method, and again at unlock once the vault has been online (so `mfos node` and the GUI keep
receiving). `aclose()` stops the host; locking the vault calls it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import events as ev
from ..cards import ContactCard
from . import groups, holding, inbox, outbox, prekeys, replies, requests, store
from .envelope import BadEnvelope, Envelope
from .host import HOLD_PROTOCOL, MSG_PROTOCOL, Handler, P2PHost, PeerUnreachable
from .owner import OwnerLock, Watcher, wait_for_work
from .routing_service import DarkRouter
from .verify import Verification, new_tx

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger("mainframe_os.comms")

DEFAULT_LISTEN = "/ip4/127.0.0.1/tcp/0"
LISTEN_ENV = "MAINFRAME_OS_P2P_LISTEN"  # comma-separated multiaddrs, e.g. /ip4/0.0.0.0/tcp/4001
PUMP_INTERVAL_S = 15.0
DIAL_TIMEOUT_S = 5.0
FRAMES_PER_REQUEST = 100
PEER_SETTING, ADDRESSES_SETTING = "comms.peerId", "comms.addresses"  # for a process that does not serve
Owed = dict[tuple[str, bytes], list[str]]  # delivery receipts owed: (identity, sender) -> message ids
UNREACHABLE_FOR_S = 10.0  # after a failed dial, sends go straight to holders / the queue for this long


class CommsService:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.host: P2PHost | None = None
        self.pump_interval = PUMP_INTERVAL_S
        self._pump_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._sync_lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()
        self._retries: set[asyncio.Future[None]] = set()
        self._in_flight: set[tuple[str, str]] = set()
        self.verifications: dict[tuple[str, bytes], Verification] = {}
        self._unreachable: dict[str, float] = {}  # peer id -> until when we do not dial it again
        self.routing = DarkRouter(self)
        self.keys_handed_out = 0  # one-time keys claimed from us
        self.have_session: set[tuple[str, bytes]] = set()  # no one-time key to claim for these
        self.owner: OwnerLock | None = None  # this vault's messaging lock (one serving process)
        self.watcher = Watcher(self)  # runs while another process serves
        self._unfollow: Callable[[], None] = lambda: None
        self.clock: Callable[[], float] = time.time  # dates envelopes and checks theirs (tests skew it)

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self.host is not None and self.host.running

    async def start(self) -> None:
        async with self._start_lock:
            if self.online:
                return
            seed, port, listen = await self.node.db(_host_config)
            self.owner = self.owner or OwnerLock(self.node.paths.run, seed)
            if not self.owner.try_acquire():
                self.watcher.start()  # another process serves: follow it, take over when it stops
                return
            await self.watcher.stop()
            try:
                await self._start_host(seed, port, listen)
            except BaseException:
                self.owner.release()
                raise

    async def _start_host(self, seed: bytes, port: int, listen: list[str]) -> None:
        overlay = await self.routing.load()
        handlers: dict[str, Handler] = {
            MSG_PROTOCOL: self._on_msg,
            HOLD_PROTOCOL: self._on_hold,
            prekeys.KEYS_PROTOCOL: self._on_keys,
        }
        host = P2PHost(seed, _listen_addrs(listen, port), handlers, overlay=overlay)
        try:
            await host.start()
        except Exception:  # noqa: BLE001 - the saved port may be taken now: any port will do
            host = P2PHost(seed, _listen_addrs(listen, 0), handlers, overlay=overlay)
            await host.start()
        self.host = host
        await self.routing.refresh()
        self._unfollow = self.routing.follow_identities()
        await self.node.db(lambda s: _remember_online(s, host.peer_id, host.addresses))
        self._pump_task = asyncio.ensure_future(self._pump())
        self.node.events.emit(ev.PeerStatusChanged(True, host.peer_id))

    async def aclose(self) -> None:
        for retry in list(self._retries):
            retry.cancel()
        task, self._pump_task = self._pump_task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass
        await self.watcher.stop()
        self._unfollow()
        host, self.host = self.host, None
        if host is not None:
            await host.stop()
            self.node.events.emit(ev.PeerStatusChanged(False, host.peer_id))
        if self.owner is not None:
            self.owner.release()

    async def go_online(self) -> None:
        """Go online, and stay online at the next unlock: the wish is kept even while another
        process serves this vault (this one then follows, and takes over when that one ends)."""
        if self.node.vault is not None:
            await self.node.db(lambda s: store.set_setting(s, store.ONLINE_SETTING, True))
        await self.start()

    async def stop(self, remember: bool = True) -> None:
        """Go offline; with `remember`, stay offline at the next unlock too."""
        if remember and self.node.vault is not None:
            await self.node.db(lambda s: store.set_setting(s, store.ONLINE_SETTING, False))
        await self.aclose()

    def require_host(self) -> P2PHost:
        if self.host is None:
            raise PeerUnreachable("messaging is offline")
        return self.host

    # -- what we tell others ----------------------------------------------------------------------

    async def info(self) -> dict[str, Any]:
        host = self.require_host()
        return {
            "online": self.online,
            "peerId": host.peer_id,
            "addresses": host.addresses,
            "connected": await host.connected_peers(),
            "refusedFrames": host.refused,
            "routing": self.routing.stats(),
        }

    async def card(self, identity_id: str) -> str:
        from vault.models import Identity

        if self.host is None and not self.watcher.running:
            raise PeerUnreachable("messaging is offline")

        def make(s: Any) -> str:
            return store.own_card(s, s.get(Identity, identity_id), *self._own_peer(s)).encode()

        return await self.node.db(make)

    # -- sending ----------------------------------------------------------------------------------

    async def send(self, identity_id: str, peer_sign: bytes, inner: dict[str, Any], kind: str) -> dict[str, Any]:
        """Seal and queue one message, then try to deliver it at once."""
        out = await self.queue(identity_id, peer_sign, inner, kind)
        await self.flush(only_peer=peer_sign)
        if self.host is None and self.owner is not None:
            self.owner.nudge()  # the serving process sends it
        return out

    def _own_peer(self, s: Any) -> tuple[str, list[str]]:
        """Our peer id and addresses: the running host's, or those the serving process saved."""
        if self.host is not None:
            return self.host.peer_id, self.host.addresses
        return str(store.get_setting(s, PEER_SETTING, "")), list(store.get_setting(s, ADDRESSES_SETTING, []))

    async def queue(self, identity_id: str, peer_sign: bytes, inner: dict[str, Any], kind: str) -> dict[str, Any]:
        from vault.models import Identity

        if self.host is None and not self.watcher.running:
            raise PeerUnreachable("messaging is offline")
        otk = await prekeys.claim(self, identity_id, peer_sign)

        def seal(s: Any) -> dict[str, Any]:
            identity = s.get(Identity, identity_id)

            def card() -> ContactCard:  # only pre-key messages carry it
                return store.own_card(s, identity, *self._own_peer(s))

            m = outbox.seal(s, identity, peer_sign, inner, kind, card, otk, self.clock())
            return {"id": m.id, "state": m.state}

        return await self.node.db(seal)

    async def flush(self, only_peer: bytes | None = None, force: bool = False) -> None:
        """Try every due envelope (with `force`, every queued one): straight to the peer, else
        to one of its holders."""
        if self.host is None:
            return
        now = float("inf") if force else time.time()
        pending = await self.node.db(lambda s: outbox.due(s, now, only_peer))
        # concurrent flushes (one per send) must not send the same envelope again
        pending = [p for p in pending if (p.identity_id, p.message_id) not in self._in_flight]
        keys = {(p.identity_id, p.message_id) for p in pending}
        self._in_flight |= keys
        try:
            by_peer: dict[tuple[str, tuple[str, ...]], list[outbox.Pending]] = defaultdict(list)
            for p in pending:
                by_peer[(p.peer_id, p.addresses)].append(p)
            for (peer_id, addrs), items in by_peer.items():
                for i in range(0, len(items), FRAMES_PER_REQUEST):
                    await self._deliver(peer_id, addrs, items[i : i + FRAMES_PER_REQUEST], force)
        finally:
            self._in_flight -= keys

    async def _deliver(self, peer_id: str, addrs: tuple[str, ...], items: list[outbox.Pending], force: bool) -> None:
        """Straight to the peer when direct streams are allowed and it answers; else through
        holders and the recipient's dark topic."""
        self.require_host()
        direct = self.routing.settings.directStreams
        try:
            if not direct:
                raise PeerUnreachable("direct streams are off")
            if not force and self._unreachable.get(peer_id, 0.0) > time.monotonic():
                raise PeerUnreachable("failed a moment ago")  # a send to an offline peer stays quick
            answers = await self.routing.request(peer_id, addrs, [p.envelope for p in items])
            self._unreachable.pop(peer_id, None)
        except PeerUnreachable as exc:
            if direct:
                self._unreachable[peer_id] = time.monotonic() + UNREACHABLE_FOR_S
            log.info("%s; trying its holders and its dark topic", exc)
            for p in items:
                await self._record(p, await self.routing.deliver_dark(p, direct))
            return
        for p, reply in zip(items, answers, strict=True):
            await self._record(p, replies.outcome(reply))

    async def _deposit(self, p: outbox.Pending) -> bool:
        host = self.require_host()
        request = holding.deposit_request(p.recipient, p.recipient_box, Envelope.decode(p.envelope).id, p.envelope)
        for holder in p.holders:
            addr, _, holder_id = holder.partition("/p2p/")
            if not holder_id or holder_id == host.peer_id:
                continue
            try:
                (reply,) = await host.request(holder_id, [addr], HOLD_PROTOCOL, [request], DIAL_TIMEOUT_S)
            except PeerUnreachable:
                continue
            if replies.ok(reply):
                return True
        return False

    async def _record(self, p: outbox.Pending, outcome: str) -> None:
        state = await self.node.db(lambda s: outbox.mark(s, p.identity_id, p.message_id, outcome))
        if state is not None:
            self.node.events.emit(ev.MessageStateChanged(p.identity_id, p.message_id, state))

    # -- receiving --------------------------------------------------------------------------------

    async def _on_msg(self, peer: str, payload: bytes) -> bytes:
        try:
            env = Envelope.decode(payload)
        except BadEnvelope as exc:
            return replies.reply(False, str(exc))
        outcome = await self._accept(env, via_holder=False)
        if outcome.status == "ok":
            self._unreachable.pop(peer, None)
            self._retry_soon(env.sender)  # they are online: what waits for them can go now
        # dropped (blocked, stranger) looks like success: the sender learns nothing
        return replies.reply(outcome.status != "refused", outcome.reason)

    async def _accept(self, env: Envelope, via_holder: bool, receipts: Owed | None = None) -> inbox.Outcome:
        """Store one envelope and announce it. `receipts`: collect the delivery receipts owed
        (per identity and sender) for the caller to send in one message, instead of one each."""
        outcome = await self.node.db(lambda s: inbox.accept_envelope(s, env, via_holder, self.clock()))
        if outcome.status in ("refused", "dropped"):
            log.info("%s an envelope: %s", outcome.status, outcome.reason)
        await self._announce(outcome, env, receipts)
        return outcome

    async def send_receipts(self, receipts: Owed) -> None:
        for (ident, sender), ids in receipts.items():
            for i in range(0, len(ids), 500):  # the receiving inbox reads at most 1000 ids per receipt
                await self._control(ident, sender, {"type": "receipt", "state": "delivered", "ids": ids[i : i + 500]})
        receipts.clear()

    async def _announce(self, outcome: inbox.Outcome, env: Envelope, receipts: Owed | None = None) -> None:
        ident = outcome.identity_id
        if ident is None:
            return
        for kind, info in outcome.events:
            if kind == "message":
                cid = await self.node.db(lambda s: store.contact_id(s, ident, env.sender))
                self.node.events.emit(ev.MessageReceived(ident, cid, info["id"], info["kind"], info.get("group")))
                if info["viaHolder"]:  # the sender cannot know otherwise
                    owed = {} if receipts is None else receipts
                    owed.setdefault((ident, env.sender), []).append(info["id"])
                    if receipts is None:
                        await self.send_receipts(owed)
            elif kind == "request":
                self.node.events.emit(ev.ContactRequestsChanged(ident))
                self.node.events.emit(
                    ev.Notification("Contact request", f"{info['name']} wants to add you", "request", "comms")
                )
            elif kind == "accepted":
                self.node.events.emit(ev.ContactsChanged(ident))
                self.node.events.emit(ev.ContactRequestsChanged(ident))
                if info["reply"]:
                    await self._control(ident, env.sender, {"type": "accept"})
            elif kind == "state":
                self.node.events.emit(ev.MessageStateChanged(ident, info["id"], info["state"]))
            elif kind == "group":
                self.node.events.emit(ev.GroupsChanged(ident, info["id"]))
            elif kind == "app":
                self.node.events.emit(ev.AppMessageReceived(ident, info["app"], info["id"]))
            elif kind == "roster":  # a member left a group we own: tell everyone, later
                for member in info["to"]:
                    await self._control(ident, member, info["roster"])
            elif kind == "sas":
                await self._on_sas(ident, env.sender, info)
            elif kind == "keys-changed":
                await self.node.db(lambda s: requests.note_keys_changed(s, ident, env.sender))
                self.node.events.emit(ev.ContactKeysChanged(ident, info["peer"]))
                self.node.events.emit(
                    ev.Notification(
                        "A contact's keys changed", "Check with them before you trust new messages", "warning", "comms"
                    )
                )

    # -- groups -----------------------------------------------------------------------------------

    async def group_send(self, identity_id: str, group_ref: str, inner: dict[str, Any], kind: str) -> dict[str, Any]:
        """Encrypt once for the group (sharing a new session key first if needed) and send."""
        from vault.models import Identity

        host = self.require_host()

        def seal(s: Any) -> str:
            identity = s.get(Identity, identity_id)
            g = groups.find(s, identity_id, group_ref)

            def card() -> ContactCard:
                return store.own_card(s, identity, host.peer_id, host.addresses)

            def share(member: bytes, control: dict[str, Any]) -> None:
                outbox.seal(s, identity, member, control, "control", card, now=self.clock())

            return groups.seal(s, identity, g, inner, kind, share, self.clock())

        msg_id = await self.node.db(seal)
        await self.flush()
        return {"id": msg_id, "state": "sent"}

    async def send_roster(self, identity_id: str, roster: dict[str, Any], to: list[bytes]) -> None:
        for member in to:
            await self.queue(identity_id, member, roster, "control")
        await self.flush()

    # -- verification (SAS) -----------------------------------------------------------------------

    async def verify_start(self, identity_id: str, peer_sign: bytes) -> Verification:
        v = self.verifications[(identity_id, peer_sign)] = Verification(new_tx())
        await self.queue(
            identity_id, peer_sign, {"type": "sas", "step": "start", "tx": v.tx, "key": v.public_key}, "control"
        )
        self.wake()
        return v

    async def _on_sas(self, identity_id: str, peer_sign: bytes, info: dict[str, Any]) -> None:
        key = (identity_id, peer_sign)
        if info["step"] == "start":
            v = self.verifications[key] = Verification(info["tx"])
            v.complete(info["key"], info["keys"])
            await self._control(
                identity_id, peer_sign, {"type": "sas", "step": "reply", "tx": v.tx, "key": v.public_key}
            )
        else:
            v = self.verifications.get(key)  # type: ignore[assignment]
            if v is None or v.tx != info["tx"] or v.emoji is not None:
                return  # an answer to nothing we asked: ignored
            v.complete(info["key"], info["keys"])
        self.node.events.emit(ev.ContactVerification(identity_id, peer_sign.hex(), "compare"))

    async def _control(self, identity_id: str, peer_sign: bytes, inner: dict[str, Any]) -> None:
        """Queue a control message (receipt, acceptance, card update); the pump sends it soon,
        not now: this runs while the peer's stream waits for our reply."""
        try:
            await self.queue(identity_id, peer_sign, inner, "control")
        except outbox.NotReachable:
            log.info("cannot answer a peer without messaging keys")
        self.wake()

    # -- holding ----------------------------------------------------------------------------------

    async def _on_keys(self, peer: str, payload: bytes) -> bytes:
        try:
            answer = await self.node.db(lambda s: prekeys.answer_claim(s, payload))
            self.keys_handed_out += 1
            return json.dumps(answer).encode()
        except prekeys.ClaimRefused as exc:
            return replies.reply(False, str(exc))

    async def _on_hold(self, peer: str, payload: bytes) -> bytes:
        try:
            result = await self.node.db(lambda s: holding.handle(s, peer, payload, self.clock()))
        except holding.HoldRefused as exc:
            return replies.reply(False, str(exc))
        return json.dumps(result).encode()

    async def fetch_held(self) -> int:
        """Ask each of our holders for what they keep for us; returns how many envelopes came."""
        from .fetching import fetch_held

        return await fetch_held(self)

    # -- the pump ---------------------------------------------------------------------------------

    async def sync(self, force: bool = False) -> dict[str, int]:
        async with self._sync_lock:
            await self.flush(force=force)
            fetched = await self.fetch_held()
            await self.flush(force=force)  # receipts and answers made while fetching
        queued = await self.node.db(_queued_count)
        return {"fetched": fetched, "queued": queued}

    def _retry_soon(self, peer_sign: bytes) -> None:
        async def retry() -> None:
            try:
                await self.flush(only_peer=peer_sign, force=True)
            except Exception:  # noqa: BLE001 - the pump tries again later
                log.info("retry after contact failed", exc_info=True)

        task = asyncio.ensure_future(retry())
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    def wake(self) -> None:
        self._wake.set()

    async def _pump(self) -> None:
        while self.node.vault is not None:
            try:
                await self.sync()
            except asyncio.CancelledError:
                raise
            except E.NoVaultOpen:
                return  # the vault is locking: aclose() follows
            except Exception:  # noqa: BLE001 - a bad round must not stop the pump
                log.exception("messaging sync failed")
            await wait_for_work(self.owner, self._wake, self.pump_interval)
            self._wake.clear()


def _host_config(s: Any) -> tuple[bytes, int, list[str]]:
    listen = os.environ.get(LISTEN_ENV)
    addrs = [a.strip() for a in listen.split(",") if a.strip()] if listen else [DEFAULT_LISTEN]
    return store.host_seed(s), int(store.get_setting(s, store.PORT_SETTING, 0) or 0), addrs


def _listen_addrs(listen: list[str], port: int) -> list[str]:
    # a port of 0 in the settings means "any"; once one was given, reuse it so cards stay right
    return [a[: -len("/tcp/0")] + f"/tcp/{port}" if a.endswith("/tcp/0") and port else a for a in listen]


def _remember_online(s: Any, peer_id: str, addresses: list[str]) -> None:
    store.set_setting(s, store.ONLINE_SETTING, True)
    store.set_setting(s, PEER_SETTING, peer_id)
    store.set_setting(s, ADDRESSES_SETTING, addresses)
    for a in addresses:
        if "/tcp/" in a:
            store.set_setting(s, store.PORT_SETTING, int(a.rsplit("/tcp/", 1)[1].split("/")[0]))
            break


def _queued_count(s: Any) -> int:
    from sqlalchemy import func, select

    from vault.models import CommsMessage

    return int(s.scalar(select(func.count()).where(CommsMessage.envelope.is_not(None))) or 0)
