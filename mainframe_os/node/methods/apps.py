"""apps_* (the launcher and CLI managing apps) and the methods apps call through the SDK:
notifications_show, contacts_select, payments_payContact, apps_getIdentity and the
EIP-2255 wallet_*Permissions. Logic lives in `mainframe_os.node.apps`; this is the wire."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..apps.gateway import request_accounts
from ..apps.manifest import PERMISSION_KEYS
from ..apps.service import ACCOUNTS_KEY, AppsService
from ..context import CallerContext
from ..events import Notification
from ..params import Param
from ..prompter import PromptRequest
from ..registry import PUBLIC, Access, method
from .identities import identity_row, require_identity

if TYPE_CHECKING:
    from ..node import Node


def _svc(node: Node) -> AppsService:
    return node.apps


def app_caller(ctx: CallerContext) -> tuple[str, str]:
    """(identity id, app id) of an app's call; refused for trusted callers (nothing to act on)."""
    if not ctx.app_id or not ctx.identity_id:
        raise E.InvalidRequest("This method is for apps (it acts on the calling app's data)")
    return ctx.identity_id, ctx.app_id


# -- launcher / CLI: installing and managing ---------------------------------------------------------


@method("apps_install", Param("path", max_length=4096), Param("identityId", required=False))
async def apps_install(node: Node, ctx: CallerContext, path: str, identityId: str | None) -> dict[str, Any]:
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
    node: Node, ctx: CallerContext, appId: str, version: str, grant: list[str] | None, identityId: str | None
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
async def apps_pack(
    node: Node, ctx: CallerContext, path: str, out: str | None, identityId: str | None
) -> dict[str, Any]:
    """Sign an app folder with a developer identity's key into a .mfapp (the key never leaves the node)."""
    import asyncio

    from ..apps.package import PACKAGE_SUFFIX, pack, read_source_manifest

    ident = await require_identity(node, ctx, identityId)
    row = await node.db(
        lambda s: (lambda i: (bool(i.developer), bytes(i.sign_seed), i.display_name))(identity_row(s, ident))
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
async def apps_list(node: Node, ctx: CallerContext, identityId: str | None) -> list[dict[str, Any]]:
    """The identity's installed apps (the bundled ones are installed on first use)."""
    ident = await require_identity(node, ctx, identityId)
    await _svc(node).ensure_bundled(ident)
    return await _svc(node).installed(ident)


@method("apps_get", Param("appId", max_length=40), Param("identityId", required=False))
async def apps_get(node: Node, ctx: CallerContext, appId: str, identityId: str | None) -> dict[str, Any]:
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
async def apps_uninstall(node: Node, ctx: CallerContext, appId: str, deleteData: bool, identityId: str | None) -> bool:
    """Remove an app for the identity; its data too with deleteData (ask the user first)."""
    ident = await require_identity(node, ctx, identityId)
    await _svc(node).uninstall(ident, appId, deleteData)
    return True


@method("apps_getPermissions", Param("appId", max_length=40), Param("identityId", required=False))
async def apps_get_permissions(
    node: Node, ctx: CallerContext, appId: str, identityId: str | None
) -> list[dict[str, Any]]:
    """Each permission the app declares, with the user's decision (always/never/session/none)."""
    ident = await require_identity(node, ctx, identityId)
    return await _svc(node).permissions_view(ident, appId)


@method("apps_getAccounts", Param("appId", max_length=40), Param("identityId", required=False))
async def apps_get_accounts(node: Node, ctx: CallerContext, appId: str, identityId: str | None) -> list[str]:
    """The wallet accounts the app can see (its wallet connection); [] when it is not connected."""
    ident = await require_identity(node, ctx, identityId)
    return await _svc(node).exposed_accounts(CallerContext.app(appId, ident))


@method(
    "apps_getIcon",
    Param("appId", max_length=40),
    Param("version", required=False, max_length=64, description="a staged package's version (apps_install)"),
    Param("identityId", required=False),
)
async def apps_get_icon(
    node: Node, ctx: CallerContext, appId: str, version: str | None, identityId: str | None
) -> str | None:
    """The app's icon file as base64 (from its verified files), or null when it has none.
    With `version`: the icon of that staged or installed package, before it is installed."""
    if version is not None:
        source: Any = await node.on_vault_thread(_svc(node).files.load, appId, version)
    else:
        source = await _svc(node).source(await require_identity(node, ctx, identityId), appId)
    if not source.manifest.icon:
        return None
    return base64.b64encode(source.read(source.manifest.icon)).decode()  # small, hashed against the manifest


@method(
    "apps_setGrant",
    Param("appId", max_length=40),
    Param("key", max_length=40),
    Param("decision", description="always | never | session | ask"),
    Param("value", "any", required=False),
    Param("identityId", required=False),
)
async def apps_set_grant(
    node: Node, ctx: CallerContext, appId: str, key: str, decision: str, value: Any, identityId: str | None
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
async def apps_revoke(node: Node, ctx: CallerContext, appId: str, key: str | None, identityId: str | None) -> bool:
    """Revoke one permission (or all, and the wallet connection, with no key): the app asks again."""
    ident = await require_identity(node, ctx, identityId)
    keys = [key] if key else [*PERMISSION_KEYS, ACCOUNTS_KEY]
    for k in keys:
        await _svc(node).set_grant(ident, appId, k, None)
    return True


# -- app-facing ------------------------------------------------------------------------------------------


@method("apps_getIdentity", access=PUBLIC, app_only=True)
async def apps_get_identity(node: Node, ctx: CallerContext) -> dict[str, Any]:
    """For apps (SDK identity.get): the display name and an id that only this app sees."""
    ident, app = app_caller(ctx)
    name = await node.db(lambda s: identity_row(s, ident).display_name)
    return {"displayName": name, "id": await _svc(node).pseudonym(ident, app, "identity:" + ident)}


@method("eth_accounts", access=PUBLIC, raw_params=True)
async def eth_accounts(node: Node, ctx: CallerContext, params: list[Any]) -> list[str]:
    """EIP-1102: an app sees only the accounts the user connected it to ([] before); trusted callers all."""
    if ctx.app_id is None:
        from ..apps.policy import identity_addresses

        return _as_metamask(await identity_addresses(node, await require_identity(node, ctx)))
    return _as_metamask(await _svc(node).exposed_accounts(ctx))


def _as_metamask(accounts: list[str]) -> list[str]:
    """Accounts in lowercase, as MetaMask answers: dapps compare them with `===` against
    addresses recovered by eth-sig-util (lowercase), e.g. MetaMask's test dapp."""
    return [a.lower() for a in accounts]


@method("eth_requestAccounts", access=PUBLIC, raw_params=True)
async def eth_request_accounts(node: Node, ctx: CallerContext, params: list[Any]) -> list[str]:
    """EIP-1102: ask the user to connect the app to an account (a launcher dialog)."""
    if ctx.app_id is None:
        return await eth_accounts(node, ctx, params)
    return _as_metamask(await request_accounts(node, ctx))


@method("wallet_getPermissions", access=PUBLIC, app_only=True)
async def wallet_get_permissions(node: Node, ctx: CallerContext) -> list[dict[str, Any]]:
    """EIP-2255: the app's wallet permissions (eth_accounts with its exposed accounts)."""
    app_caller(ctx)
    accounts = await _svc(node).exposed_accounts(ctx)
    return _eip2255(ctx, accounts)


@method("wallet_requestPermissions", Param("permissions", "object"), access=PUBLIC, app_only=True)
async def wallet_request_permissions(
    node: Node, ctx: CallerContext, permissions: dict[str, Any]
) -> list[dict[str, Any]]:
    """EIP-2255: request eth_accounts (the same approval as eth_requestAccounts)."""
    app_caller(ctx)
    unknown = [k for k in permissions if k != ACCOUNTS_KEY]
    if unknown:
        raise E.InvalidParams(f"unknown permission '{str(unknown[0])[:40]}'")
    accounts = await request_accounts(node, ctx)
    return _eip2255(ctx, accounts)


@method("wallet_revokePermissions", Param("permissions", "object"), access=PUBLIC, app_only=True)
async def wallet_revoke_permissions(node: Node, ctx: CallerContext, permissions: dict[str, Any]) -> None:
    """EIP-2255 (draft revoke): disconnect the app; it sees no accounts until it asks again."""
    ident, app = app_caller(ctx)
    if ACCOUNTS_KEY in permissions:
        await _svc(node).set_grant(ident, app, ACCOUNTS_KEY, None)
    return None


def _eip2255(ctx: CallerContext, accounts: list[str]) -> list[dict[str, Any]]:
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
async def notifications_show(node: Node, ctx: CallerContext, title: str, body: str) -> bool:
    """Show a notification in the launcher, labelled with the app's name."""
    ident, app = app_caller(ctx)
    m = await _svc(node).manifest(ident, app)
    node.events.emit(Notification(title=title, body=body or "", kind="app", source=f"app:{m.name}"))
    return True


@method(
    "contacts_select",
    Param("multi", "boolean", required=False, default=False),
    access=Access.permission_key("CONTACTS_READ"),
    app_only=True,  # acts on the calling app: no CLI command
)
async def contacts_select(node: Node, ctx: CallerContext, multi: bool) -> list[dict[str, Any]]:
    """The user picks contacts in a launcher dialog; the app gets per-app ids and names only, and
    may pay those contacts from now on (payments.payContact), no others."""
    from sqlalchemy import select

    from vault.models import Contact

    from ..comms import app_scope

    ident, app = app_caller(ctx)
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
    return list(await node.db(lambda s: app_scope.select_picked(s, ident, app, chosen)))


@method(
    "payments_payContact",
    Param("contact", max_length=64),
    Param("currency", max_length=16),
    Param("amount", "any"),
    access=Access.permission_key("BLOCKCHAIN_SEND"),
    app_only=True,  # acts on the calling app: no CLI command
)
async def payments_pay_contact(
    node: Node, ctx: CallerContext, contact: str, currency: str, amount: Any
) -> dict[str, Any]:
    """Pay a contact (a per-app id from contacts.select) in ETH, MFT or DAI; the user approves it.

    Only a contact the user picked for this app (or, for an app holding MESSENGER, any of theirs):
    another app's id, a guessed one or a contact never picked is refused before anything is shown."""
    from ..registry import REGISTRY

    app_caller(ctx)
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
