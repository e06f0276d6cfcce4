"""The node's signatures are byte for byte MetaMask's: compared with @metamask/eth-sig-util (npm,
installed at test time) over the EIP-712 spec example, the payloads of issue 16, refusals and a
few hundred random typed-data structures. One node.js process signs the whole batch.

Every case either signs identically in both, or the node refuses it with -32602 naming the field;
a refusal where eth-sig-util signs carries its reason in signature_cases.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from eth_account import Account

from mainframe_os.node import errors as E
from mainframe_os.node.wallet.eip712 import hash_typed_data
from tests.support.npm_packages import npm_package, require_tool

from .conftest import Env
from .signature_cases import SPEC_MAIL, SPEC_MAIL_DIGEST, Case, handmade_cases, random_cases

SIG_UTIL_VERSION = "8.2.0"  # the last release that runs on Node 20 (9.x needs Node 22)
BATCH_JS = Path(__file__).with_name("sigutil_batch.js")
SEED = 16_712


def metamask_batch(key: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    package = npm_package("@metamask/eth-sig-util", SIG_UTIL_VERSION)
    node = require_tool("node")
    done = subprocess.run(
        [node, str(BATCH_JS)],
        input=json.dumps({"privateKey": key, "cases": cases}),
        capture_output=True, text=True, timeout=300,
        env={"NODE_PATH": str(package.parent.parent), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    out: list[dict[str, Any]] = json.loads(done.stdout)
    assert len(out) == len(cases)
    return out


def private_key(env: Env) -> str:
    Account.enable_unaudited_hdwallet_features()
    acct = Account.from_mnemonic(env.info["phrase"], account_path="m/44'/60'/0'/0/0")
    assert acct.address == env.address
    return bytes(acct.key).hex()


async def node_sign(env: Env, case: Case) -> tuple[str | None, E.RpcError | None]:
    if case.kind == "personal":
        method, params = "personal_sign", [case.data, env.address]
    elif case.kind == "personal_swapped":
        method, params = "personal_sign", [env.address, case.data]
    elif case.kind == "v1":
        method, params = "eth_signTypedData", [case.text(), env.address]
    else:
        method, params = f"eth_signTypedData_{case.kind}", [env.address, case.text()]
    try:
        return await env.call(method, params), None
    except E.RpcError as exc:
        return None, exc


def js_case(case: Case) -> dict[str, Any]:
    if case.kind.startswith("personal"):
        return {"kind": "personal", "message": case.data}
    return {"kind": case.kind, "data": case.text()}


def test_spec_vector_digest() -> None:
    assert hash_typed_data(SPEC_MAIL).hex() == SPEC_MAIL_DIGEST


async def test_signatures_match_eth_sig_util(env: Env) -> None:
    chain = int(await env.call("eth_chainId"), 16)
    cases = handmade_cases(chain) + random_cases(SEED, chain, count_v4=300, count_v3=60)
    theirs = metamask_batch(private_key(env), [js_case(c) for c in cases])
    problems, matched, refused = [], 0, 0
    for case, mm in zip(cases, theirs, strict=True):
        sig, err = await node_sign(env, case)
        if sig is not None:
            if mm.get("sig") != sig:
                problems.append(f"{case.name}: node {sig[:20]} vs MetaMask {mm}")
            elif case.refused or case.stricter:
                problems.append(f"{case.name}: expected a refusal, the node signed")
            matched += 1
            continue
        refused += 1
        assert err is not None
        if err.code != -32602:
            problems.append(f"{case.name}: answered {err.code} {err.message}")
        elif not (case.refused or case.stricter):
            problems.append(f"{case.name}: node refused ({err.message}); MetaMask {mm}")
        elif case.stricter and "sig" not in mm:
            problems.append(f"{case.name}: marked stricter, but eth-sig-util refuses it too ({mm})")
        elif case.refused and "sig" in mm:
            problems.append(f"{case.name}: marked as refused by both, but eth-sig-util signs it")
    assert not problems, "\n".join(problems)
    assert matched >= 400 and refused >= 40  # the batch really ran both ways


async def test_refusals_name_the_field(env: Env) -> None:
    bad = {"types": {"T": [{"name": "amount", "type": "uint8"}], "EIP712Domain": []},
           "primaryType": "T", "domain": {}, "message": {"amount": 300}}  # fmt: skip
    sig, err = await node_sign(env, Case("x", "v4", bad))
    assert sig is None and err is not None and err.code == -32602
    assert "message.amount" in err.message and "uint8" in err.message
    bad["message"] = {"amount": {"nested": 1}}
    sig, err = await node_sign(env, Case("x", "v4", bad))
    assert err is not None and err.code == -32602 and "message.amount" in err.message


async def test_ec_recover_matches_metamask(env: Env) -> None:
    messages = ["hello", "0x68656c6c6f", "1234", "0x123", "0x"]
    cases = []
    for m in messages:
        sig = await env.call("personal_sign", [m, env.address])
        ours = await env.call("personal_ecRecover", [m, sig])
        cases.append(({"kind": "recover", "message": m, "signature": sig}, ours, m))
    theirs = metamask_batch(private_key(env), [c for c, _, _ in cases])
    for (_, ours, m), mm in zip(cases, theirs, strict=True):
        assert mm.get("address") == ours, (m, mm, ours)
    # personal_sign reads an unprefixed "1234" as bytes, ecRecover (legacyToBuffer) as text, in both
    assert theirs[2]["address"] != env.address.lower()
    assert theirs[0]["address"] == env.address.lower()
