"""JSON-RPC 2.0 dispatcher: parses, validates, checks access, calls, and maps errors.

It is the only place that turns exceptions into wire errors: a user-facing `RpcError` keeps its
message; anything else becomes -32603 and its traceback goes to the log only. Params are never
logged (they may hold passwords or keys).
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import TYPE_CHECKING, Any

from . import errors as E
from .context import CallerContext
from .params import bind
from .registry import REGISTRY, Method, Registry

if TYPE_CHECKING:
    from .node import Node

log = logging.getLogger("mainframe_os.rpc")

MAX_MESSAGE_BYTES = 1 << 20
MAX_BATCH = 100
MAX_DEPTH = 64
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
_BRACKET = re.compile(r"[\[\]{}]")
# A request's id, read without parsing: a top-level "id" member near the start (our SDK writes
# `{"jsonrpc":"2.0","id":N,...}`). Only used to address an error to a message we refuse to parse.
_PEEK_ID = re.compile(r'^\s*\{\s*(?:"jsonrpc"\s*:\s*"[^"]{0,8}"\s*,\s*)?"id"\s*:\s*(-?\d{1,15}|"[^"\\]{0,64}")\s*[,}]')


def too_deep(text: str) -> bool:
    """Nesting deeper than MAX_DEPTH, checked before parsing: json's C decoder can overflow the
    C stack on deep input when a library has raised the recursion limit."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def peek_id(text: str | bytes) -> int | str | None:
    """The id of a request too large or too deep to parse, when it can be read from its first
    bytes, so that the refusal settles the caller's promise instead of answering `id: null`."""
    head = text[:200]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    m = _PEEK_ID.match(head)
    if m is None:
        return None
    raw = m.group(1)
    return raw[1:-1] if raw.startswith('"') else int(raw)


class RateLimiter:
    """A token bucket per app: a page flooding the bridge gets errors, not the launcher's time."""

    def __init__(self, rate: float = 200.0, burst: int = 400) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


class Dispatcher:
    def __init__(self, node: Node, registry: Registry = REGISTRY) -> None:
        self.node = node
        self.registry = registry
        self.rate_limiter = RateLimiter()

    # -- wire entry points ----------------------------------------------------------------------

    async def handle_text(self, text: str | bytes, ctx: CallerContext) -> str | None:
        """One wire message in, one wire message out (None for notifications only)."""
        if len(text) > MAX_MESSAGE_BYTES:
            return _dump(_error_response(peek_id(text), E.InvalidRequest("Message too large (over 1 MiB)")))
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                return _dump(_error_response(None, E.ParseError("Message is not UTF-8")))
        if too_deep(text):
            return _dump(_error_response(peek_id(text), E.InvalidRequest("Message nested too deeply")))
        try:
            msg = _DECODER.decode(text)
        except (ValueError, RecursionError):
            return _dump(_error_response(None, E.ParseError()))
        out = await self.handle_message(msg, ctx)
        return None if out is None else _dump(out)

    async def handle_message(self, msg: Any, ctx: CallerContext) -> Any:
        if isinstance(msg, list):
            if not msg:
                return _error_response(None, E.InvalidRequest("Empty batch"))
            if len(msg) > MAX_BATCH:
                return _error_response(None, E.InvalidRequest(f"Batch larger than {MAX_BATCH}"))
            results = [await self._handle_one(m, ctx) for m in msg]
            results = [r for r in results if r is not None]
            return results or None
        return await self._handle_one(msg, ctx)

    # -- one request ----------------------------------------------------------------------------

    async def _handle_one(self, msg: Any, ctx: CallerContext) -> dict[str, Any] | None:
        if not isinstance(msg, dict):
            return _error_response(None, E.InvalidRequest())
        req_id = msg.get("id")
        if req_id is not None and not isinstance(req_id, (str, int, float)) or isinstance(req_id, bool):
            return _error_response(None, E.InvalidRequest("Invalid id"))
        is_notification = "id" not in msg
        if msg.get("jsonrpc") != "2.0" or not isinstance(msg.get("method"), str):
            return _error_response(req_id, E.InvalidRequest())
        try:
            result = await self.call(msg["method"], msg.get("params"), ctx)
        except Exception as exc:  # noqa: BLE001 - the edge where every error becomes a response
            if is_notification:
                return None
            return _error_response(req_id, self.to_rpc_error(exc, msg["method"]))
        if is_notification:
            return None
        return {"jsonrpc": "2.0", "id": req_id, "result": result}

    async def call(self, name: str, params: Any, ctx: CallerContext) -> Any:
        """Call a method as `ctx`; raises RpcError (or whatever the handler raised)."""
        if not ctx.trusted and not self.rate_limiter.allow(ctx.label):
            raise E.RateLimited()
        await self.node.warm_up()  # the first call imports the methods and SQLAlchemy off the loop
        m = self.registry.get(name)
        if m is None:
            raise E.MethodNotFound(f"Method not found: {name[:80]}")
        await self.check_access(m, ctx, params)
        if m.access.kind == "secret" and not (isinstance(params, dict) and params.get(m.access.password_param)):
            raise E.InvalidParams(f"{m.name} needs the vault password again ('{m.access.password_param}')")
        if m.extra.get("raw_params"):
            # standard Ethereum methods take positional params the node passes through as a list
            if params is None:
                params = []
            if not isinstance(params, list) or len(params) > 8:
                raise E.InvalidParams("params must be an array")
            kwargs = {"params": params}
        else:
            kwargs = bind(m.params, params)
        if m.needs_vault and self.node.vault is None:
            raise E.NoVaultOpen()
        if m.access.kind == "secret":
            await self.check_vault_password(m, kwargs)
        log.debug("call %s by %s", name, ctx.label)
        return await m.handler(self.node, ctx, **kwargs)

    async def check_access(self, m: Method, ctx: CallerContext, params: Any) -> None:
        if ctx.trusted and m.app_only:
            raise E.InvalidRequest(f"{m.name} acts for the calling app: only apps call it")
        if ctx.trusted or m.access.kind == "public":
            return
        if not m.access.apps_may_call:
            raise E.Unauthorized(f"{m.name} is not available to apps")
        await self.node.permissions.require(ctx, m, params)

    async def check_vault_password(self, m: Method, kwargs: dict[str, Any]) -> None:
        """A `secret` method's call carries the vault password again: check it, whoever calls."""
        import vault

        assert m.access.password_param is not None
        password = str(kwargs[m.access.password_param])
        name = kwargs.get(m.access.vault_param) if m.access.vault_param else None
        if name is None:
            name = self.node.require_vault().name

        def verify() -> None:
            probe = self.node.store.open(name)
            try:
                probe.unlock(password)
            finally:
                probe.close()

        try:
            await self.node.on_vault_thread(verify)
        except vault.WrongPassword:
            raise E.WrongPasswordError(f"Wrong vault password: {m.name} needs the password of vault '{name}'") from None

    def to_rpc_error(self, exc: BaseException, method_name: str) -> E.RpcError:
        if isinstance(exc, E.RpcError):
            return exc
        mapped = map_library_error(exc)
        if mapped is not None:
            return mapped
        log.error("internal error in %s", method_name[:80], exc_info=exc)
        return E.InternalError()


def map_library_error(exc: BaseException) -> E.RpcError | None:
    """Errors of our own libraries (vault, chain) that carry a user-facing meaning."""
    import vault

    table: list[tuple[type[BaseException], type[E.RpcError]]] = [
        (vault.WrongPassword, E.WrongPasswordError),
        (vault.VaultNotFound, E.VaultNotFoundError),
        (vault.VaultExists, E.VaultExistsError),
        (vault.InvalidVaultName, E.InvalidVaultNameError),
        (vault.BackupError, E.BackupRpcError),
        (vault.KeyringUnavailable, E.KeyringError),
        (vault.VaultBusy, E.VaultBusyError),
        (vault.CorruptVault, E.VaultCorruptError),
        (vault.VaultLocked, E.NoVaultOpen),
        (vault.VaultError, E.VaultRpcError),
    ]
    for lib_exc, rpc_exc in table:
        if isinstance(exc, lib_exc):
            # vault errors are written to be shown: they never carry secrets; their codes are the
            # wire's (one table: docs/errors.md), so the caller gets the vault's own code
            text = str(exc)
            return rpc_exc(text[:1].upper() + text[1:] if text else None, code=getattr(exc, "code", None))
    if _is_database_locked(exc):
        return E.VaultBusyError()
    if isinstance(exc, OSError) and exc.errno is not None:
        # a path the caller named cannot be used: say why in one line (the log keeps the rest)
        log.warning("file error: %s", type(exc).__name__, exc_info=exc)
        where = f": {exc.filename}" if exc.filename else ""
        return E.FileAccessError(f"{exc.strerror or 'File error'}{where}"[:300])
    return None


def _is_database_locked(exc: BaseException) -> bool:
    """SQLite's busy timeout ran out: another process held the vault's write lock too long."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return False
        if type(seen).__name__ == "OperationalError" and "database is locked" in str(seen):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON: Python would accept them, then echo them back invalid."""
    raise ValueError(f"{name} is not JSON")


# made once: json.loads and json.dumps with options build a new decoder or encoder every call
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _error_response(req_id: Any, err: E.RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": req_id, "error": err.to_json()}


def _dump(obj: Any) -> str:
    return _ENCODER.encode(obj)
