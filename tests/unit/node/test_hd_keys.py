"""The signing path derives keys from the seed (no address, no phrase re-check): the same keys
as the full derivation that made the accounts."""

from __future__ import annotations

from mainframe_os.node.wallet import hd


def test_key_from_seed_matches_the_account_derivation() -> None:
    phrase = "test test test test test test test test test test test junk"  # hardhat's, public
    seed = hd.seed_of(phrase)
    for index in (0, 1, 7):
        address, key = hd.derive_key(phrase, index)
        assert hd.key_from_seed(seed, index) == key
        assert hd.key_to_address(key) == address
    assert hd.derive_key(phrase, 0)[0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_an_account_key_from_the_cached_parent_is_the_full_derivation() -> None:
    """A send derives its key by one HMAC from m/44'/60'/0'/0 (kept per wallet in SeedCache):
    the same key as the five-level derivation from the seed, for any seed and index."""
    import os

    phrase = "test test test test test test test test test test test junk"
    parent = hd.accounts_parent(hd.seed_of(phrase))
    assert hd.key_to_address(hd.child_key(parent, 0)) == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    for _ in range(20):
        seed = os.urandom(64)
        parent = hd.accounts_parent(seed)
        for index in (0, 1, 2, 99, 2**31 - 1):
            assert hd.child_key(parent, index) == hd.key_from_seed(seed, index)
    assert parent.key.hex() not in repr(parent) and parent.chain_code.hex() not in repr(parent)  # no repr shows it
