"""Human decisions the node needs, asked through an interface the GUI, the CLI and tests implement.

The node awaits `prompter.ask(request)`; it never knows whether a dialog, a terminal or a test
answered.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import Any, Protocol

from .context import CallerContext


@dataclass(frozen=True)
class PromptRequest:
    kind: str  # "transaction" | "signature" | "permission" | "confirm" | "contacts"
    caller: CallerContext
    title: str
    details: dict[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] = ("approve", "reject")
    # What a transaction or typed-data signature does, decoded (wallet/describe.py): headline,
    # rows, warnings, and `edit` when the user may lower an allowance (answered in result.data).
    description: dict[str, Any] | None = None


@dataclass(frozen=True)
class PromptResult:
    approved: bool
    choice: str | None = None  # e.g. "once" | "session" | "always" | "never" for permissions
    data: Any = None  # e.g. the selected contact ids


class Prompter(Protocol):
    async def ask(self, request: PromptRequest) -> PromptResult: ...


class RejectAllPrompter:
    """The default for a headless node: nobody is there to approve, so nothing is approved."""

    async def ask(self, request: PromptRequest) -> PromptResult:
        return PromptResult(False)


class ApproveAllPrompter:
    """`--yes` on the CLI, and tests that are not about the prompt."""

    def __init__(self, choice: str = "once", data: Any = None) -> None:
        self.choice, self.data = choice, data
        self.asked: list[PromptRequest] = []

    async def ask(self, request: PromptRequest) -> PromptResult:
        self.asked.append(request)
        return PromptResult(True, self.choice, self.data)


class TerminalPrompter:
    """The CLI's prompter: prints the decoded request and asks y/N on the terminal."""

    async def ask(self, request: PromptRequest) -> PromptResult:
        lines = [f"\n{request.title}  (asked by {request.caller.label})"]
        details = request.details
        if request.description and request.description.get("rows"):
            from .wallet.describe import CONTEXT_DETAILS
            from .wallet.describe import lines as described

            lines += [f"  {k}: {v}" for k, v in described(request.description).items()]
            details = {k: v for k, v in details.items() if k in CONTEXT_DETAILS}
        lines += [f"  {k}: {v}" for k, v in details.items()]
        print("\n".join(lines), file=sys.stderr)
        if not sys.stdin.isatty():
            print("No terminal to confirm on: rejected (use --yes to approve).", file=sys.stderr)
            return PromptResult(False)
        answer = await asyncio.get_running_loop().run_in_executor(None, input, "Approve? [y/N] ")
        ok = answer.strip().lower() in ("y", "yes")
        return PromptResult(ok, "once" if ok else None)
