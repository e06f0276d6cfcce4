"""The one amount rule every front end goes through: a comma is never a thousands separator."""

from __future__ import annotations

import pytest

from mainframe_os.node.errors import InvalidParams
from mainframe_os.node.wallet.amounts import amount_problem, format_amount, parse_amount

ETH = 10**18


@pytest.mark.parametrize(
    "text, wei",
    [
        ("1.5", 15 * 10**17),
        ("0.001", 10**15),
        (" 2 ", 2 * ETH),
        (".5", 5 * 10**17),
        ("1.", ETH),
        ("0.000000000000000001", 1),
        ("1.500000000000000000000", 15 * 10**17),  # trailing zeros beyond 18 places change nothing
        (3, 3 * ETH),
        (0.1, 10**17),  # a JSON number: its shortest form, not the binary float's expansion
    ],
)
def test_plain_amounts(text: str | int | float, wei: int) -> None:
    assert parse_amount(text, 18) == wei


@pytest.mark.parametrize(
    "text, message",
    [
        ("0,001", "comma: use a point"),  # once sent 1 ETH
        ("1,5", "comma: use a point"),  # once read as 15
        ("1,000.5", "comma"),
        ("1 000", "not a number"),
        ("1_000", "not a number"),
        ("1e3", "not a number"),
        ("1E-3", "not a number"),
        ("\u0661\u0662", "not a number"),  # Arabic-Indic digits: Decimal() would read 12
        ("１２", "not a number"),  # full-width digits
        ("+1", "not a number"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("0x10", "not a number"),
        ("1.2.3", "not a number"),
        (".", "not a number"),
        ("", "Enter an amount"),
        ("   ", "Enter an amount"),
        ("-1", "greater than zero"),
        ("0", "greater than zero"),
        ("0.000", "greater than zero"),
        ("0.0000000000000000001", "more than 18 decimal places"),
        ("9" * 101, "too long"),
        (True, "must be a number"),
        (float("nan"), "finite"),
    ],
)
def test_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidParams, match=message):
        parse_amount(text, 18)
    if isinstance(text, str):
        assert message.split(":")[0] in (amount_problem(text, 18) or "")


def test_decimals_of_the_token_count() -> None:
    assert parse_amount("1.234567", 6) == 1_234_567
    with pytest.raises(InvalidParams, match="more than 6 decimal places"):
        parse_amount("1.2345678", 6)
    with pytest.raises(InvalidParams, match="more than 0 decimal places"):
        parse_amount("1.5", 0)
    with pytest.raises(InvalidParams, match="too large"):
        parse_amount("1" + "0" * 60, 18)


def test_format_then_parse_is_exact() -> None:
    for wei in (1, 10**18, 123456789012345678901234567, 2**200 + 7):
        assert parse_amount(format_amount(wei, 18), 18) == wei
