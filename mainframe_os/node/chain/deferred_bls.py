"""py_ecc's BLS12-381 tables, computed when BLS12-381 is first used instead of at import.

Importing py_ecc's BLS12-381 modules computes constant tables in pure Python: the pairing's
Frobenius table (twelve FQ12 powers), hash-to-curve's eighth roots of unity, a line-function
self-check. That is ~0.5 s of CPU, a third of importing py-evm, paid by every process that loads
the chain. Two modules pull them in, both for things a send or a swap never does:

- ``eth.precompiles.bls12_381``: the Prague precompiles 0x0b-0x11 (EIP-2537), imported by
  ``eth.precompiles`` for every fork;
- ``eth_keyfile.keyfile``: keystore files; eth_account imports it, and it imports py_ecc for
  EIP-2335 (BLS) keystores.

:func:`defer` puts a stand-in for each into ``sys.modules`` before they are imported. A stand-in
offers the module's public functions, each of which imports the real module on its first call
and runs the real function; any other name imports the real module too. The real module then
replaces the stand-in in ``sys.modules``. Nothing runs differently: a BLS precompile or a
keystore gets py_ecc's own code, only later (tests/integration/wallet/test_deferred_bls.py).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Callable
from typing import Any, Literal

__all__ = ["STAND_INS", "defer", "deferred"]

# module -> (its functions the importers take by name, its other names they take at import)
STAND_INS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "eth.precompiles.bls12_381": (
        (
            "bls12_g1_add",
            "bls12_g1_msm",
            "bls12_map_fp_to_g1",
            "bls12_g2_add",
            "bls12_g2_msm",
            "bls12_map_fp2_to_g2",
            "bls12_pairing_check",
        ),
        {},
    ),
    "eth_keyfile.keyfile": (
        ("create_keyfile_json", "decode_keyfile_json", "extract_key_from_keyfile", "load_keyfile"),
        # eth_account's annotations, evaluated at its import (the test compares it with the real one)
        {"KDFType": Literal["pbkdf2", "scrypt"]},
    ),
}

# Any of these loaded means the tables are already computed (or on their way): nothing to defer.
_TABLE_MODULES = ("py_ecc.bls", "py_ecc.bls12_381", "py_ecc.optimized_bls12_381")

_loading = threading.RLock()


class _StandIn(types.ModuleType):
    """A module's stand-in: its functions forward to the real module, imported on first use."""

    def __init__(self, spec: importlib.machinery.ModuleSpec, functions: tuple[str, ...], values: dict[str, Any]):
        super().__init__(spec.name)
        self.__spec__ = spec
        self.__file__ = spec.origin
        if spec.submodule_search_locations is not None:
            self.__path__ = list(spec.submodule_search_locations)
        self._real: types.ModuleType | None = None
        for name in functions:
            setattr(self, name, self._forwarder(name))
        for name, value in values.items():
            setattr(self, name, value)

    def _forwarder(self, name: str) -> Callable[..., Any]:
        def forward(*args: Any, **kwargs: Any) -> Any:
            return getattr(self.load(), name)(*args, **kwargs)

        forward.__name__ = forward.__qualname__ = name
        forward.__module__ = self.__name__
        return forward

    def load(self) -> types.ModuleType:
        """The real module, imported now if it is not yet."""
        with _loading:
            if self._real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                try:
                    self._real = importlib.import_module(self.__name__)
                except BaseException:
                    sys.modules.setdefault(self.__name__, self)
                    raise
            return self._real

    def __getattr__(self, name: str) -> Any:  # a name the stand-in does not offer itself
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # introspection (copy, pickle, tools) does not load the module
        return getattr(self.load(), name)


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """`name`'s spec found along its packages' paths without running them (importlib.util.find_spec
    would import the parent packages, and eth's imports eth.precompiles)."""
    parts = name.split(".")
    spec = importlib.machinery.PathFinder.find_spec(parts[0])
    for i in range(1, len(parts)):
        if spec is None or spec.submodule_search_locations is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), spec.submodule_search_locations)
    return spec


def defer() -> bool:
    """Install the stand-ins, unless the tables are computed already or a module they stand for
    is loaded (then it is too late to matter). True when they are in place."""
    if any(m in sys.modules for m in (*_TABLE_MODULES, *STAND_INS)):
        return all(isinstance(sys.modules.get(m), _StandIn) for m in STAND_INS)
    specs = {name: _spec(name) for name in STAND_INS}
    if any(s is None for s in specs.values()):
        return False  # another layout of these libraries: import them as they are
    for name, (functions, values) in STAND_INS.items():
        spec = specs[name]
        assert spec is not None
        sys.modules[name] = _StandIn(spec, functions, values)
    return True


def deferred(name: str) -> bool:
    """Whether `name` is still a stand-in (its real module not imported)."""
    module = sys.modules.get(name)
    return isinstance(module, _StandIn) and module._real is None
