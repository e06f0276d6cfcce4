"""Parameter schemas for RPC methods: small, declarative, and enough to reject bad input early.

Each method lists its parameters once; the dispatcher validates by-name (object) and by-position
(array) params against that list, the CLI builds its help from it, and the SDK method list
carries it to JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import InvalidParams

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}

_MISSING = object()


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"  # a JSON type name, or "any"
    required: bool = True
    default: Any = None
    secret: bool = False  # passwords and keys: never echoed in errors or logs
    max_length: int | None = None
    description: str = ""

    def check(self, value: Any) -> Any:
        if self.type == "any":
            return value
        allowed = _JSON_TYPES[self.type]
        # bool is an int in Python; JSON keeps them apart, so do we.
        if isinstance(value, bool) and self.type in ("integer", "number"):
            allowed = ()
        if value is None and not self.required:
            return self.default
        if not isinstance(value, allowed):
            raise InvalidParams(f"'{self.name}' must be of type {self.type}")
        if self.max_length is not None and hasattr(value, "__len__") and len(value) > self.max_length:
            raise InvalidParams(f"'{self.name}' is too long (at most {self.max_length})")
        return value

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.type, "required": self.required}
        if self.description:
            d["description"] = self.description
        return d


def bind(params: tuple[Param, ...], raw: Any) -> dict[str, Any]:
    """Turn JSON-RPC `params` (absent, array or object) into keyword arguments."""
    if raw is None:
        raw = {}
    if isinstance(raw, list):
        if len(raw) > len(params):
            raise InvalidParams(f"expected at most {len(params)} positional params")
        raw = {p.name: v for p, v in zip(params, raw, strict=False)}
    elif not isinstance(raw, dict):
        raise InvalidParams("params must be an array or an object")
    known = {p.name for p in params}
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise InvalidParams(f"unknown param '{str(unknown[0])[:40]}'")
    out: dict[str, Any] = {}
    for p in params:
        value = raw.get(p.name, _MISSING)
        if value is _MISSING:
            if p.required:
                raise InvalidParams(f"missing param '{p.name}'")
            out[p.name] = p.default
        else:
            out[p.name] = p.check(value)
    return out
