"""py_ecc's pairing-curve tables, computed when a curve is first used instead of at import.

Importing py_ecc's BLS12-381 and BN128 modules computes constant tables in pure Python: the
pairings' Frobenius tables (twelve FQ12 powers each), hash-to-curve's eighth roots of unity,
line-function self-checks. That is ~0.55 s of CPU, a third of importing py-evm, paid by every
process that loads the chain. The modules that pull them in serve things a send or a swap never
does:

- ``eth.precompiles.bls12_381``: the Prague precompiles 0x0b-0x11 (EIP-2537), imported by
  ``eth.precompiles`` for every fork;
- ``eth.precompiles.ecadd``, ``ecmul``, ``ecpairing``: the BN128 precompiles 0x06-0x08;
- ``eth_keyfile.keyfile``: keystore files; eth_account imports it, and it imports py_ecc for
  EIP-2335 (BLS) keystores.

:func:`defer` puts a stand-in for each into ``sys.modules`` before they are imported. A stand-in
offers the module's public functions, each of which imports the real module on its first call
and runs the real function; any other name imports the real module too. The real module then
replaces the stand-in in ``sys.modules``. Nothing runs differently: a precompile or a keystore
gets py_ecc's own code, only later (tests/integration/chain/test_deferred_curves.py runs them).
(Until then py_ecc is not imported at all, so the recursion limit is the one py-evm sets for the
EVM's call depth, not py_ecc's larger one, which its own recursive code gets when it loads.)
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["STAND_INS", "StandIn", "defer", "deferred"]


@dataclass(frozen=True)
class StandIn:
    """What a stand-in offers before its real module is imported."""

    functions: tuple[str, ...]  # forwarded to the real module's functions
    values: dict[str, Any] = field(default_factory=dict)  # names importers take at their import
    # py-evm's BN128 precompiles are toolz-curried: `ecadd(gas_cost=150)` at a fork's import
    # makes the fork's precompile. A call without positional arguments is that partial
    # application, which must not import the real module yet.
    curried: bool = False


STAND_INS: dict[str, StandIn] = {
    "eth.precompiles.bls12_381": StandIn(
        (
            "bls12_g1_add",
            "bls12_g1_msm",
            "bls12_map_fp_to_g1",
            "bls12_g2_add",
            "bls12_g2_msm",
            "bls12_map_fp2_to_g2",
            "bls12_pairing_check",
        )
    ),
    "eth.precompiles.ecadd": StandIn(("ecadd",), curried=True),
    "eth.precompiles.ecmul": StandIn(("ecmul",), curried=True),
    "eth.precompiles.ecpairing": StandIn(("ecpairing",), curried=True),
    "eth_keyfile.keyfile": StandIn(
        ("create_keyfile_json", "decode_keyfile_json", "extract_key_from_keyfile", "load_keyfile"),
        # eth_account's annotations, evaluated at its import (the test compares it with the real one)
        {"KDFType": Literal["pbkdf2", "scrypt"]},
    ),
}

# Any of these loaded means the tables are computed already (or on their way): nothing to defer.
TABLE_MODULES = ("py_ecc.bls", "py_ecc.bls12_381", "py_ecc.optimized_bls12_381", "py_ecc.optimized_bn128")

_loading = threading.RLock()


class _StandInModule(types.ModuleType):
    """A module's stand-in: its functions forward to the real module, imported on first use."""

    def __init__(self, spec: importlib.machinery.ModuleSpec, offers: StandIn):
        super().__init__(spec.name)
        self.__spec__ = spec
        self.__file__ = spec.origin
        if spec.submodule_search_locations is not None:
            self.__path__ = list(spec.submodule_search_locations)
        self._real: types.ModuleType | None = None
        for name in offers.functions:
            setattr(self, name, self._forwarder(name, offers.curried))
        for name, value in offers.values.items():
            setattr(self, name, value)

    def _forwarder(self, name: str, curried: bool) -> Callable[..., Any]:
        def forward(*args: Any, **kwargs: Any) -> Any:
            if curried and not args:
                return functools.partial(forward, **kwargs)
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
    if any(m in sys.modules for m in (*TABLE_MODULES, *STAND_INS)):
        return all(isinstance(sys.modules.get(m), _StandInModule) for m in STAND_INS)
    specs = {name: _spec(name) for name in STAND_INS}
    if any(s is None for s in specs.values()):
        return False  # another layout of these libraries: import them as they are
    with _loading:
        for name, offers in STAND_INS.items():
            spec = specs[name]
            assert spec is not None
            sys.modules[name] = _StandInModule(spec, offers)
    return True


def deferred(name: str) -> bool:
    """Whether `name` is still a stand-in (its real module not imported)."""
    module = sys.modules.get(name)
    return isinstance(module, _StandInModule) and module._real is None
