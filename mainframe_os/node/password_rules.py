"""The one rule for a new password (vault, backup, keystore), in the node.

Front ends show `password_problem` as they type and ask for the password twice; the node checks
again with `check_new_password` whatever the transport, so no front end can weaken the rule.
"""

from __future__ import annotations

from . import errors as E

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # Argon2/scrypt take any length; this only bounds the work a call can ask for


def password_problem(password: str, what: str = "password") -> str | None:
    """Why `password` is not acceptable as a new `what`, or None."""
    if len(password) < MIN_PASSWORD:
        return f"The {what} must be at least {MIN_PASSWORD} characters long"
    if len(password) > MAX_PASSWORD:
        return f"The {what} must be at most {MAX_PASSWORD} characters long"
    if not password.strip():
        return f"The {what} cannot be only spaces"
    return None


def check_new_password(password: str, what: str = "password") -> None:
    problem = password_problem(password, what)
    if problem is not None:
        raise E.InvalidParams(problem)
