"""Signing a send: the same bytes as eth-account's `sign_transaction`, faster on the embedded chain.

eth-account builds and checks a typed transaction in Python layers that cost ~0.6 ms a
signature; py-evm's transaction classes, loaded anyway while the embedded chain is open, build
and sign the same transaction in ~0.13 ms (RLP of the same fields, the same keccak, the same
deterministic RFC 6979 signature from libsecp256k1, with one key object where eth-keys made
two). tests/unit/node/test_signing.py checks that both give the same hash and raw bytes for
every shape this path takes.

Only plain shapes take the short way: an EIP-1559 transaction (type 2) or a legacy one with an
EIP-155 chain id, all fields the ones a send fills, integers where integers belong, an empty
access list, a `from` that is the key's own address. Anything else (an access list, a missing
chain id, a `from` that is not the key's, a malformed field) goes to eth-account, which signs it
or raises as it always did. Other networks sign with eth-account: py-evm is not loaded there.
"""

from __future__ import annotations

import functools
from typing import Any

from ..chain.state_reader import keccak  # pycryptodome's, without eth-hash's dispatch around it

_FIELDS = frozenset(
    {
        "from",
        "to",
        "value",
        "data",
        "gas",
        "nonce",
        "chainId",
        "type",
        "maxFeePerGas",
        "maxPriorityFeePerGas",
        "gasPrice",
    }
)
_REQUIRED = ("chainId", "nonce", "gas")  # eth-account refuses a transaction without them
_INTS = ("value", "gas", "nonce", "chainId", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice")


def sign(tx: dict[str, Any], key: bytes, builder: Any = None) -> tuple[str, bytes]:
    """`tx` signed with `key`: (0x hash, raw bytes). `builder`: py-evm's transaction builder of the
    chain's VM when the embedded chain is open (DevChain.transaction_builder), else None."""
    if builder is not None:
        fast = _with_pyevm(tx, key, builder)
        if fast is not None:
            return fast
    from eth_account import Account

    signed = Account.sign_transaction(tx, key)
    return "0x" + bytes(signed.hash).hex(), bytes(signed.raw_transaction)


def _with_pyevm(tx: dict[str, Any], key: bytes, builder: Any) -> tuple[str, bytes] | None:
    """The short way, or None when `tx` is not one of its plain shapes."""
    from eth_utils import to_canonical_address

    if not _FIELDS.issuperset(tx) or not all(_natural(tx.get(k, 0)) for k in _INTS):
        return None
    if not all(k in tx for k in _REQUIRED):
        return None
    to, data = tx.get("to") or "", tx.get("data") or b""
    if to and not _plain_address(to):
        return None
    if isinstance(data, str):
        if not data.startswith("0x"):
            return None
        try:
            data = bytes.fromhex(data[2:])
        except ValueError:
            return None
    if not isinstance(data, bytes):
        return None
    if not isinstance(key, bytes) or len(key) != 32:  # coincurve would pad a short one
        return None
    try:
        private = _Key(key)
    except ValueError:  # zero or not below the curve's order: eth-account refuses it its own way
        return None
    sender = tx.get("from")
    if sender is not None and (not _plain_address(sender) or to_canonical_address(sender) != private.address()):
        return None
    to_bytes = to_canonical_address(to) if to else b""
    common = {
        "nonce": tx.get("nonce", 0),
        "gas": tx.get("gas", 0),
        "to": to_bytes,
        "value": tx.get("value", 0),
        "data": data,
    }
    dynamic = "maxFeePerGas" in tx or "maxPriorityFeePerGas" in tx
    if dynamic and "gasPrice" not in tx and tx.get("type", 2) in (2, "0x2"):
        if "maxFeePerGas" not in tx or "maxPriorityFeePerGas" not in tx:
            return None
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id=tx["chainId"],
            max_priority_fee_per_gas=tx["maxPriorityFeePerGas"],
            max_fee_per_gas=tx["maxFeePerGas"],
            access_list=(),
            **common,
        )
        signed = unsigned.as_signed_transaction(private, chain_id=tx["chainId"])
    elif not dynamic and "gasPrice" in tx and tx.get("type", 0) in (0, "0x0"):
        unsigned = builder.create_unsigned_transaction(gas_price=tx["gasPrice"], **common)
        signed = unsigned.as_signed_transaction(private, chain_id=tx["chainId"])
    else:
        return None
    raw = bytes(signed.encode())
    return "0x" + keccak(raw).hex(), raw  # a transaction's hash is that of its encoding (typed or legacy)


class _Key:
    """One secp256k1 key object for a signature: the `from` check reads its public key, and
    py-evm's as_signed_transaction calls its sign_msg (all it asks of eth-keys' PrivateKey, whose
    coincurve backend makes the key object twice: once for the public key, again to sign). The
    same RFC 6979 signature from the same libsecp256k1 call (eth-keys' ecdsa_sign)."""

    __slots__ = ("_secret",)

    def __init__(self, key: bytes) -> None:
        import coincurve

        self._secret = coincurve.PrivateKey(key)

    def __repr__(self) -> str:
        return "<signing key>"  # never its bytes

    def address(self) -> bytes:
        return keccak(self._secret.public_key.format(compressed=False)[1:])[-20:]

    def sign_msg(self, message: bytes) -> Any:
        from eth_keys import keys

        return keys.Signature(self._secret.sign_recoverable(keccak(message), hasher=None))


def _plain_address(value: Any) -> bool:
    """A 0x address in lower case or with a valid checksum (eth-account's rule; others go to it)."""
    return isinstance(value, str) and _plain_address_text(value)


@functools.lru_cache(maxsize=256)
def _plain_address_text(value: str) -> bool:
    # cached: the checksum costs a keccak, and a wallet sends from and to the same few addresses
    from eth_utils import is_checksum_address, is_hex_address

    return is_hex_address(value) and (value == value.lower() or is_checksum_address(value))


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
