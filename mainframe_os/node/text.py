"""Names shown to people: one rule for what may reach a terminal or a label.

A contact card, a token contract or an app manifest is written by someone else. Their names
must not carry terminal escape sequences (which can rewrite the screen), bidi overrides (which
can show "Bob‮evil" as something else) or invisible characters, and two names that only look
alike must be told apart by the key beside them.
"""

from __future__ import annotations

import unicodedata

# Cc: controls (ESC, BEL, CR...); Cf: format characters (bidi embeddings/overrides/isolates,
# zero-width space/joiners, BOM); Zl/Zp: line and paragraph separators; Co/Cs/Cn: private use,
# lone surrogates and unassigned code points, which fonts show unpredictably.
_DROP = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}

# Latin look-alikes from other scripts, enough to catch the usual impersonations ("Вob").
_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ο": "o",
        "α": "a", "ν": "v", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ι": "i", "κ": "k", "0": "o",
        "1": "l", "|": "l",
    }
)  # fmt: skip


def safe_text(text: str) -> str:
    """``text`` without control, format and invisible characters, whitespace runs made one space."""
    kept = "".join(" " if ch.isspace() else ch for ch in text if unicodedata.category(ch) not in _DROP)
    return " ".join(kept.split())


def skeleton(name: str) -> str:
    """What a name looks like: two names with the same skeleton can be mistaken for each other."""
    folded = unicodedata.normalize("NFKC", safe_text(name)).casefold().translate(_CONFUSABLE)
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if ch.isalnum() and not unicodedata.combining(ch))


def lookalikes(names: list[str]) -> set[int]:
    """Indexes of the names that look like another name in the list."""
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        seen.setdefault(skeleton(n), []).append(i)
    return {i for group in seen.values() if len(group) > 1 for i in group}
