"""Amounts as the user types them ("1.5") and as the chain counts them (wei), without floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..errors import InvalidParams


def parse_amount(text: str | int | float, decimals: int, what: str = "amount") -> int:
    """ "1.5" with 18 decimals -> 1500000000000000000. Refuses negatives, zero and excess digits."""
    if isinstance(text, bool):
        raise InvalidParams(f"The {what} must be a number")
    s = str(text).strip().replace(",", "") if not isinstance(text, float) else repr(text)
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise InvalidParams(f"The {what} '{str(text)[:40]}' is not a number") from None
    if not value.is_finite():
        raise InvalidParams(f"The {what} must be a finite number")
    if value <= 0:
        raise InvalidParams(f"The {what} must be greater than zero")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise InvalidParams(f"The {what} has more than {decimals} decimal places")
    wei = int(scaled)
    if wei >= 2**256:
        raise InvalidParams(f"The {what} is too large")
    return wei


def format_amount(wei: int, decimals: int, places: int | None = None) -> str:
    """1500000000000000000 with 18 decimals -> "1.5" (no trailing zeros; `places` rounds down)."""
    sign = "-" if wei < 0 else ""
    wei = abs(wei)
    whole, frac = divmod(wei, 10**decimals)
    frac_s = str(frac).rjust(decimals, "0") if decimals else ""
    if places is not None:
        frac_s = frac_s[:places]
    frac_s = frac_s.rstrip("0")
    return f"{sign}{whole}" + (f".{frac_s}" if frac_s else "")
