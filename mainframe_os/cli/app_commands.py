"""mfos app create|dev|pack|install|permissions|uninstall: building, signing and managing dapps
(`mfos app list` is generated from apps_list: see declarations.py)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from mainframe_os.datafiles import apps_dir

from .framework import arg, command
from .session import CliError, CliSession, pick, resolve_path


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "app"


@command(
    "app create",
    "scaffold a working app from the template (uses every SDK namespace)",
    arg("name"),
    arg("--dir", help="where to create it (default: ./<name>)"),
    formatter=lambda r: f"Created {r['name']} in {r['path']}\nTry it: mfos app dev {r['path']} --vault VAULT",
)
async def app_create(s: CliSession, a: Any) -> Any:
    dest = Path(a.dir or _slug(a.name)).expanduser().resolve()
    if dest.exists() and any(dest.iterdir()):
        raise CliError(f"{dest} exists and is not empty")
    template = apps_dir() / "hello"
    if not (template / "manifest.json").is_file():
        raise CliError("the app template is missing from this installation")
    shutil.copytree(template, dest, dirs_exist_ok=True)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest.update(name=a.name, version="0.1.0", description=f"{a.name}, made with the Mainframe SDK")
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return {"name": a.name, "path": str(dest)}


@command(
    "app pack",
    "sign an app folder into a .mfapp with a developer identity",
    arg("path"),
    arg("--identity", help="the developer identity (id, prefix or name; default: the active one)"),
    arg("--out", help="the package file (default: <name>-<version>.mfapp beside the folder)"),
    vault="required",
    formatter=lambda r: (
        f"Packed {r['manifest']['name']} {r['manifest']['version']} "
        f"({r['files']} files) -> {r['path']}\napp id: {r['manifest']['id']}"
    ),
)
async def app_pack(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    ident = await s.call("identity_get", {"id": a.identity})
    out = resolve_path(a.out) if a.out else None
    return await s.call("apps_pack", {"path": resolve_path(a.path), "out": out, "identityId": ident["id"]})


def _install_text(r: dict[str, Any]) -> str:
    m = r["manifest"]
    return f"Installed {m['name']} {m['version']} ({m['id'][:12]})."


@command(
    "app install",
    "verify and install a .mfapp (or a signed folder)",
    arg("file"),
    arg("--grant", action="append", default=[], metavar="KEY", help="grant an optional permission (repeat)"),
    arg("--identity", help="install for this identity (default: the active one)"),
    vault="required",
    formatter=_install_text,
)
async def app_install(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    ident = (await s.call("identity_get", {"id": a.identity}))["id"]
    staged = await s.call("apps_install", {"path": resolve_path(a.file), "identityId": ident})
    m = staged["manifest"]
    lines = [
        f"{m['name']} {m['version']} by {m['developer']['name'] or 'unknown'} (key {m['developer']['publicKey'][:16]}…)"
    ]
    if staged.get("update"):
        lines.append(
            f"  update from {staged['update']['fromVersion']}; new permissions: "
            f"{', '.join(staged['update']['newPermissions']) or 'none'}"
        )
    for key in m["permissions"]["required"]:
        lines.append(f"  required: {key:16} {m['permissionLabels'][key]}")
    for key in m["permissions"]["optional"]:
        mark = "granted" if key in a.grant else "ask later"
        lines.append(f"  optional: {key:16} {m['permissionLabels'][key]} ({mark})")
    if m["webDomains"]:
        lines.append(f"  web domains: {', '.join(m['webDomains'])}")
    print("\n".join(lines), file=sys.stderr)
    if not s.args.yes:
        if not sys.stdin.isatty():
            raise CliError("Refusing to install without confirmation: add --yes")
        if input("Install? [y/N] ").strip().lower() not in ("y", "yes"):
            raise CliError("Cancelled: nothing was installed")
    await s.call(
        "apps_approveInstall", {"appId": m["id"], "version": m["version"], "grant": a.grant, "identityId": ident}
    )
    return staged


async def _find_app(s: CliSession, ref: str, ident: str) -> dict[str, Any]:
    apps = await s.call("apps_list", {"identityId": ident})
    return pick(apps, ref, "app", "name", fold_name_case=True, none=f"No installed app matches '{ref}'")


def _perm_rows(r: dict[str, Any]) -> str:
    lines = [f"{r['app']['name']} ({r['app']['id'][:12]})"]
    for p in r["permissions"]:
        need = "required" if p["required"] else "optional"
        lines.append(f"  {p['key']:16} {need:8}  {p['decision'] or 'ask':8}  {p['label']}")
    if r.get("revoked"):
        lines.append(f"Revoked {r['revoked']}.")
    return "\n".join(lines)


@command(
    "app permissions",
    "show an app's permissions, or --revoke one (or ALL)",
    arg("app", help="id, prefix or name"),
    arg("--revoke", metavar="KEY"),
    arg("--identity"),
    vault="required",
    formatter=_perm_rows,
)
async def app_permissions(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    ident = (await s.call("identity_get", {"id": a.identity}))["id"]
    app = await _find_app(s, a.app, ident)
    if a.revoke:
        key = None if a.revoke.upper() == "ALL" else a.revoke
        await s.call("apps_revoke", {"appId": app["id"], "key": key, "identityId": ident})
    perms = await s.call("apps_getPermissions", {"appId": app["id"], "identityId": ident})
    return {"app": app, "permissions": perms, "revoked": a.revoke}


@command(
    "app uninstall",
    "remove an app (add --delete-data to wipe its data too)",
    arg("app"),
    arg("--delete-data", action="store_true"),
    arg("--identity"),
    vault="required",
    formatter=lambda r: "App removed.",
)
async def app_uninstall(s: CliSession, a: Any) -> Any:
    await s.connect(a.vault)
    ident = (await s.call("identity_get", {"id": a.identity}))["id"]
    app = await _find_app(s, a.app, ident)
    if a.delete_data and not s.args.yes:
        if not sys.stdin.isatty() or input(f"Delete {app['name']}'s data too? [y/N] ").strip().lower() not in (
            "y",
            "yes",
        ):
            raise CliError("Cancelled: add --yes to delete the app's data")
    return await s.call("apps_uninstall", {"appId": app["id"], "deleteData": a.delete_data, "identityId": ident})


@command(
    "app dev",
    "open an app folder in a window, reloading on change (F12: dev tools)",
    arg("path"),
    arg("--identity"),
    vault="required",
)
async def app_dev(s: CliSession, a: Any) -> Any:
    """Runs its own Qt window on this process's loop: the launcher need not be running."""
    folder = Path(a.path).expanduser().resolve()
    if not (folder / "manifest.json").is_file():
        raise CliError(f"no manifest.json in {folder}: create an app with `mfos app create NAME`")
    await s.connect(a.vault)
    if s.node is None:
        raise CliError("`mfos app dev` needs the vault in this process: stop the running node first")
    from ..gui.apphost.devrun import run_dev

    ident = (await s.call("identity_get", {"id": a.identity}))["id"]
    await run_dev(s.node, folder, ident)
    return None
