"""What the CLI needs to know of each node method, without importing the method modules.

Importing every methods module (web3, eth-account, SQLAlchemy models) costs about a second of
CPU; a command sent to a running node needs none of it. So the declarations the generator reads
(names, Params, access, docs) are kept in `<home>/cache/cli-methods.json`, keyed by the method
modules' files (path, size, mtime): editing a method, or running another checkout, rebuilds it
from the registry on the next command, as does a cache file or folder others could write. A home
that does not exist yet gets no cache file.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..node.params import Param
from ..node.registry import SERVICE_MODULES, Access
from .fast_table import written_by_this_user_only

CACHE_FORMAT = 1


@dataclass(frozen=True)
class MethodSpec:
    """A registry `Method` as the CLI sees it: everything but the handler."""

    name: str
    params: tuple[Param, ...]
    access: Access
    needs_vault: bool
    summary: str
    doc: str
    extra: dict[str, Any] = field(default_factory=dict)  # raw_params, app_only


def spec_of(m: Any) -> MethodSpec:
    extra = {k: v for k, v in m.extra.items() if k in ("raw_params", "app_only")}
    doc = inspect.cleandoc(m.handler.__doc__ or "")
    return MethodSpec(m.name, m.params, m.access, m.needs_vault, m.summary, doc, extra)


def _to_json(s: MethodSpec) -> dict[str, Any]:
    return {
        "name": s.name,
        "params": [vars(p) for p in s.params],
        "access": vars(s.access),
        "needsVault": s.needs_vault,
        "summary": s.summary,
        "doc": s.doc,
        "extra": s.extra,
    }


def _from_json(d: dict[str, Any]) -> MethodSpec:
    params = tuple(Param(**p) for p in d["params"])
    return MethodSpec(d["name"], params, Access(**d["access"]), d["needsVault"], d["summary"], d["doc"], d["extra"])


def fingerprint() -> list[list[Any]]:
    """The files the declarations come from, as they are now."""
    out: list[list[Any]] = []
    here = Path(__file__).resolve().parents[1] / "node"
    files = [here / "registry.py", here / "params.py"]
    for mod in SERVICE_MODULES:
        spec = importlib.util.find_spec(mod)
        files.append(Path(spec.origin) if spec and spec.origin else Path(mod))
    for f in files:
        try:
            st = f.stat()
            out.append([str(f), st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([str(f), None, None])
    return out


def load(home: Path | None) -> list[MethodSpec]:
    """Every declared method, from the cache when it matches the files, else from the registry."""
    cache = home / "cache" / "cli-methods.json" if home is not None else None
    key = {"format": CACHE_FORMAT, "files": fingerprint()}
    if cache is not None:
        try:
            saved = json.loads(cache.read_text(encoding="utf-8")) if written_by_this_user_only(cache) else {}
            if saved.get("key") == key:
                return [_from_json(d) for d in saved["methods"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache, or one from another version: rebuilt below
    from ..node.registry import REGISTRY

    specs = [spec_of(m) for m in REGISTRY.all()]
    if cache is not None and home is not None and home.is_dir():
        _save(cache, {"key": key, "methods": [_to_json(s) for s in specs]})
    return specs


def _save(cache: Path, data: dict[str, Any]) -> None:
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        return  # a default that is not JSON: no cache, the registry answers each time
    with contextlib.suppress(OSError):  # a read-only home still works, uncached
        cache.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, cache)
