"""apps_* (the launcher and CLI managing apps) and the methods apps call through the SDK:
storage_*, notifications_show, contacts_select, payments_payContact, apps_getIdentity and the
EIP-2255 wallet_*Permissions. Logic lives in `mainframe_os.node.apps`; this is the wire."""

from __future__ import annotations

import base64
import binascii
import json
import time
from pathlib import Path
from typing import Any

from .. import errors as E
from ..apps.gateway import request_accounts
from ..apps.manifest import PERMISSION_KEYS
from ..apps.service import ACCOUNTS_KEY, AppsService
from ..events import Notification
from ..params import Param
from ..prompter import PromptRequest
from ..registry import PUBLIC, Access, method
from .identities import require_identity

MAX_KEY = 256
MAX_VALUE_BYTES = 256 * 1024
MAX_FILE_BYTES = 512 * 1024  # a bridge message is at most 1 MiB, and files travel base64
MAX_APP_BYTES = 32 << 20
STORAGE = Access.permission_key("STORAGE")


def _svc(node: Any) -> AppsService:
    return AppsService.of(node)


def _app(ctx: Any) -> tuple[str, str]:
    if not ctx.app_id or not ctx.identity_id:
        raise E.InvalidRequest("This method is for apps (it acts on the calling app's data)")
    return ctx.identity_id, ctx.app_id


# -- launcher / CLI: installing and managing ---------------------------------------------------------


@method("apps_install", Param("path", max_length=4096), Param("identityId", required=False))
async def apps_install(node: Any, ctx: Any, path: str, identityId: str | None) -> dict[str, Any]:
    """Verify a .mfapp file (or a signed folder) and stage it; returns what to show before approval."""
    ident = await require_identity(node, ctx, identityId)
    manifest = await _svc(node).stage(str(Path(path).expanduser()))
    update = await _svc(node).update_info(ident, manifest)
    return {"manifest": manifest.summary(), "update": update, "identityId": ident}


@method(
    "apps_approveInstall",
    Param("appId", max_length=40),
    Param("version", max_length=64),
    Param("grant", "array", required=False, default=None, description="optional permissions granted"),
    Param("identityId", required=False),
)
async def apps_approve_install(
    node: Any, ctx: Any, appId: str, version: str, grant: list[str] | None, identityId: str | None
) -> dict[str, Any]:
    """Install a staged app for the identity, granting its required and the chosen optional permissions."""
    ident = await require_identity(node, ctx, identityId)
    src = await node.on_vault_thread(_svc(node).files.load, appId, version)
    return await _svc(node).approve(ident, src.manifest, [str(g) for g in grant or []])


@method(
    "apps_pack",
    Param("path", max_length=4096),
    Param("out", required=False, max_length=4096),
    Param("identityId", required=False),
)
async def apps_pack(node: Any, ctx: Any, path: str, out: str | None, identityId: str | None) -> dict[str, Any]:
    """Sign an app folder with a developer identity's key into a .mfapp (the key never leaves the node)."""
    import asyncio

    from vault.models import Identity

    from ..apps.package import PACKAGE_SUFFIX, pack, read_source_manifest

    ident = await require_identity(node, ctx, identityId)
    row = await node.db(
        lambda s: (lambda i: (bool(i.developer), bytes(i.sign_seed), i.display_name))(s.get(Identity, ident))
    )
    developer, seed, name = row
    if not developer:
        raise E.InvalidParams("Only a developer identity signs apps: mfos identity create NAME --developer")
    folder = Path(path).expanduser().resolve()
    if out is None:
        src = read_source_manifest(folder)
        slug = "".join(c if c.isalnum() else "-" for c in str(src.get("name", "app")).lower()).strip("-") or "app"
        out = str(folder.parent / f"{slug}-{src.get('version', '0.0.0')}{PACKAGE_SUFFIX}")
    manifest = await asyncio.get_running_loop().run_in_executor(None, pack, folder, seed, name, out)
    return {"path": out, "manifest": manifest.summary(), "files": len(manifest.contents)}


@method("apps_list", Param("identityId", required=False))
async def apps_list(node: Any, ctx: Any, identityId: str | None) -> list[dict[str, Any]]:
    """The identity's installed apps (the bundled ones are installed on first use)."""
    ident = await require_identity(node, ctx, identityId)
    await _svc(node).ensure_bundled(ident)
    return await _svc(node).installed(ident)


@method("apps_get", Param("appId", max_length=40), Param("identityId", required=False))
async def apps_get(node: Any, ctx: Any, appId: str, identityId: str | None) -> dict[str, Any]:
    """One installed app: its manifest summary and permissions."""
    ident = await require_identity(node, ctx, identityId)
    m = await _svc(node).manifest(ident, appId)
    return {
        **m.summary(),
        "entry": m.entry,
        "icon": m.icon,
        "permissionsState": await _svc(node).permissions_view(ident, appId),
    }


@method(
    "apps_uninstall",
    Param("appId", max_length=40),
    Param("deleteData", "boolean", required=False, default=False),
    Param("identityId", required=False),
)
async def apps_uninstall(node: Any, ctx: Any, appId: str, deleteData: bool, identityId: str | None) -> bool:
    """Remove an app for the identity; its data too with deleteData (ask the user first)."""
    ident = await require_identity(node, ctx, identityId)
    await _svc(node).uninstall(ident, appId, deleteData)
    return True


@method("apps_getPermissions", Param("appId", max_length=40), Param("identityId", required=False))
async def apps_get_permissions(node: Any, ctx: Any, appId: str, identityId: str | None) -> list[dict[str, Any]]:
    """Each permission the app declares, with the user's decision (always/never/session/none)."""
    ident = await require_identity(node, ctx, identityId)
    return await _svc(node).permissions_view(ident, appId)


@method(
    "apps_setGrant",
    Param("appId", max_length=40),
    Param("key", max_length=40),
    Param("decision", description="always | never | session | ask"),
    Param("value", "any", required=False),
    Param("identityId", required=False),
)
async def apps_set_grant(
    node: Any, ctx: Any, appId: str, key: str, decision: str, value: Any, identityId: str | None
) -> bool:
    """Decide a permission for an app (ask = forget the decision: the app asks next time)."""
    ident = await require_identity(node, ctx, identityId)
    m = await _svc(node).manifest(ident, appId)
    if key != ACCOUNTS_KEY and key not in m.permissions:
        raise E.InvalidParams(f"this app does not ask for {key[:40]}")
    if key == "WEB_REQUEST" and value is not None:
        if not isinstance(value, list) or any(d not in m.web_domains for d in value):
            raise E.InvalidParams("WEB_REQUEST can only grant domains the app's manifest lists")
    if key == "WEB_REQUEST" and value is None and decision != "never":
        value = list(m.web_domains)
    await _svc(node).set_grant(ident, appId, key, None if decision == "ask" else decision, value)
    return True


@method(
    "apps_revoke",
    Param("appId", max_length=40),
    Param("key", required=False, max_length=40),
    Param("identityId", required=False),
)
async def apps_revoke(node: Any, ctx: Any, appId: str, key: str | None, identityId: str | None) -> bool:
    """Revoke one permission (or all, and the wallet connection, with no key): the app asks again."""
    ident = await require_identity(node, ctx, identityId)
    keys = [key] if key else [*PERMISSION_KEYS, ACCOUNTS_KEY]
    for k in keys:
        await _svc(node).set_grant(ident, appId, k, None)
    return True


# -- app-facing ------------------------------------------------------------------------------------------


@method("apps_getIdentity", access=PUBLIC, app_only=True)
async def apps_get_identity(node: Any, ctx: Any) -> dict[str, Any]:
    """For apps (SDK identity.get): the display name and an id that only this app sees."""
    from vault.models import Identity

    ident, app = _app(ctx)
    name = await node.db(lambda s: s.get(Identity, ident).display_name)
    return {"displayName": name, "id": await _svc(node).pseudonym(ident, app, "identity:" + ident)}


@method("eth_accounts", access=PUBLIC, raw_params=True)
async def eth_accounts(node: Any, ctx: Any, params: list[Any]) -> list[str]:
    """EIP-1102: an app sees only the accounts the user connected it to ([] before); trusted callers all."""
    if ctx.app_id is None:
        from ..apps.service import identity_addresses

        return _as_metamask(await identity_addresses(node, await require_identity(node, ctx)))
    return _as_metamask(await _svc(node).exposed_accounts(ctx))


def _as_metamask(accounts: list[str]) -> list[str]:
    """Accounts in lowercase, as MetaMask answers: dapps compare them with `===` against
    addresses recovered by eth-sig-util (lowercase), e.g. MetaMask's test dapp."""
    return [a.lower() for a in accounts]


@method("eth_requestAccounts", access=PUBLIC, raw_params=True)
async def eth_request_accounts(node: Any, ctx: Any, params: list[Any]) -> list[str]:
    """EIP-1102: ask the user to connect the app to an account (a launcher dialog)."""
    if ctx.app_id is None:
        return await eth_accounts(node, ctx, params)
    return _as_metamask(await request_accounts(node, ctx))


@method("wallet_getPermissions", access=PUBLIC, app_only=True)
async def wallet_get_permissions(node: Any, ctx: Any) -> list[dict[str, Any]]:
    """EIP-2255: the app's wallet permissions (eth_accounts with its exposed accounts)."""
    _app(ctx)
    accounts = await _svc(node).exposed_accounts(ctx)
    return _eip2255(ctx, accounts)


@method("wallet_requestPermissions", Param("permissions", "object"), access=PUBLIC, app_only=True)
async def wallet_request_permissions(node: Any, ctx: Any, permissions: dict[str, Any]) -> list[dict[str, Any]]:
    """EIP-2255: request eth_accounts (the same approval as eth_requestAccounts)."""
    _app(ctx)
    unknown = [k for k in permissions if k != ACCOUNTS_KEY]
    if unknown:
        raise E.InvalidParams(f"unknown permission '{str(unknown[0])[:40]}'")
    accounts = await request_accounts(node, ctx)
    return _eip2255(ctx, accounts)


@method("wallet_revokePermissions", Param("permissions", "object"), access=PUBLIC, app_only=True)
async def wallet_revoke_permissions(node: Any, ctx: Any, permissions: dict[str, Any]) -> None:
    """EIP-2255 (draft revoke): disconnect the app; it sees no accounts until it asks again."""
    ident, app = _app(ctx)
    if ACCOUNTS_KEY in permissions:
        await _svc(node).set_grant(ident, app, ACCOUNTS_KEY, None)
    return None


def _eip2255(ctx: Any, accounts: list[str]) -> list[dict[str, Any]]:
    if not accounts:
        return []
    return [
        {
            "invoker": f"mfapp://{ctx.app_id}",
            "parentCapability": ACCOUNTS_KEY,
            "id": ctx.app_id,
            "date": int(time.time() * 1000),
            "caveats": [{"type": "restrictReturnedAccounts", "value": _as_metamask(accounts)}],
        }
    ]


@method(
    "notifications_show",
    Param("title", max_length=120),
    Param("body", required=False, default="", max_length=1000),
    access=Access.permission_key("NOTIFICATIONS"),
    app_only=True,  # acts on the calling app: no CLI command
)
async def notifications_show(node: Any, ctx: Any, title: str, body: str) -> bool:
    """Show a notification in the launcher, labelled with the app's name."""
    ident, app = _app(ctx)
    m = await _svc(node).manifest(ident, app)
    node.events.emit(Notification(title=title, body=body or "", kind="app", source=f"app:{m.name}"))
    return True


@method(
    "contacts_select",
    Param("multi", "boolean", required=False, default=False),
    access=Access.permission_key("CONTACTS_READ"),
    app_only=True,  # acts on the calling app: no CLI command
)
async def contacts_select(node: Any, ctx: Any, multi: bool) -> list[dict[str, Any]]:
    """The user picks contacts in a launcher dialog; the app gets per-app ids and names only."""
    from sqlalchemy import select

    from vault.models import Contact

    ident, app = _app(ctx)
    m = await _svc(node).manifest(ident, app)
    contacts = await node.db(
        lambda s: [
            (c.id, c.display_name)
            for c in s.scalars(select(Contact).where(Contact.identity_id == ident).order_by(Contact.display_name))
        ]
    )
    answer = await node.prompter.ask(
        PromptRequest(
            "contacts",
            ctx,
            f"{m.name} asks you to pick {'contacts' if multi else 'a contact'}",
            {"app": m.name, "multi": multi, "contacts": [{"id": i, "displayName": n} for i, n in contacts]},
            ("approve", "reject"),
        )
    )
    if not answer.approved:
        raise E.UserRejected()
    picked = answer.data if isinstance(answer.data, list) else []
    names = dict(contacts)
    chosen = [c for c in picked if c in names][: None if multi else 1]
    return [{"id": await _svc(node).pseudonym(ident, app, "contact:" + c), "displayName": names[c]} for c in chosen]


@method(
    "payments_payContact",
    Param("contact", max_length=64),
    Param("currency", max_length=16),
    Param("amount", "any"),
    access=Access.permission_key("BLOCKCHAIN_SEND"),
    app_only=True,  # acts on the calling app: no CLI command
)
async def payments_pay_contact(node: Any, ctx: Any, contact: str, currency: str, amount: Any) -> dict[str, Any]:
    """Pay a contact (a per-app id from contacts.select) in ETH, MFT or DAI; the user approves it."""
    from ..registry import REGISTRY

    _app(ctx)
    if currency not in ("ETH", "MFT", "DAI"):
        raise E.InvalidParams("currency must be ETH, MFT or DAI")
    if not isinstance(amount, (str, int, float)) or isinstance(amount, bool):
        raise E.InvalidParams("amount must be a number or a decimal string")
    contact_id = await _svc(node).resolve_contact(ctx, contact)
    send = REGISTRY.get("wallet_send")
    if send is None:
        raise E.UnsupportedMethod("The wallet is not available")
    # Called with the app's context on purpose: the wallet's approval dialog names the app.
    return dict(await send.handler(node, ctx, to=contact_id, amount=str(amount), token=currency))


# -- storage: app-private data in the vault ----------------------------------------------------------------


def _key(key: str) -> str:
    if not key or len(key) > MAX_KEY:
        raise E.InvalidParams(f"keys are 1 to {MAX_KEY} characters")
    return key


async def _put(node: Any, ctx: Any, kind: str, key: str, value: bytes, mime: str | None) -> None:
    from sqlalchemy import func, select

    from vault.models import AppData

    ident, app = _app(ctx)

    def write(s: Any) -> None:
        used = (
            s.scalar(
                select(func.coalesce(func.sum(func.length(AppData.value)), 0)).where(
                    AppData.identity_id == ident, AppData.app_id == app
                )
            )
            or 0
        )
        old = s.get(AppData, (ident, app, kind, key))
        if used - (len(old.value) if old else 0) + len(value) > MAX_APP_BYTES:
            raise E.InvalidParams(f"the app's storage is full ({MAX_APP_BYTES >> 20} MiB)")
        s.merge(
            AppData(identity_id=ident, app_id=app, kind=kind, key=key, value=value, mime=mime, updated_at=time.time())
        )

    await node.db(write)


async def _get(node: Any, ctx: Any, kind: str, key: str) -> Any:
    from vault.models import AppData

    ident, app = _app(ctx)

    def read(s: Any) -> Any:
        row = s.get(AppData, (ident, app, kind, key))
        return None if row is None else (bytes(row.value), row.mime)

    return await node.db(read)


async def _delete(node: Any, ctx: Any, kind: str, key: str) -> bool:
    from vault.models import AppData

    ident, app = _app(ctx)

    def delete(s: Any) -> bool:
        row = s.get(AppData, (ident, app, kind, key))
        if row is not None:
            s.delete(row)
        return row is not None

    return bool(await node.db(delete))


async def _list(node: Any, ctx: Any, kind: str, prefix: str | None) -> list[Any]:
    from sqlalchemy import select

    from vault.models import AppData

    ident, app = _app(ctx)
    stmt = select(AppData).where(AppData.identity_id == ident, AppData.app_id == app, AppData.kind == kind)
    return await node.db(
        lambda s: [
            (r.key, len(r.value), r.mime, r.updated_at)
            for r in s.scalars(stmt.order_by(AppData.key))
            if prefix is None or r.key.startswith(prefix)
        ]
    )


@method("storage_get", Param("key", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_get(node: Any, ctx: Any, key: str) -> Any:
    """A JSON value the app stored under `key` (null if none)."""
    found = await _get(node, ctx, "kv", _key(key))
    return None if found is None else json.loads(found[0])


@method("storage_set", Param("key", max_length=MAX_KEY), Param("value", "any"), access=STORAGE, app_only=True)
async def storage_set(node: Any, ctx: Any, key: str, value: Any) -> bool:
    """Store a JSON value under `key`, encrypted in the vault, private to the app and identity."""
    raw = json.dumps(value, separators=(",", ":")).encode()
    if len(raw) > MAX_VALUE_BYTES:
        raise E.InvalidParams(f"values are at most {MAX_VALUE_BYTES >> 10} KiB of JSON")
    await _put(node, ctx, "kv", _key(key), raw, None)
    return True


@method("storage_delete", Param("key", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_delete(node: Any, ctx: Any, key: str) -> bool:
    """Delete a stored value; true if there was one."""
    return await _delete(node, ctx, "kv", _key(key))


@method("storage_list", Param("prefix", required=False, max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_list(node: Any, ctx: Any, prefix: str | None) -> list[str]:
    """The app's keys (those starting with `prefix`)."""
    return [k for k, *_ in await _list(node, ctx, "kv", prefix)]


@method(
    "storage_writeFile",
    Param("name", max_length=MAX_KEY),
    Param("data", description="base64"),
    Param("mime", required=False, default="application/octet-stream", max_length=100),
    access=STORAGE,
    app_only=True,
)
async def storage_write_file(node: Any, ctx: Any, name: str, data: str, mime: str) -> dict[str, Any]:
    """Store a file (base64 data, up to 512 KiB), encrypted in the vault."""
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise E.InvalidParams("data must be base64") from None
    if len(raw) > MAX_FILE_BYTES:
        raise E.InvalidParams(f"files are at most {MAX_FILE_BYTES >> 10} KiB")
    await _put(node, ctx, "file", _key(name), raw, mime)
    return {"name": name, "size": len(raw), "mime": mime}


@method("storage_readFile", Param("name", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_read_file(node: Any, ctx: Any, name: str) -> dict[str, Any] | None:
    """A stored file as {name, data (base64), mime, size}, or null."""
    found = await _get(node, ctx, "file", _key(name))
    if found is None:
        return None
    return {"name": name, "data": base64.b64encode(found[0]).decode(), "mime": found[1], "size": len(found[0])}


@method("storage_deleteFile", Param("name", max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_delete_file(node: Any, ctx: Any, name: str) -> bool:
    """Delete a stored file; true if there was one."""
    return await _delete(node, ctx, "file", _key(name))


@method("storage_listFiles", Param("prefix", required=False, max_length=MAX_KEY), access=STORAGE, app_only=True)
async def storage_list_files(node: Any, ctx: Any, prefix: str | None) -> list[dict[str, Any]]:
    """The app's files: name, size, mime, updatedAt."""
    return [{"name": k, "size": n, "mime": m, "updatedAt": t} for k, n, m, t in await _list(node, ctx, "file", prefix)]
