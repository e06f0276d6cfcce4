"""The one list of node methods.

Every method is declared once, next to its handler:

    @method("contacts_list", Param("identityId", required=False), access=Access.permission("CONTACTS_READ"))
    async def contacts_list(node, ctx, identityId): ...

The dispatcher, the CLI (`mfos rpc`, `mfos methods`), the socket server and the SDK's method
list (`rpc_methods`) are all derived from `REGISTRY`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .params import Param

if TYPE_CHECKING:
    from .context import CallerContext
    from .node import Node

Handler = Callable[..., Awaitable[Any]]

_WIRE_NAME = re.compile(r"^[a-z][a-z0-9]*_[a-z][A-Za-z0-9]*$")

# Service modules that declare methods; importing them fills the registry.
SERVICE_MODULES = (
    "mainframe_os.node.methods.system",
    "mainframe_os.node.methods.vaults",
    "mainframe_os.node.methods.identities",
    "mainframe_os.node.methods.contacts",
    "mainframe_os.node.methods.wallet",
    "mainframe_os.node.methods.swap",
    "mainframe_os.node.methods.onramp",
    "mainframe_os.node.methods.network",
    "mainframe_os.node.methods.ethereum",
    "mainframe_os.node.methods.eth_logs",
    "mainframe_os.node.methods.eth_subscriptions",
    "mainframe_os.node.methods.signing",
    "mainframe_os.node.methods.batch_calls",
    "mainframe_os.node.methods.nfts",
    "mainframe_os.node.methods.apps",
    "mainframe_os.node.methods.comms",
    "mainframe_os.node.methods.contact_requests",
    "mainframe_os.node.methods.groups",
)


@dataclass(frozen=True)
class Access:
    """Who may call a method. Trusted callers (launcher, CLI) may call everything not `secret`
    without more proof.

    `secret` methods let keys or the whole vault leave (phrase reveal, key export, backup,
    password change, delete): trusted callers only, and the call must carry the vault password
    again (`password_param`), which the dispatcher checks against the vault (`vault_param`
    names it; the open vault by default) before the handler runs, on every transport.
    """

    kind: str  # "trusted" | "public" | "permission" | "secret"
    permission: str | None = None
    password_param: str | None = None
    vault_param: str | None = None

    @classmethod
    def permission_key(cls, key: str) -> Access:
        return cls("permission", key)

    @property
    def apps_may_call(self) -> bool:
        return self.kind in ("public", "permission")

    @classmethod
    def secret(cls, password_param: str = "vaultPassword", vault_param: str | None = None) -> Access:
        return cls("secret", password_param=password_param, vault_param=vault_param)


TRUSTED = Access("trusted")  # launcher and CLI only, never an app
PUBLIC = Access("public")  # any app, no grant needed (e.g. eth_chainId)


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    params: tuple[Param, ...]
    access: Access
    needs_vault: bool
    summary: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        return self.name.split("_", 1)[0]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "params": [p.describe() for p in self.params],
            "access": self.access.permission or self.access.kind,
        }


class Registry:
    def __init__(self) -> None:
        self._methods: dict[str, Method] = {}
        self._loaded = False

    def add(self, m: Method) -> None:
        if m.name in self._methods:
            raise ValueError(f"method {m.name} declared twice")
        self._methods[m.name] = m

    def get(self, name: str) -> Method | None:
        self.load()
        return self._methods.get(name)

    def all(self) -> list[Method]:
        self.load()
        return sorted(self._methods.values(), key=lambda m: m.name)

    def load(self) -> None:
        if not self._loaded:
            for mod in SERVICE_MODULES + tuple(_extra_modules):
                importlib.import_module(mod)
            self._loaded = True  # only now: another thread may be loading it (Node.warm_up)

    @property
    def loaded(self) -> bool:
        return self._loaded


REGISTRY = Registry()
_extra_modules: list[str] = []


def register_service_module(module: str) -> None:
    """Later features (wallet, apps) add their method modules here, before first use."""
    if module not in _extra_modules and module not in SERVICE_MODULES:
        _extra_modules.append(module)
        if REGISTRY._loaded:
            importlib.import_module(module)


def method(
    name: str,
    *params: Param,
    access: Access = TRUSTED,
    needs_vault: bool = True,
    **extra: Any,
) -> Callable[[Handler], Handler]:
    if not (_WIRE_NAME.match(name) or name.startswith(("eth_", "personal_", "wallet_", "net_", "web3_"))):
        raise ValueError(f"bad wire name {name!r}: use namespace_camelCase")

    def deco(fn: Handler) -> Handler:
        doc = (fn.__doc__ or "").strip().splitlines()
        REGISTRY.add(Method(name, fn, tuple(params), access, needs_vault, doc[0] if doc else "", extra))
        return fn

    return deco


if TYPE_CHECKING:  # the handler shape, for readers

    async def _example(node: Node, ctx: CallerContext, **params: Any) -> Any: ...
