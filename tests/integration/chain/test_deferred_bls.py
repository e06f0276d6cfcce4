"""py_ecc's BLS12-381 tables wait until BLS12-381 is used (node/chain/deferred_bls.py): a process
that loads the chain the cold command line's way computes none of them, and the Prague BLS
precompiles and keystore files still run py_ecc's own code, with the same answers, once called.

The probe runs in a fresh interpreter: the stand-ins must be in place before py-evm and
eth_account are imported, and this test process has imported them long ago."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from py_ecc.optimized_bls12_381 import G1, add, normalize

ROOT = Path(__file__).resolve().parents[3]

PROBE = r"""
import json, sys
from pathlib import Path
from mainframe_os.cli.startup import import_libraries
from mainframe_os.node.chain.deferred_bls import STAND_INS, deferred

import_libraries(chain=True)  # what a cold `mfos swap run` imports before it opens the chain
report = {
    "tables_at_start": sorted(m for m in sys.modules if m.startswith(("py_ecc.bls", "py_ecc.optimized_bls12_381"))),
    "deferred_at_start": all(deferred(m) for m in STAND_INS),
}
from py_ecc.optimized_bls12_381 import G1, G2, neg  # only now: the answers' inputs
from mainframe_os.node.chain.devchain import DevChain

def word(n):
    return n.to_bytes(64, "big")  # EIP-2537: a field element in 64 bytes

def g1(p):
    x, y, z = p
    return word((x / z).n) + word((y / z).n)

def g2(p):
    x, y, z = p
    x, y = x / z, y / z
    return word(x.coeffs[0]) + word(x.coeffs[1]) + word(y.coeffs[0]) + word(y.coeffs[1])

chain = DevChain.open(Path(sys.argv[1]), deploy=False)
try:
    sender = bytes.fromhex(chain.faucet_address[2:])
    def precompile(n, data):
        return chain.call(sender, bytes(19) + bytes([n]), data, 0, None).hex()
    report["g1_add"] = precompile(0x0B, g1(G1) + g1(G1))
    # e(G1, G2) * e(-G1, G2) == 1 only if the final exponentiation (the deferred Frobenius table)
    # is right: ~1.5 s of CPU in pure Python, so one pairing check
    report["pairing_check"] = precompile(0x0F, g1(G1) + g2(G2) + g1(neg(G1)) + g2(G2))
finally:
    chain.close()

from eth_account import Account
import eth_keyfile, eth_keyfile.keyfile
key = bytes(range(1, 33))
keystore = Account.encrypt(key, "keystore password", kdf="pbkdf2", iterations=2)
report["keystore_round_trip"] = bytes(Account.decrypt(keystore, "keystore password")) == key
report["keystore_by_eth_keyfile"] = eth_keyfile.decode_keyfile_json(keystore, b"keystore password") == key
report["deferred_at_end"] = [m for m in STAND_INS if deferred(m)]
report["real_modules_loaded"] = all(not type(sys.modules[m]).__name__.startswith("_") for m in STAND_INS)
print(json.dumps(report))
"""


def _probe(tmp_path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "chain")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return dict(json.loads(r.stdout.splitlines()[-1]))


def _g1_bytes(p: tuple) -> str:
    x, y = normalize(p)
    return (x.n.to_bytes(64, "big") + y.n.to_bytes(64, "big")).hex()


def test_bls_precompiles_and_keystores_work_with_their_tables_deferred(tmp_path: Path) -> None:
    report = _probe(tmp_path)
    assert report["tables_at_start"] == []  # the chain and web3 loaded, no BLS12-381 table computed
    assert report["deferred_at_start"] is True
    assert report["g1_add"] == _g1_bytes(add(G1, G1))  # the precompile's answer is py_ecc's 2·G1
    assert report["pairing_check"] == "00" * 31 + "01"
    assert report["keystore_round_trip"] is True and report["keystore_by_eth_keyfile"] is True
    assert report["deferred_at_end"] == [] and report["real_modules_loaded"] is True


def test_the_keyfile_stand_in_offers_what_the_real_module_offers() -> None:
    """The stand-in's eager names equal the real module's (checked here, where it is loaded):
    an eth-keyfile upgrade that changes them fails this test instead of annotations silently."""
    import eth_keyfile.keyfile as real

    from mainframe_os.node.chain.deferred_bls import STAND_INS

    functions, values = STAND_INS["eth_keyfile.keyfile"]
    assert all(callable(getattr(real, f)) for f in functions)
    assert values == {name: getattr(real, name) for name in values}
    import eth.precompiles.bls12_381 as precompiles

    functions, values = STAND_INS["eth.precompiles.bls12_381"]
    assert all(callable(getattr(precompiles, f)) for f in functions) and values == {}
