"""Replies on the message protocol: one JSON object per envelope, and what the sender makes of it."""

from __future__ import annotations

import json

from .envelope import CLOCK_REASONS


def reply(ok: bool, error: str = "") -> bytes:
    return json.dumps({"ok": True} if ok else {"ok": False, "error": error}).encode()


def ok(answer: bytes) -> bool:
    try:
        return bool(json.loads(answer).get("ok"))
    except (ValueError, AttributeError):
        return False


def outcome(answer: bytes) -> str:
    """For outbox.mark: "delivered", "clock" (refused for its date: sending it again cannot help;
    the peer's text is only compared, never kept) or "retry" (anything else)."""
    if ok(answer):
        return "delivered"
    try:
        error = json.loads(answer).get("error")
    except (ValueError, AttributeError):
        return "retry"
    return "clock" if error in CLOCK_REASONS else "retry"
