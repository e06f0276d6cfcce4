"""Human decisions the node needs, asked through an interface the GUI, the CLI and tests implement.

The node awaits `node.prompter.ask(request)`; it never knows whether a dialog, a terminal or a
test answered. `node.prompter` is the node's `PromptQueue` (node/prompt_queue.py): it sends each
prompt to whoever made the request and shows them one at a time.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import errors as E
from .context import CallerContext

# The prompt details a description does not replace (where, from which account, the fee):
# front ends show these beside it and drop the rest, which the description says better.
# "warning", "note" and "gas price" come from the send pipeline (a likely failure, a legacy fee)
CONTEXT_DETAILS = (
    "network",
    "from",
    "account",
    "max fee",
    "fee",
    "maxFee",
    "feeFormatted",
    "warning",
    "note",
    "gas price",
)

SEND_ANYWAY = "send anyway"  # the choice a transaction that will most likely fail offers


@dataclass(frozen=True)
class PromptRequest:
    kind: str  # "transaction" | "signature" | "permission" | "confirm" | "contacts" | "file" (data: a path)
    caller: CallerContext
    title: str
    details: dict[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] = ("approve", "reject")
    # What a transaction or typed-data signature does, decoded (wallet/describe.py): headline,
    # rows, warnings, and `edit` when the user may lower an allowance (answered in result.data).
    description: dict[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        """The prompt as it travels to a socket client (JSON; the caller as its label)."""
        return {
            "kind": self.kind,
            "caller": self.caller.label,
            "title": self.title,
            "details": json.loads(json.dumps(self.details, default=str)),
            "choices": list(self.choices),
            "description": json.loads(json.dumps(self.description, default=str)) if self.description else None,
        }


@dataclass(frozen=True)
class PromptResult:
    approved: bool
    choice: str | None = None  # e.g. "once" | "session" | "always" | "never" for permissions
    data: Any = None  # e.g. the selected contact ids
    block: bool = False  # "block this app's requests for now": its queued and new prompts are refused

    @classmethod
    def from_wire(cls, obj: Any) -> PromptResult:
        """A socket client's answer; anything malformed is a refusal."""
        if not isinstance(obj, dict):
            return cls(False)
        choice = obj.get("choice")
        return cls(obj.get("approved") is True, choice if isinstance(choice, str) else None, obj.get("data"))


class Prompter(Protocol):
    async def ask(self, request: PromptRequest) -> PromptResult: ...


class RejectAllPrompter:
    """Refuses everything (tests about refusals)."""

    async def ask(self, request: PromptRequest) -> PromptResult:
        return PromptResult(False)


class ApproveAllPrompter:
    """`--yes` on the CLI, and tests that are not about the prompt."""

    def __init__(self, choice: str = "once", data: Any = None, send_failing: bool = False) -> None:
        self.choice, self.data = choice, data
        # A transaction that will most likely fail offers "send anyway" instead of "approve":
        # blanket approval does not cover it unless this was asked for too (`--send-failing`).
        self.send_failing = send_failing
        self.asked: list[PromptRequest] = []

    async def ask(self, request: PromptRequest) -> PromptResult:
        self.asked.append(request)
        if self.send_failing and SEND_ANYWAY in request.choices:
            return PromptResult(True, SEND_ANYWAY, self.data)
        return PromptResult(True, self.choice, self.data)


def description_lines(description: dict[str, Any]) -> dict[str, str]:
    """A transaction's description (wallet/describe.py) as label -> text, for a terminal or a flat list of details."""
    out: dict[str, str] = {"action": description.get("headline") or description.get("action", "")}
    for row in description.get("rows", []):
        label = row["label"]
        while label in out:
            label += " "
        if "party" in row:
            p = row["party"]
            out[label] = f"{p['label']} ({p['address']})" if p["label"] != p["address"] else p["address"]
        elif "amount" in row:
            out[label] = row["amount"]["text"]
        elif "date" in row:
            out[label] = row["date"]["text"]
        else:
            out[label] = str(row.get("text", ""))
    for i, w in enumerate(description.get("warnings", [])):
        out["WARNING" if i == 0 else f"WARNING {i + 1}"] = w["text"]
    return out


def terminal_text(prompt: dict[str, Any]) -> str:
    """A prompt (in its wire form) as the lines a terminal shows."""
    lines = [f"\n{prompt.get('title', '')}  (asked by {prompt.get('caller', '?')})"]
    details = prompt.get("details")
    description = prompt.get("description")
    if isinstance(description, dict) and description.get("rows"):
        lines += [f"  {k}: {v}" for k, v in description_lines(description).items()]  # decoded: what it does
        if isinstance(details, dict):
            details = {k: v for k, v in details.items() if k in CONTEXT_DETAILS}
    if isinstance(details, dict):
        lines += [f"  {k}: {v}" for k, v in details.items()]
    return "\n".join(lines)


def answer_on_terminal(prompt: dict[str, Any]) -> PromptResult:
    """Ask y/N on this process's terminal (blocking); no terminal raises NobodyToApprove."""
    if not sys.stdin.isatty():
        raise E.NobodyToApprove()
    print(terminal_text(prompt), file=sys.stderr, flush=True)
    choices = prompt.get("choices") or []
    send_anyway = SEND_ANYWAY in choices  # a transaction that will most likely fail: say so in the question
    try:
        answer = input("Send anyway? [y/N] " if send_anyway else "Approve? [y/N] ")
    except EOFError:
        answer = ""
    ok = answer.strip().lower() in ("y", "yes")
    choice = SEND_ANYWAY if send_anyway else next((c for c in ("once", "approve") if c in choices), "once")
    return PromptResult(ok, choice if ok else None)


class TerminalPrompter:
    """The in-process CLI's prompter: prints the decoded request and asks y/N on the terminal."""

    async def ask(self, request: PromptRequest) -> PromptResult:
        return await asyncio.get_running_loop().run_in_executor(None, answer_on_terminal, request.to_wire())
