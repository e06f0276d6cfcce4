"""The local socket's client side: a blocking JSON-RPC client for the CLI and Python scripts.

It imports neither asyncio nor the node (only when a prompt arrives), so a command sent to a
running node starts in a few milliseconds (`cli/__init__.py`). Who may connect is decided by the
server (`local_socket.py`: a 0700 folder, a 0600 socket, the peer's uid checked on every
connection), the same for this client as for any other.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..prompter import PromptResult

Answerer = Callable[[dict[str, Any]], "PromptResult"]


class SocketClient:
    """A blocking client for the CLI: `SocketClient(path).call("node_status")`.

    With `answer`, the client answers the prompts its own calls raise: the node sends each one
    as a `prompt_ask` request while the call is pending, and `answer(prompt)` decides (it may
    raise an RpcError, e.g. NobodyToApprove, which goes back as the refusal's message).
    """

    def __init__(self, path: Path, timeout: float = 600.0, answer: Answerer | None = None) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self._buf = b""
        self._next_id = 0
        self._answer = answer
        if answer is not None:
            resp = self.call("node_answerPrompts")
            if "error" in resp:  # an older node: its prompts stay with it
                self._answer = None

    @property
    def answers_prompts(self) -> bool:
        """Whether the node sends this client its calls' prompts (it was given `answer`, and
        the node agreed)."""
        return self._answer is not None

    def _send(self, msg: Any) -> None:
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def _read(self) -> Any:
        while b"\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the node closed the connection")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, msg: Any) -> Any:
        self._send(msg)
        while True:
            got = self._read()
            if isinstance(got, dict) and got.get("method") == "prompt_ask":
                self._send(self._answer_prompt(got))
                continue
            return got

    def _answer_prompt(self, msg: dict[str, Any]) -> dict[str, Any]:
        from .. import errors as E  # only when a prompt arrives

        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": msg.get("id")}
        params = msg.get("params")
        if not isinstance(params, dict):
            params = {}
        try:
            if self._answer is None:
                raise E.NobodyToApprove()
            r = self._answer(params)
        except E.RpcError as exc:
            reply["error"] = exc.to_json()
            return reply
        reply["result"] = {"approved": r.approved, "choice": r.choice, "data": r.data}
        return reply

    def call(self, method: str, params: Any = None) -> Any:
        self._next_id += 1
        return self.request({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params or {}})

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> SocketClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_alive(path: Path) -> bool:
    return why_not_alive(path) is None


def why_not_alive(path: Path, timeout: float = 2.0) -> str | None:
    """None when a node answers on ``path``; "" when no node is there at all (no socket, or a
    stale one nobody listens on); otherwise why the node there could not be used."""
    if not path.exists():
        return ""
    try:
        with SocketClient(path, timeout=timeout) as c:
            resp = c.call("node_version")
    except TimeoutError:
        return f"the node did not answer within {timeout:g} s"
    except (ConnectionRefusedError, FileNotFoundError):
        return ""
    except (OSError, ValueError) as exc:
        return f"the node socket refused the connection ({type(exc).__name__})"
    return None if "result" in resp else "the node answered with an error"
