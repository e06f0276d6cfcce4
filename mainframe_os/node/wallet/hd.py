"""BIP-39 phrases and BIP-44 accounts (m/44'/60'/0'/0/i), through eth-account's HD support."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParams

PATH = "m/44'/60'/0'/0/{index}"


def _account_cls() -> Any:  # eth_account is heavy-ish; import on first wallet use
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return Account


def generate_phrase(words: int = 12) -> str:
    from eth_account.hdaccount.mnemonic import Mnemonic

    return str(Mnemonic().generate(words))


def normalize_phrase(phrase: str) -> str:
    return " ".join(phrase.lower().split())


def check_phrase(phrase: str) -> str:
    """A normalized phrase, or a clear error that never repeats the words."""
    from eth_account.hdaccount.mnemonic import Mnemonic

    norm = normalize_phrase(phrase)
    words = norm.split()
    if len(words) not in (12, 15, 18, 21, 24):
        raise InvalidParams("A recovery phrase has 12, 15, 18, 21 or 24 words")
    m = Mnemonic()
    unknown = [i + 1 for i, w in enumerate(words) if w not in m.wordlist]
    if unknown:
        raise InvalidParams(f"Word {unknown[0]} of the phrase is not a BIP-39 word: check its spelling")
    if not m.is_mnemonic_valid(norm):
        raise InvalidParams("The phrase's checksum does not match: a word is wrong or out of order")
    return norm


def derive_key(phrase: str, index: int) -> tuple[str, bytes]:
    """(checksum address, private key) of account `index`."""
    acct = _account_cls().from_mnemonic(phrase, account_path=PATH.format(index=index))
    return acct.address, bytes(acct.key)


def seed_of(phrase: str) -> bytes:
    """The BIP-39 seed (PBKDF2, 2048 rounds) of a phrase that was checked when its wallet was made."""
    from eth_account.hdaccount.mnemonic import Mnemonic

    return bytes(Mnemonic.to_seed(phrase))


def key_from_seed(seed: bytes, index: int) -> bytes:
    """The private key of account `index` (m/44'/60'/0'/0/index): what a signature needs, and
    no more (no address, no re-validation of the phrase)."""
    from eth_account.hdaccount import key_from_seed as derive

    return bytes(derive(seed, PATH.format(index=index)))


@dataclass(frozen=True, repr=False)
class AccountsParent:
    """The extended key at m/44'/60'/0'/0, one level above every account of a wallet: with it an
    account's key takes one HMAC (BIP-32 CKDpriv of a non-hardened child), where a derivation
    from the seed takes five levels and two EC multiplications (~1 ms). It gives no more than
    the seed it comes from, and is kept as the seed is (wallet/store.py SeedCache). No repr."""

    key: bytes
    chain_code: bytes
    point: bytes  # the compressed public key of `key`: what a non-hardened child's HMAC takes


def accounts_parent(seed: bytes) -> AccountsParent:
    from eth_account.hdaccount.deterministic import HardNode, SoftNode, derive_child_key

    master = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain_code = master[:32], master[32:]
    for node in (HardNode(44), HardNode(60), HardNode(0), SoftNode(0)):
        key, chain_code = derive_child_key(key, chain_code, node)
    from eth_keys import keys

    return AccountsParent(key, chain_code, keys.PrivateKey(key).public_key.to_compressed_bytes())


def child_key(parent: AccountsParent, index: int) -> bytes:
    """The key of account `index` (m/44'/60'/0'/0/index): what key_from_seed(seed, index) gives."""
    from eth_account.hdaccount._utils import SECP256K1_N
    from eth_account.hdaccount.deterministic import SoftNode, derive_child_key

    i = hmac.new(parent.chain_code, parent.point + index.to_bytes(4, "big"), hashlib.sha512).digest()
    tweak = int.from_bytes(i[:32], "big")
    key = (tweak + int.from_bytes(parent.key, "big")) % SECP256K1_N
    if tweak >= SECP256K1_N or key == 0:  # BIP-32's next-index rule (p < 2**-127): as the library does it
        return derive_child_key(parent.key, parent.chain_code, SoftNode(index))[0]
    return key.to_bytes(32, "big")


def key_to_address(private_key: bytes) -> str:
    return str(_account_cls().from_key(private_key).address)


def parse_private_key(text: str) -> bytes:
    s = text.strip().lower()
    s = s[2:] if s.startswith("0x") else s
    try:
        key = bytes.fromhex(s)
    except ValueError:
        raise InvalidParams("A private key is 64 hexadecimal characters") from None
    if len(key) != 32:
        raise InvalidParams("A private key is 64 hexadecimal characters")
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    if not 0 < int.from_bytes(key, "big") < n:
        raise InvalidParams("That is not a valid secp256k1 private key")
    return key
