"""The apps feature's per-node state: installed packages, grants, account exposure and the
pseudonymous ids apps see. `node.apps` creates it once and installs the grant policy
on the node, so apps get their real permissions from then on.

Grants are per (identity, app) and permission key:

    always / never      stored in the vault (table app_grant), shown and revocable in the launcher
    session             kept in memory until the vault locks or the node stops
    once                never stored: the approval covers the one call that asked

The wallet connection (EIP-1102/2255) is the grant key ``eth_accounts`` whose value lists the
addresses the user chose to expose; an app sees no account until it has it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mainframe_os.datafiles import apps_dir

from .. import errors as E
from ..events import AppGrantsChanged, AppsChanged
from .errors import AppError, AppNotInstalled, DeveloperMismatch, PackageInvalid
from .manifest import PERMISSION_KEYS, PERMISSION_LABELS, Manifest, parse_version
from .policy import GrantPolicy, identity_addresses
from .store import BUNDLED_APPS, AppFiles, AppSource, InstalledSource

if TYPE_CHECKING:
    from ..context import CallerContext
    from ..node import Node

log = logging.getLogger("mainframe_os.apps")

ACCOUNTS_KEY = "eth_accounts"  # the EIP-2255 permission that exposes accounts
DECISIONS = ("always", "never", "session")
_BUNDLED_MARK = "apps:bundled:"  # + identity id -> the bundled app folders already offered to it
_FIRST_BUNDLED = ("hello", "payments")


@dataclass(frozen=True)
class Grant:
    decision: str
    value: Any = None


class AppsService:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.files = AppFiles(node.paths.apps)
        self._session: dict[tuple[str, str, str], Grant] = {}
        self._grants: dict[tuple[str, str], dict[str, Grant]] = {}
        self._sources: dict[tuple[str, str], AppSource] = {}
        self._dev: dict[str, AppSource] = {}  # app id -> dev folder source (mfos app dev)
        self.policy = GrantPolicy(node, self)
        node.permissions = self.policy

    def forget(self) -> None:
        """Drop everything learned from the vault (it was locked: VaultSession.close calls this)."""
        self._session.clear()
        self._grants.clear()
        self._sources.clear()

    # -- installed apps --------------------------------------------------------------------------

    async def install_record(self, identity_id: str, app_id: str) -> Any:
        from vault.models import AppInstall

        def get(s: Any) -> Any:
            r = s.get(AppInstall, (identity_id, app_id))
            if r is None or r.source == "removed":
                return None
            s.expunge(r)
            return r

        return await self.node.db(get)

    async def register_dev(self, identity_id: str, source: AppSource) -> None:
        """`mfos app dev`: serve an unsigned folder as an app of this identity, with all its
        permissions still asked like any other app's (its grants and data are kept per folder)."""
        from vault.models import AppInstall

        m = source.manifest
        self._dev[m.id] = source

        def upsert(s: Any) -> None:
            rec = s.get(AppInstall, (identity_id, m.id))
            if rec is None:
                s.add(
                    AppInstall(
                        identity_id=identity_id,
                        app_id=m.id,
                        version=m.version,
                        name=m.name,
                        developer_key=m.developer_key,
                        source="dev",
                        pseudonym_key=os.urandom(32),
                        installed_at=time.time(),
                        updated_at=time.time(),
                    )
                )
            else:
                rec.version, rec.source = m.version, "dev"

        await self.node.db(upsert)
        self._invalidate(identity_id, m.id)

    async def source(self, identity_id: str, app_id: str) -> AppSource:
        """The verified files an app is served from (signature checked when first loaded)."""
        if app_id in self._dev:
            return self._dev[app_id]
        cached = self._sources.get((identity_id, app_id))
        if cached is not None:
            return cached
        rec = await self.install_record(identity_id, app_id)
        if rec is None:
            raise AppNotInstalled()
        try:
            src = await self.node.on_vault_thread(self.files.load, app_id, rec.version)
        except AppNotInstalled:
            # a vault restored on another machine: its files come back from the vault itself
            from .carried import bring_back

            version = await bring_back(self, identity_id, rec)
            if version is None:
                raise
            src = await self.node.on_vault_thread(self.files.load, app_id, version)
        self._sources[(identity_id, app_id)] = src
        return src

    async def manifest(self, identity_id: str, app_id: str) -> Manifest:
        return (await self.source(identity_id, app_id)).manifest

    async def stage(self, path: str) -> Manifest:
        """Verify a package (or signed folder) and put its files in place, not yet installed."""
        import asyncio

        # hashing a big package must not hold up the vault thread or the loop

        return await asyncio.get_running_loop().run_in_executor(None, self.files.install, path)

    async def approve(
        self, identity_id: str, manifest: Manifest, granted_optional: list[str], source: str = "package"
    ) -> dict[str, Any]:
        """Install (or update) a staged app for an identity, granting required + chosen optional."""
        import asyncio

        from vault.models import AppData, AppGrant, AppInstall

        from .carried import PACKAGE_KIND, package_bytes

        unknown = [k for k in granted_optional if k not in manifest.optional]
        if unknown:
            raise E.InvalidParams(f"'{unknown[0][:40]}' is not an optional permission of this app")
        now = time.time()
        # The signed package goes into the vault too, so a backup restored elsewhere has it.
        carried = None
        if source == "package":
            carried = await asyncio.get_running_loop().run_in_executor(
                None, package_bytes, self.files, manifest.id, manifest.version
            )

        def write(s: Any) -> dict[str, Any]:
            rec = s.get(AppInstall, (identity_id, manifest.id))
            previous = None
            if rec is not None and rec.source != "removed":
                if rec.developer_key != manifest.developer_key:
                    raise DeveloperMismatch()
                if parse_version(manifest.version) < parse_version(rec.version):
                    raise PackageInvalid(f"version {manifest.version} is older than the installed {rec.version}")
                previous = rec.version
            if rec is None:
                rec = AppInstall(
                    identity_id=identity_id, app_id=manifest.id, pseudonym_key=os.urandom(32), installed_at=now
                )
                s.add(rec)
            elif rec.developer_key != manifest.developer_key:
                # a removed app's kept data goes only to the same developer
                raise DeveloperMismatch()
            rec.version, rec.name, rec.developer_key = manifest.version, manifest.name, manifest.developer_key
            rec.source, rec.updated_at = source, now
            s.flush()
            if carried is not None:
                s.merge(
                    AppData(
                        identity_id=identity_id,
                        app_id=manifest.id,
                        kind=PACKAGE_KIND,
                        key="current",
                        value=carried,
                        mime="application/zip",
                        updated_at=now,
                    )
                )
            for key in (*manifest.required, *granted_optional):
                value = list(manifest.web_domains) if key == "WEB_REQUEST" else None
                s.merge(
                    AppGrant(
                        identity_id=identity_id,
                        app_id=manifest.id,
                        key=key,
                        decision="always",
                        value=value,
                        updated_at=now,
                    )
                )
            return {"appId": manifest.id, "version": manifest.version, "previousVersion": previous}

        out = await self.node.db(write)
        self._invalidate(identity_id, manifest.id)
        self.node.events.emit(AppsChanged(identity_id))
        self.node.events.emit(AppGrantsChanged(identity_id, manifest.id))
        return out

    async def update_info(self, identity_id: str, manifest: Manifest) -> dict[str, Any] | None:
        """For an update: the installed version and the permissions the new one adds."""
        rec = await self.install_record(identity_id, manifest.id)
        if rec is None:
            return None
        if rec.developer_key != manifest.developer_key:
            raise DeveloperMismatch()
        try:
            old = await self.manifest(identity_id, manifest.id)
            old_perms = set(old.permissions)
        except E.RpcError:
            old_perms = set()
        return {"fromVersion": rec.version, "newPermissions": [p for p in manifest.permissions if p not in old_perms]}

    async def ensure_bundled(self, identity_id: str) -> None:
        """Install each bundled app once per identity (an uninstall is respected afterwards); an
        app bundled by a newer version (the Messenger) still reaches identities made before it."""
        from vault.models import Setting

        mark = _BUNDLED_MARK + identity_id

        def offered(s: Any) -> list[str] | None:
            row = s.get(Setting, mark)
            # `True`: the mark of versions that bundled only these two
            return None if row is None else (list(row.value) if isinstance(row.value, list) else list(_FIRST_BUNDLED))

        done = await self.node.db(offered) or []
        todo = [name for name in BUNDLED_APPS if name not in done]
        if not todo:
            return
        import asyncio

        for name in todo:
            folder = apps_dir() / name
            if not (folder / "manifest.json").is_file():
                continue
            try:
                manifest = await asyncio.get_running_loop().run_in_executor(None, self.files.install_unsigned, folder)
                await self.approve(identity_id, manifest, list(manifest.optional), source="bundled")
            except E.RpcError:
                log.exception("bundled app %s could not be installed", name)
        await self.node.db(lambda s: s.merge(Setting(key=mark, value=sorted({*done, *todo}))))

    async def uninstall(self, identity_id: str, app_id: str, delete_data: bool) -> None:
        from sqlalchemy import delete, select

        from vault.models import AppGrant, AppInstall

        def remove(s: Any) -> str | None:
            rec = s.get(AppInstall, (identity_id, app_id))
            if rec is None or rec.source == "removed":
                raise AppNotInstalled()
            version = rec.version
            if delete_data:
                s.delete(rec)
            else:
                # keep the row (and so the app's data); the grants go
                rec.source = "removed"
                s.execute(delete(AppGrant).where(AppGrant.identity_id == identity_id, AppGrant.app_id == app_id))
            still_used = s.scalars(
                select(AppInstall.identity_id).where(
                    AppInstall.app_id == app_id, AppInstall.version == version, AppInstall.source != "removed"
                )
            ).first()
            return None if still_used else version

        unused_version = await self.node.db(remove)
        if unused_version is not None:
            self.files.remove(app_id, unused_version)
        if delete_data:
            self.files.remove_profile(identity_id, app_id)
        self._invalidate(identity_id, app_id)
        self.node.events.emit(AppsChanged(identity_id))
        self.node.events.emit(AppGrantsChanged(identity_id, app_id))

    async def installed(self, identity_id: str) -> list[dict[str, Any]]:
        from sqlalchemy import select

        from vault.models import AppInstall

        rows = await self.node.db(
            lambda s: [
                (r.app_id, r.version, r.source, r.installed_at)
                for r in s.scalars(
                    select(AppInstall)
                    .where(AppInstall.identity_id == identity_id, AppInstall.source.not_in(("removed", "dev")))
                    .order_by(AppInstall.name)
                )
            ]
        )
        out = []
        for app_id, version, source, installed_at in rows:
            try:
                m = await self.manifest(identity_id, app_id)
                item = {**m.summary(), "source": source, "installedAt": installed_at, "ok": True}
            except E.RpcError as exc:
                item = {"id": app_id, "version": version, "source": source, "ok": False, "problem": exc.message}
            out.append(item)
        return out

    # -- grants ------------------------------------------------------------------------------------

    def _invalidate(self, identity_id: str, app_id: str) -> None:
        self._grants.pop((identity_id, app_id), None)
        self._sources.pop((identity_id, app_id), None)

    async def grants(self, identity_id: str, app_id: str) -> dict[str, Grant]:
        """Stored and session grants of one app (session ones win: they are newer)."""
        cached = self._grants.get((identity_id, app_id))
        if cached is None:
            from sqlalchemy import select

            from vault.models import AppGrant

            rows = await self.node.db(
                lambda s: [
                    (g.key, g.decision, g.value)
                    for g in s.scalars(
                        select(AppGrant).where(AppGrant.identity_id == identity_id, AppGrant.app_id == app_id)
                    )
                ]
            )
            cached = {k: Grant(d, v) for k, d, v in rows}
            self._grants[(identity_id, app_id)] = cached
        merged = dict(cached)
        for (i, a, k), g in self._session.items():
            if i == identity_id and a == app_id:
                merged[k] = g
        return merged

    async def set_grant(self, identity_id: str, app_id: str, key: str, decision: str | None, value: Any = None) -> None:
        """decision: always | never | session | None (forget: ask next time)."""
        from vault.models import AppGrant

        if key not in PERMISSION_KEYS and key != ACCOUNTS_KEY:
            raise E.InvalidParams(f"unknown permission '{key[:40]}'")
        if decision is not None and decision not in DECISIONS:
            raise E.InvalidParams("decision must be always, never, session or ask")
        self._session.pop((identity_id, app_id, key), None)
        if decision == "session":
            self._session[(identity_id, app_id, key)] = Grant("session", value)

        def write(s: Any) -> None:
            existing = s.get(AppGrant, (identity_id, app_id, key))
            if decision in ("always", "never"):
                s.merge(
                    AppGrant(
                        identity_id=identity_id,
                        app_id=app_id,
                        key=key,
                        decision=decision,
                        value=value,
                        updated_at=time.time(),
                    )
                )
            elif existing is not None:
                s.delete(existing)

        if await self.install_record(identity_id, app_id) is None:
            raise AppNotInstalled()
        await self.node.db(write)
        self._grants.pop((identity_id, app_id), None)
        self.node.events.emit(AppGrantsChanged(identity_id, app_id))

    async def permissions_view(self, identity_id: str, app_id: str) -> list[dict[str, Any]]:
        m = await self.manifest(identity_id, app_id)
        grants = await self.grants(identity_id, app_id)
        rows = []
        for key in m.permissions:
            g = grants.get(key)
            rows.append(
                {
                    "key": key,
                    "label": PERMISSION_LABELS[key],
                    "required": key in m.required,
                    "decision": g.decision if g else None,
                    "value": g.value if g else None,
                }
            )
        acc = grants.get(ACCOUNTS_KEY)
        rows.append(
            {
                "key": ACCOUNTS_KEY,
                "label": "See your wallet addresses",
                "required": False,
                "decision": acc.decision if acc else None,
                "value": acc.value if acc else None,
            }
        )
        return rows

    # -- what apps see -------------------------------------------------------------------------------

    async def exposed_accounts(self, ctx: CallerContext) -> list[str]:
        assert ctx.identity_id and ctx.app_id
        g = (await self.grants(ctx.identity_id, ctx.app_id)).get(ACCOUNTS_KEY)
        if g is None or g.decision == "never" or not isinstance(g.value, dict):
            return []
        owned = {a.lower(): a for a in await identity_addresses(self.node, ctx.identity_id)}
        return [owned[a.lower()] for a in g.value.get("accounts", []) if a.lower() in owned]

    async def web_domains(self, identity_id: str, app_id: str) -> list[str]:
        g = (await self.grants(identity_id, app_id)).get("WEB_REQUEST")
        if g is None or g.decision == "never":
            return []
        m = await self.manifest(identity_id, app_id)
        granted = g.value if isinstance(g.value, list) else list(m.web_domains)
        return [d for d in granted if d in m.web_domains]

    async def pseudonym(self, identity_id: str, app_id: str, what: str) -> str:
        """A stable id for `what` (a contact, the identity) that only this app sees."""
        key = await self._pseudonym_key(identity_id, app_id)
        return hmac.new(key, what.encode(), hashlib.sha256).hexdigest()[:32]

    async def _pseudonym_key(self, identity_id: str, app_id: str) -> bytes:
        rec = await self.install_record(identity_id, app_id)
        if rec is None:
            raise AppNotInstalled()
        return bytes(rec.pseudonym_key)

    async def resolve_contact(self, ctx: CallerContext, pseudonym: str, *, every_contact: bool = False) -> str:
        """The real contact id behind a per-app contact id the app may pay: one the user picked for
        it (contacts.select or comms.pickContacts), or any when `every_contact` (MESSENGER's
        methods, or an app holding it). ContactNotFound for an id matching no contact here (another
        app's, a guess), Unauthorized for a contact never picked for this app: before any prompt."""
        from ..comms import app_scope

        assert ctx.identity_id and ctx.app_id
        ident, app = ctx.identity_id, ctx.app_id
        if not every_contact:
            every_contact = await self.holds(ident, app, "MESSENGER")
        picks = None if every_contact else app_scope.PAYING
        try:
            return str((await self.node.db(lambda s: app_scope.resolve(s, ident, app, pseudonym, picks))).id)
        except app_scope.UnknownContact:
            raise E.ContactNotFound("No contact with that id for this app") from None
        except app_scope.NotPicked as exc:
            raise E.Unauthorized(str(exc)) from None
        except app_scope.ScopeError:
            raise AppNotInstalled() from None

    async def holds(self, identity_id: str, app_id: str, key: str) -> bool:
        """Whether the app has a standing grant of `key` (declared, and allowed for the session or always)."""
        try:
            declared = key in (await self.manifest(identity_id, app_id)).permissions
        except AppError:
            return False
        grant = (await self.grants(identity_id, app_id)).get(key)
        return declared and grant is not None and grant.decision in ("always", "session")


def is_installed_source(src: AppSource) -> bool:
    return isinstance(src, InstalledSource)
