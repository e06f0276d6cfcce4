"""eth_utils' address checks and EIP-55 checksums, remembered per process.

A send names the same few addresses again and again (the sender, the recipient, the token, the
router), and each checksum is a keccak run in Python (~45 µs): a swap's fill, description and
record computed about a dozen. The answers depend on the text alone, so they are kept (at most
4,096 of each); the functions raise and answer exactly as eth_utils' do.
"""

from __future__ import annotations

from functools import lru_cache

from eth_utils import is_address as _is_address
from eth_utils import is_checksum_address as _is_checksum_address
from eth_utils import to_checksum_address as _to_checksum_address

__all__ = ["is_address", "is_checksum_address", "to_checksum_address"]


@lru_cache(maxsize=4096)
def is_address(value: str) -> bool:
    return bool(_is_address(value))


@lru_cache(maxsize=4096)
def is_checksum_address(value: str) -> bool:
    return bool(_is_checksum_address(value))


@lru_cache(maxsize=4096)
def to_checksum_address(value: str) -> str:
    return str(_to_checksum_address(value))
