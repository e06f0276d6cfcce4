"""Amounts as the user types them ("1.5") and as the chain counts them (wei), without floats.

One rule for every front end (CLI, GUI, app bridge, swap, buy): plain ASCII digits with at most
one decimal POINT. A comma is refused, never read as a thousands separator: in half the world it
is the decimal mark, and "0,001" silently read as 1 once sent 1 ETH. Everything else that Python's
Decimal would accept but a person may not mean (spaces inside, "1_000", "1e3", Arabic-Indic
digits, "+1", "NaN") is refused with a one-line reason too.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..errors import InvalidParams

_PLAIN = re.compile(r"[0-9]*\.?[0-9]*")
MAX_TEXT = 100


def parse_amount(text: str | int | float, decimals: int, what: str = "amount") -> int:
    """ "1.5" with 18 decimals -> 1500000000000000000. Refuses commas, junk, negatives, zero and
    more decimal places than the token has, each with a message the user can act on."""
    if isinstance(text, bool):
        raise InvalidParams(f"The {what} must be a number")
    if isinstance(text, (int, float)):
        # a JSON number from a script or a dapp: its shortest repr is what the sender wrote
        value = Decimal(repr(text))
        if not value.is_finite():
            raise InvalidParams(f"The {what} must be a finite number")
        if value <= 0:
            raise InvalidParams(f"The {what} must be greater than zero")
        text = format(value, "f")
    whole, _, frac = _checked_text(str(text), decimals, what).partition(".")
    frac = frac.rstrip("0")
    # integers only: Decimal's 28-digit context would round a long amount without a word
    wei = int(whole or "0") * 10**decimals + (int(frac.ljust(decimals, "0")) if frac else 0)
    if wei <= 0:
        raise InvalidParams(f"The {what} must be greater than zero")
    if wei >= 2**256:
        raise InvalidParams(f"The {what} is too large")
    return wei


def _checked_text(raw: str, decimals: int, what: str) -> str:
    """The text itself, once it is a plain decimal number; else the reason it is not."""
    s = raw.strip()
    shown = s[:40]
    if not s:
        raise InvalidParams(f"Enter an {what}" if what[0] in "aeiou" else f"Enter the {what}")
    if len(s) > MAX_TEXT:
        raise InvalidParams(f"The {what} is too long")
    if "," in s:
        raise InvalidParams(
            f"The {what} '{shown}' has a comma: use a point for decimals (0.5), and no thousands separator"
        )
    if s.startswith("-"):
        raise InvalidParams(f"The {what} must be greater than zero")
    if not _PLAIN.fullmatch(s) or s == ".":
        raise InvalidParams(f"The {what} '{shown}' is not a number: write digits with one decimal point, like 0.5")
    frac = s.partition(".")[2]
    if len(frac.rstrip("0")) > decimals:
        raise InvalidParams(f"The {what} has more than {decimals} decimal places")
    return s


def amount_problem(text: str, decimals: int, what: str = "amount") -> str | None:
    """Why `text` is not an amount (the node's own message), or None: for forms that check as
    the user types, with the same rule the node applies when the request arrives."""
    try:
        parse_amount(text, decimals, what)
    except InvalidParams as exc:
        return exc.message
    return None


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
