"""The send path's signatures on the embedded chain (py-evm's transaction classes) are eth-account's
bytes: the same hash and the same raw transaction for every shape a send signs, and the shapes
the short way does not take are signed (or refused) by eth-account itself."""

from __future__ import annotations

import pytest
from eth.vm.forks import PragueVM
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from mainframe_os.node.wallet.signing import _with_pyevm, sign

BUILDER = PragueVM.get_transaction_builder()
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ME = Account.from_key(KEY).address

uint = st.integers(min_value=0, max_value=2**256 - 1)
addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)


# the shape the other tests change one field of
PLAIN = {
    "value": 1,
    "chainId": 5,
    "to": ME,
    "type": 2,
    "maxPriorityFeePerGas": 1,
    "maxFeePerGas": 2,
    "gas": 30_000,
    "nonce": 0,
}


def _reference(tx: dict) -> tuple[str, bytes]:
    signed = Account.sign_transaction(tx, KEY)
    return "0x" + bytes(signed.hash).hex(), bytes(signed.raw_transaction)


@settings(max_examples=150, deadline=None)
@given(
    nonce=st.integers(min_value=0, max_value=2**64 - 2),
    gas=st.integers(min_value=21_000, max_value=2**63),
    value=uint,
    tip=uint,
    extra=uint,
    chain_id=st.integers(min_value=1, max_value=2**63),
    to=st.one_of(st.none(), addresses),
    data=st.binary(max_size=300),
    legacy=st.booleans(),
    with_from=st.booleans(),
)
def test_the_short_way_signs_eth_accounts_bytes(
    nonce, gas, value, tip, extra, chain_id, to, data, legacy, with_from
) -> None:  # type: ignore[no-untyped-def]
    tx: dict = {"nonce": nonce, "gas": gas, "value": value, "chainId": chain_id, "data": "0x" + data.hex()}
    if to is not None:
        tx["to"] = to
    if with_from:
        tx["from"] = ME
    if legacy:
        tx["gasPrice"] = tip
    else:
        tx.update(type=2, maxPriorityFeePerGas=tip, maxFeePerGas=min(tip + extra, 2**256 - 1))
    short = _with_pyevm(tx, KEY, BUILDER)  # taken by every one of these shapes
    assert short is not None and short == sign(tx, KEY, BUILDER) == _reference(tx)


def test_a_send_as_the_node_fills_it() -> None:
    tx = {
        "from": ME,
        "value": 10**15,
        "chainId": 61453,
        "to": "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F",
        "type": 2,
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 3 * 10**9,
        "gas": 21_000,
        "nonce": 7,
    }
    assert _with_pyevm(tx, KEY, BUILDER) == sign(tx, KEY) == _reference(tx)


@pytest.mark.parametrize(
    "change",
    [
        {"accessList": [{"address": "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F", "storageKeys": ["0x" + "00" * 32]}]},
        {"type": 1, "gasPrice": 10**9, "maxFeePerGas": None},
        {"maxFeePerGas": None},
    ],
)
def test_other_shapes_go_to_eth_account(change: dict) -> None:
    tx = dict(PLAIN)
    tx.update(change)
    tx = {k: v for k, v in tx.items() if v is not None}
    try:
        expected = _reference(tx)
    except Exception as exc:  # noqa: BLE001 - eth-account refuses it: so must we, with its error
        with pytest.raises(type(exc)):
            sign(tx, KEY, BUILDER)
        return
    assert sign(tx, KEY, BUILDER) == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"from": Account.from_key(b"\x02" * 32).address},  # not the key's account
        {"value": -1},
        {"to": "0x947203a5b3ec87ffa0ef42ae7c10897faf370d0f".replace("f", "F", 1)},  # a broken checksum
        {"data": "0xzz"},
        {"nonce": True},
        {"nonce": None},  # missing
        {"gas": None},
    ],
)
def test_what_eth_account_refuses_is_refused(bad: dict) -> None:
    tx = dict(PLAIN)
    tx.update(bad)
    tx = {k: v for k, v in tx.items() if v is not None}
    with pytest.raises(Exception) as expected:  # noqa: PT011 - whatever eth-account raises
        _reference(tx)
    with pytest.raises(expected.type):
        sign(tx, KEY, BUILDER)


@pytest.mark.parametrize("key", [b"\x00" * 32, b"\xff" * 32, b"\x01" * 31])
def test_a_key_that_is_no_secp256k1_secret_is_refused_as_eth_account_refuses_it(key: bytes) -> None:
    with pytest.raises(Exception) as expected:  # noqa: PT011 - whatever eth-account raises
        Account.sign_transaction(dict(PLAIN), key)
    with pytest.raises(expected.type):
        sign(dict(PLAIN), key, BUILDER)


def test_the_key_object_never_shows_its_bytes() -> None:
    from mainframe_os.node.wallet.signing import _Key

    assert KEY.hex() not in repr(_Key(KEY)) and KEY.hex()[:16] not in str(_Key(KEY))
