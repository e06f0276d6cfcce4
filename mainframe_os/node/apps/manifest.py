"""`manifest.json`: what an app is, who signed it, what it may ask for, and every file it holds.

A developer writes a *source* manifest (name, version, permissions, entry, icon, webDomains);
`package.pack` completes it (id, developer, contents with hashes) and signs its bytes. Example::

    {
      "manifestVersion": 1,
      "id": "5f0c…(40 hex)", "name": "Hello", "version": "1.0.0",
      "developer": {"name": "Ada", "publicKey": "<64 hex, Ed25519>"},
      "permissions": {"required": ["STORAGE"], "optional": ["CONTACTS_READ", "WEB_REQUEST"]},
      "webDomains": ["api.example.com"],
      "entry": "index.html", "icon": "icon.svg", "description": "…",
      "contents": [{"path": "index.html", "sha256": "…", "size": 1234}, …]
    }

The id is derived from the developer key and the app name, so nobody else can publish an app
under an id that is already installed (updates must come from the same key).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import PackageInvalid

MANIFEST_VERSION = 1
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
MAX_MANIFEST_BYTES = 1 << 20

# Permission keys an app may declare (from the seed, plus STORAGE and NOTIFICATIONS).
PERMISSION_KEYS = (
    "BLOCKCHAIN_SEND",
    "BLOCKCHAIN_SIGN",
    "COMMS_CONTACT",
    "CONTACTS_READ",
    "FILES",
    "MESSENGER",
    "NOTIFICATIONS",
    "STORAGE",
    "WEB_REQUEST",
)
PERMISSION_LABELS = {
    "BLOCKCHAIN_SEND": "Ask you to send transactions",
    "BLOCKCHAIN_SIGN": "Ask you to sign messages",
    "COMMS_CONTACT": "Send messages to contacts you pick",
    "CONTACTS_READ": "See contacts you pick",
    "FILES": "Keep files of any size in your encrypted files",
    "MESSENGER": "Read your conversations and send messages to your contacts and groups",
    "NOTIFICATIONS": "Show notifications",
    "STORAGE": "Keep its own data in your vault",
    "WEB_REQUEST": "Connect to the web domains it lists",
}

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$")
_HEX = re.compile(r"^[0-9a-f]*$")
MAX_NAME = 64
MAX_DOMAINS = 32


def derive_app_id(developer_key: bytes, name: str) -> str:
    """40 hex chars: usable as a URL host, stable for (developer key, app name)."""
    h = hashlib.sha256(b"mfapp-id-v1\0" + developer_key + b"\0" + name.encode("utf-8"))
    return h.hexdigest()[:40]


def parse_version(v: str) -> tuple[int, int, int, tuple[Any, ...]]:
    """A sortable semver key; a pre-release sorts before its release."""
    m = _SEMVER.match(v)
    if not m:
        raise PackageInvalid(f"version '{v[:40]}' is not semver (like 1.2.3)")
    pre = m.group(4)
    pre_key: tuple[Any, ...] = (
        (1,) if pre is None else (0, *((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")))
    )
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), pre_key


def check_path(path: str) -> str:
    """A file path inside a package: relative, forward slashes, no `..`, nothing odd."""
    if not isinstance(path, str) or not path or len(path) > 255:
        raise PackageInvalid("a file path is empty or too long")
    bad = (
        path.startswith(("/", "\\"))
        or "\\" in path
        or "\0" in path
        or re.match(r"^[A-Za-z]:", path) is not None
        or any(part in ("", ".", "..") for part in path.split("/"))
        or any(ord(c) < 32 for c in path)
    )
    if bad:
        raise PackageInvalid(f"unsafe file path in package: {path[:80]!r}")
    return path


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class Manifest:
    id: str
    name: str
    version: str
    developer_name: str
    developer_key: str  # hex Ed25519 public key ("" for unsigned bundled/dev apps)
    required: tuple[str, ...]
    optional: tuple[str, ...]
    web_domains: tuple[str, ...]
    entry: str
    icon: str | None
    description: str
    contents: tuple[FileEntry, ...] = field(default=())
    csp: tuple[str, ...] = ()  # relaxations of the app's Content-Security-Policy (CSP_RELAXATIONS)

    @property
    def files(self) -> dict[str, FileEntry]:
        return {f.path: f for f in self.contents}

    @property
    def permissions(self) -> tuple[str, ...]:
        return self.required + tuple(p for p in self.optional if p not in self.required)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manifestVersion": MANIFEST_VERSION,
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "developer": {"name": self.developer_name, "publicKey": self.developer_key},
            "permissions": {"required": list(self.required), "optional": list(self.optional)},
            "webDomains": list(self.web_domains),
            "entry": self.entry,
            "description": self.description,
            "contents": [f.to_json() for f in self.contents],
        }
        if self.icon:
            out["icon"] = self.icon
        if self.csp:
            out["csp"] = list(self.csp)
        return out

    def dumps(self) -> bytes:
        return json.dumps(self.to_json(), indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")

    def summary(self) -> dict[str, Any]:
        """What the launcher shows before install: no file list."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "developer": {"name": self.developer_name, "publicKey": self.developer_key},
            "description": self.description,
            "permissions": {"required": list(self.required), "optional": list(self.optional)},
            "webDomains": list(self.web_domains),
            "permissionLabels": {k: PERMISSION_LABELS[k] for k in self.permissions},
            "csp": list(self.csp),
            "cspRisks": [CSP_RELAXATIONS[k] for k in self.csp],
        }


# What a manifest may relax in the strict policy (gui/apphost/scheme.py), and what the user is told
# at install. The default build of most bundlers needs none of them (sdk/README.md).
CSP_RELAXATIONS = {
    "unsafe-eval": "Runs code made from text (eval, new Function). A flaw in the app can then let data "
    "it receives run as code inside it, with its permissions. Install only apps you trust.",
    "wasm-unsafe-eval": "Compiles WebAssembly. Lower risk than eval: only WebAssembly modules, no text-to-code.",
}


def _csp(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise PackageInvalid("manifest: 'csp' must be a list, like [\"wasm-unsafe-eval\"]")
    unknown = [x for x in v if x not in CSP_RELAXATIONS]
    if unknown:
        allowed = ", ".join(CSP_RELAXATIONS)
        raise PackageInvalid(f"manifest: 'csp' may only ask for {allowed}, not '{unknown[0][:40]}'")
    return tuple(dict.fromkeys(v))


def _str(d: dict[str, Any], key: str, default: str | None = None, max_len: int = 1000) -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise PackageInvalid(f"manifest: '{key}' must be a string")
    if len(v) > max_len:
        raise PackageInvalid(f"manifest: '{key}' is too long")
    return v


def _perm_list(v: Any, what: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise PackageInvalid(f"manifest: permissions.{what} must be a list of keys")
    unknown = [x for x in v if x not in PERMISSION_KEYS]
    if unknown:
        raise PackageInvalid(f"manifest: unknown permission '{unknown[0][:40]}'")
    return tuple(dict.fromkeys(v))


def parse_source(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the fields a developer writes; returns them normalised (no id/contents yet)."""
    if not isinstance(data, dict):
        raise PackageInvalid("manifest.json must hold a JSON object")
    name = " ".join(_str(data, "name", max_len=MAX_NAME).split())
    if not name:
        raise PackageInvalid("manifest: 'name' cannot be empty")
    version = _str(data, "version")
    parse_version(version)
    perms = data.get("permissions") or {}
    if not isinstance(perms, dict):
        raise PackageInvalid("manifest: 'permissions' must be {required: [...], optional: [...]}")
    required = _perm_list(perms.get("required"), "required")
    optional = tuple(p for p in _perm_list(perms.get("optional"), "optional") if p not in required)
    domains = data.get("webDomains") or []
    if not isinstance(domains, list) or len(domains) > MAX_DOMAINS:
        raise PackageInvalid(f"manifest: 'webDomains' must be a list of at most {MAX_DOMAINS} domains")
    for d in domains:
        if not isinstance(d, str) or not _DOMAIN.match(d):
            raise PackageInvalid(f"manifest: '{str(d)[:60]}' is not a domain name (like api.example.com)")
    if domains and "WEB_REQUEST" not in required + optional:
        raise PackageInvalid("manifest: 'webDomains' needs the WEB_REQUEST permission")
    entry = check_path(_str(data, "entry", "index.html"))
    icon = data.get("icon")
    if icon is not None:
        icon = check_path(_str(data, "icon"))
    return {
        "name": name,
        "version": version,
        "required": required,
        "optional": optional,
        "web_domains": tuple(dict.fromkeys(domains)),
        "entry": entry,
        "icon": icon,
        "description": _str(data, "description", "", max_len=2000),
        "csp": _csp(data.get("csp")),
    }


def parse_manifest(raw: bytes) -> Manifest:
    """A complete (packed) manifest; its id must match its developer key and name."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise PackageInvalid("manifest.json is too large")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PackageInvalid("manifest.json is not valid JSON") from None
    src = parse_source(data)
    if data.get("manifestVersion") != MANIFEST_VERSION:
        raise PackageInvalid("manifest: unsupported manifestVersion")
    dev = data.get("developer")
    if not isinstance(dev, dict):
        raise PackageInvalid("manifest: 'developer' must be {name, publicKey}")
    dev_name = _str(dev, "name", "", max_len=MAX_NAME)
    dev_key = _str(dev, "publicKey", "")
    if not (_HEX.match(dev_key) and len(dev_key) in (0, 64)):
        raise PackageInvalid("manifest: developer.publicKey must be 64 hex characters")
    app_id = _str(data, "id")
    if app_id != derive_app_id(bytes.fromhex(dev_key), src["name"]):
        raise PackageInvalid("manifest: 'id' does not match the developer key and app name")
    contents = data.get("contents")
    if not isinstance(contents, list) or not contents:
        raise PackageInvalid("manifest: 'contents' must list the package's files")
    entries: list[FileEntry] = []
    seen: set[str] = set()
    for c in contents:
        if not isinstance(c, dict):
            raise PackageInvalid("manifest: bad 'contents' entry")
        path = check_path(_str(c, "path"))
        digest, size = c.get("sha256"), c.get("size")
        if not (isinstance(digest, str) and len(digest) == 64 and _HEX.match(digest)):
            raise PackageInvalid(f"manifest: bad sha256 for {path[:80]}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise PackageInvalid(f"manifest: bad size for {path[:80]}")
        if path.lower() in seen or path in (MANIFEST_NAME, SIGNATURE_NAME):
            raise PackageInvalid(f"manifest: duplicate or reserved path {path[:80]}")
        seen.add(path.lower())
        entries.append(FileEntry(path, digest, size))
    files = {e.path for e in entries}
    if src["entry"] not in files:
        raise PackageInvalid(f"manifest: the entry file '{src['entry']}' is not in the package")
    if src["icon"] is not None and src["icon"] not in files:
        raise PackageInvalid(f"manifest: the icon '{src['icon']}' is not in the package")
    return Manifest(
        id=app_id,
        developer_name=dev_name,
        developer_key=dev_key,
        contents=tuple(entries),
        **src,
    )
