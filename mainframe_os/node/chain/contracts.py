"""The project's compiled contracts (``contracts/*.sol`` -> ``artifacts/<Name>.json``).

Plain JSON loading, no web3: the artifacts are committed, so users need no compiler. Rebuild
them with ``cd contracts && npm install && node compile.mjs``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from mainframe_os.datafiles import contract_artifacts_dir

__all__ = ["ARTIFACTS_DIR", "CONTRACT_NAMES", "abi_of", "bytecode_of", "load_artifact"]

ARTIFACTS_DIR = contract_artifacts_dir()

CONTRACT_NAMES = (
    "DAI",
    "MFT",
    "NotAToken",
    "TestUSD",
    "UniswapV2Factory",
    "UniswapV2Pair",
    "UniswapV2Router02",
    "WETH9",
)


@cache
def load_artifact(name: str) -> dict[str, Any]:
    """Return ``{"abi": [...], "bytecode": "0x..."}`` for a contract (e.g. ``"MFT"``)."""
    path = ARTIFACTS_DIR / f"{name}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyError(f"no compiled contract named {name!r} in {ARTIFACTS_DIR}") from None
    artifact: dict[str, Any] = json.loads(text)
    return artifact


def abi_of(name: str) -> list[dict[str, Any]]:
    """The ABI of a compiled contract."""
    abi: list[dict[str, Any]] = load_artifact(name)["abi"]
    return abi


def bytecode_of(name: str) -> str:
    """The creation bytecode (0x-hex) of a compiled contract."""
    bytecode: str = load_artifact(name)["bytecode"]
    return bytecode
