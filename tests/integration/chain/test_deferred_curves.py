"""py_ecc's pairing-curve tables wait until a curve is used (node/chain/deferred_curves.py): a
process that loads the chain the cold command line's way computes none of them, and the BN128
and BLS12-381 precompiles and keystore files still run py_ecc's own code, with the same
answers, once called.

The probe runs in a fresh interpreter: the stand-ins must be in place before py-evm and
eth_account are imported, and this test process has imported them long ago."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from py_ecc import optimized_bls12_381 as bls
from py_ecc import optimized_bn128 as bn

from tests.snippets import run_snippet

PROBE = r"""
import json, sys
from pathlib import Path
from mainframe_os.cli.startup import import_libraries
from mainframe_os.node.chain.deferred_curves import STAND_INS, deferred

import_libraries(chain=True)  # what a cold `mfos swap run` imports before it opens the chain
report = {
    "tables_at_start": sorted(
        m for m in sys.modules if m.startswith(("py_ecc.bls", "py_ecc.optimized_bls12_381", "py_ecc.optimized_bn"))
    ),
    "deferred_at_start": [m for m in STAND_INS if deferred(m)],
}
from py_ecc import optimized_bls12_381 as bls, optimized_bn128 as bn  # only now: the inputs
from mainframe_os.node.chain.devchain import DevChain

def bls_g1(p):  # EIP-2537: each coordinate in 64 bytes
    x, y = bls.normalize(p)
    return x.n.to_bytes(64, "big") + y.n.to_bytes(64, "big")

def bls_g2(p):
    x, y = bls.normalize(p)
    return b"".join(c.to_bytes(64, "big") for c in (*x.coeffs, *y.coeffs))

def bn_g1(p):  # EIP-196/197: 32 bytes each, a G2 coordinate's imaginary part first
    x, y = bn.normalize(p)
    return x.n.to_bytes(32, "big") + y.n.to_bytes(32, "big")

def bn_g2(p):
    x, y = bn.normalize(p)
    return b"".join(c.to_bytes(32, "big") for c in (x.coeffs[1], x.coeffs[0], y.coeffs[1], y.coeffs[0]))

chain = DevChain.open(Path(sys.argv[1]), deploy=False)
try:
    sender = bytes.fromhex(chain.faucet_address[2:])
    def precompile(n, data):
        return chain.call(sender, bytes(19) + bytes([n]), data, 0, None).hex()
    report["bn_add"] = precompile(0x06, bn_g1(bn.G1) + bn_g1(bn.G1))
    report["bn_mul"] = precompile(0x07, bn_g1(bn.G1) + (3).to_bytes(32, "big"))
    # e(P, Q) * e(-P, Q) == 1 only if the final exponentiation (a deferred Frobenius table) is right
    report["bn_pairing"] = precompile(0x08, bn_g1(bn.G1) + bn_g2(bn.G2) + bn_g1(bn.neg(bn.G1)) + bn_g2(bn.G2))
    report["bls_g1_add"] = precompile(0x0B, bls_g1(bls.G1) + bls_g1(bls.G1))
    # ~1.5 s of CPU in pure Python: one BLS12-381 pairing check
    report["bls_pairing"] = precompile(0x0F, bls_g1(bls.G1) + bls_g2(bls.G2) + bls_g1(bls.neg(bls.G1)) + bls_g2(bls.G2))
finally:
    chain.close()

from eth_account import Account
import eth_keyfile
key = bytes(range(1, 33))
keystore = Account.encrypt(key, "keystore password", kdf="pbkdf2", iterations=2)
report["keystore_round_trip"] = bytes(Account.decrypt(keystore, "keystore password")) == key
report["keystore_by_eth_keyfile"] = eth_keyfile.decode_keyfile_json(keystore, b"keystore password") == key
report["deferred_at_end"] = [m for m in STAND_INS if deferred(m)]
report["real_modules_at_end"] = [m for m in STAND_INS if type(sys.modules[m]) is type(sys)]
print(json.dumps(report))
"""


def _probe(tmp_path: Path) -> dict[str, Any]:
    r = run_snippet(PROBE, str(tmp_path / "chain"), timeout=300)
    assert r.returncode == 0, r.stderr
    return dict(json.loads(r.stdout.splitlines()[-1]))


def _words(p: Any, width: int, curve: Any) -> str:
    x, y = curve.normalize(p)
    return (x.n.to_bytes(width, "big") + y.n.to_bytes(width, "big")).hex()


def test_curve_precompiles_and_keystores_work_with_their_tables_deferred(tmp_path: Path) -> None:
    from mainframe_os.node.chain.deferred_curves import STAND_INS

    report = _probe(tmp_path)
    assert report["tables_at_start"] == []  # the chain and web3 loaded, no curve table computed
    assert report["deferred_at_start"] == list(STAND_INS)
    # each precompile's answer is py_ecc's, computed here
    assert report["bn_add"] == _words(bn.double(bn.G1), 32, bn)
    assert report["bn_mul"] == _words(bn.multiply(bn.G1, 3), 32, bn)
    assert report["bn_pairing"] == "00" * 31 + "01"
    assert report["bls_g1_add"] == _words(bls.double(bls.G1), 64, bls)
    assert report["bls_pairing"] == "00" * 31 + "01"
    assert report["keystore_round_trip"] is True and report["keystore_by_eth_keyfile"] is True
    assert report["deferred_at_end"] == [] and report["real_modules_at_end"] == list(STAND_INS)


def test_the_stand_ins_offer_what_the_real_modules_offer() -> None:
    """The stand-ins' names exist in the real modules (checked here, where those are loaded) and
    their eager values equal the real ones: an upgrade of py-evm or eth-keyfile that changes
    them fails this test instead of a precompile or an annotation."""
    import importlib

    from mainframe_os.node.chain.deferred_curves import STAND_INS

    for name, offers in STAND_INS.items():
        real = importlib.import_module(name)
        assert all(callable(getattr(real, f)) for f in offers.functions), name
        assert offers.values == {v: getattr(real, v) for v in offers.values}, name
        # a curried stand-in stands for a toolz curry: partial application is how forks use it
        assert offers.curried == all(hasattr(getattr(real, f), "func") for f in offers.functions), name
