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
