"""The remembered address checks (wallet/addresses.py) answer and raise as eth_utils does, on the
first call and on the remembered one."""

from __future__ import annotations

import eth_utils
import pytest

from mainframe_os.node.wallet import addresses

GOOD = "0x947203a5b3ec87Ffa0eF42Ae7C10897faF370d0F"
CASES = [
    GOOD,
    GOOD.lower(),
    "0x" + GOOD[2:].upper(),
    GOOD[:-1] + "f",  # mixed case, wrong checksum
    GOOD[2:],  # no 0x
    "0x1234",
    "not an address",
    "",
]


@pytest.mark.parametrize("value", CASES)
def test_the_same_answers_twice(value: str) -> None:
    for _ in range(2):
        assert addresses.is_address(value) == eth_utils.is_address(value)
        assert addresses.is_checksum_address(value) == eth_utils.is_checksum_address(value)
        try:
            expected: str | type[Exception] = eth_utils.to_checksum_address(value)
        except ValueError:
            expected = ValueError
        if expected is ValueError:
            with pytest.raises(ValueError):
                addresses.to_checksum_address(value)
        else:
            assert addresses.to_checksum_address(value) == expected
