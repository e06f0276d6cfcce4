"""VaultSession: everything the node keeps while one vault is open, dropped in one place.

The open vault's owner chose a network, signs with seeds derived from its phrase, has sends in
flight, a payment watcher, apps' filters, subscriptions and batches. All of that belongs to the
vault, not to the node: when the vault locks (or another one opens) `close()` ends it all, and
the node starts a fresh session.

    node.session.chain        ChainService: the chosen network and a live connection
    node.session.txs          TxService: the send pipeline
    node.session.watcher      PaymentWatcher
    node.session.seeds        SeedCache (BIP-39 seeds of the open vault's wallets)
    node.session.filters      eth_newFilter & co., per caller
    node.session.subscriptions  eth_subscribe, per caller
    node.session.batches      EIP-5792 batches, per caller
    node.session.comms        CommsService: messaging (its libp2p host), once started
    node.session.files        FilesService: the encrypted files' block store, once opened
    node.session.app_pushes   messages pushed to app pages (mainframe.comms), once subscribed

and what the node-wide apps service learned from this vault (grants, "this session" decisions).

Each service is built the first time it is used: most of them load web3, which a node that
only manages vaults (the CLI's `mfos vault list`, the lock screen) never needs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .events import ActiveIdentityChanged, IdentitiesChanged

if TYPE_CHECKING:
    from .comms.app_push import AppPushes
    from .comms.service import CommsService
    from .files.service import FilesService
    from .methods.batch_calls import Batch
    from .methods.eth_logs import Filters
    from .methods.eth_subscriptions import Subscriptions
    from .node import Node
    from .wallet.chain import ChainService
    from .wallet.store import SeedCache
    from .wallet.txs import TxService
    from .wallet.watcher import PaymentWatcher

log = logging.getLogger("mainframe_os.node")


class VaultSession:
    """The vault-scoped services of one node (see the module docstring)."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self._chain: ChainService | None = None
        self._txs: TxService | None = None
        self._watcher: PaymentWatcher | None = None
        self._seeds: SeedCache | None = None
        self._filters: Filters | None = None
        self._subscriptions: Subscriptions | None = None
        self.batches: dict[tuple[str, str], Batch] = {}
        # built by comms.get_service / files.service.files_service (the files one needs the vault)
        self.comms: CommsService | None = None
        self.files: FilesService | None = None
        self.app_pushes: AppPushes | None = None  # mainframe.comms pushes (comms/app_push.py)
        # the active identity's id, read once (methods/identities.active_identity_id); dropped when
        # an identity is created, deleted or selected (each emits IdentitiesChanged or
        # ActiveIdentityChanged), and with the vault (a new VaultSession)
        self.active_identity: str | None = None
        self.identity_generation = 0  # bumped with each drop: a read that raced one is not kept
        self._unsubscribe = [
            node.events.subscribe(IdentitiesChanged, self._forget_identity),
            node.events.subscribe(ActiveIdentityChanged, self._forget_identity),
        ]

    def _forget_identity(self, _event: object) -> None:
        self.active_identity = None
        self.identity_generation += 1

    @property
    def chain(self) -> ChainService:
        if self._chain is None:
            from .wallet.chain import ChainService

            self._chain = ChainService(self._node)
        return self._chain

    @property
    def txs(self) -> TxService:
        if self._txs is None:
            from .wallet.txs import TxService

            self._txs = TxService(self._node)
        return self._txs

    @property
    def watcher(self) -> PaymentWatcher:
        if self._watcher is None:
            from .wallet.watcher import PaymentWatcher

            self._watcher = PaymentWatcher(self._node)
        return self._watcher

    @property
    def seeds(self) -> SeedCache:
        if self._seeds is None:
            from .wallet.store import SeedCache

            self._seeds = SeedCache()
        return self._seeds

    @property
    def filters(self) -> Filters:
        if self._filters is None:
            from .methods.eth_logs import Filters

            self._filters = Filters()
        return self._filters

    @property
    def subscriptions(self) -> Subscriptions:
        if self._subscriptions is None:
            from .methods.eth_subscriptions import Subscriptions

            self._subscriptions = Subscriptions(self._node)
        return self._subscriptions

    async def close(self) -> None:
        """End everything: the pollers and trackers first, then the caches, the chain last (it
        waits for its worker without holding the loop, so its folder is free for the next vault)."""
        subscriptions, watcher, txs, seeds, chain = (
            self._subscriptions,
            self._watcher,
            self._txs,
            self._seeds,
            self._chain,
        )
        self._subscriptions = self._watcher = self._txs = self._seeds = self._chain = None
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._forget_identity(None)
        self._filters = None
        self.batches.clear()
        pushes, self.app_pushes = self.app_pushes, None
        if pushes is not None:
            pushes.close()
        comms, files, self.comms, self.files = self.comms, self.files, None, None
        if comms is not None:
            try:
                await comms.aclose()  # the libp2p host stops before anything it could call into
            except Exception:  # noqa: BLE001 - one failing close must not keep the rest open
                log.exception("closing messaging failed")
        for svc in (subscriptions, watcher, txs, seeds, files):
            if svc is not None:
                try:
                    svc.close()
                except Exception:  # noqa: BLE001 - one failing close must not keep the rest open
                    log.exception("closing %s failed", type(svc).__name__)
        if self._node.apps_started:
            self._node.apps.forget()  # grants and sources it read from the vault; "session" grants
        if chain is not None:
            await chain.aclose()
