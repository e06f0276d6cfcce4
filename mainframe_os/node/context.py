"""Who is calling: set by the transport, never read from the message."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CallerKind(enum.Enum):
    LAUNCHER = "launcher"  # the GUI in this process
    CLI = "cli"  # an authenticated local socket client or the in-process CLI
    APP = "app"  # a dapp inside a sandboxed webview


@dataclass(frozen=True)
class CallerContext:
    kind: CallerKind
    app_id: str | None = None
    identity_id: str | None = None  # the identity an app runs as; None for trusted callers
    # Which socket connection made the call, set by the socket server: that connection's client
    # answers the prompts its calls raise (see node/prompt_queue.py).
    session: str | None = None

    @property
    def trusted(self) -> bool:
        return self.kind in (CallerKind.LAUNCHER, CallerKind.CLI)

    @property
    def label(self) -> str:
        return f"app:{self.app_id}" if self.kind is CallerKind.APP else self.kind.value

    @classmethod
    def launcher(cls) -> CallerContext:
        return cls(CallerKind.LAUNCHER)

    @classmethod
    def cli(cls, session: str | None = None) -> CallerContext:
        return cls(CallerKind.CLI, session=session)

    @classmethod
    def app(cls, app_id: str, identity_id: str) -> CallerContext:
        return cls(CallerKind.APP, app_id=app_id, identity_id=identity_id)
