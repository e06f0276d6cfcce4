"""The local socket: JSON-RPC 2.0, one message per line, for the CLI and Python scripts.

Only this OS user gets in: the socket lives in a 0700 folder, is itself 0600, and every
connection's peer uid is checked with SO_PEERCRED (so a loosened file mode still refuses others).

Even this user's programs cannot wear the node out: at most ``max_connections`` at once (a new
one pushes out the longest-idle connection that never sent a request, else the longest-idle
one), a connection with no request for ``idle_timeout`` seconds is closed, a request must
arrive whole within ``line_timeout`` seconds, a flood of blank lines ends the connection, and
the socket's and asyncio's error logs are rate-limited so a flood cannot fill the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..context import CallerContext
from ..dispatcher import MAX_MESSAGE_BYTES
from ..prompter import PromptRequest, PromptResult

# the client side, re-exported: it lives apart so a command line can load it without asyncio
from .socket_client import Answerer as Answerer
from .socket_client import SocketClient as SocketClient
from .socket_client import is_alive
from .socket_client import why_not_alive as why_not_alive

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger("mainframe_os.socket")

MAX_CONNECTIONS = 64
IDLE_TIMEOUT = 300.0
LINE_TIMEOUT = 30.0
MAX_BLANK_LINES = 100


class LogRateLimit(logging.Filter):
    """At most ``burst`` records per ``window`` seconds on a logger; the next record after a
    quiet window says how many were dropped. Tracebacks only on the first record of a window."""

    def __init__(self, burst: int = 20, window: float = 10.0) -> None:
        super().__init__()
        self.burst, self.window = burst, window
        self._start, self._count, self._dropped = 0.0, 0, 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self._start > self.window:
            if self._dropped:
                record.msg = f"[{self._dropped} similar log lines dropped] {record.msg}"
            self._start, self._count, self._dropped = now, 0, 0
        self._count += 1
        if self._count > self.burst:
            self._dropped += 1
            return False
        if self._count > 1:
            record.exc_info, record.exc_text = None, None
        return True


def _install_log_limits() -> None:
    for name in ("mainframe_os.socket", "asyncio"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, LogRateLimit) for f in logger.filters):
            logger.addFilter(LogRateLimit())


class _Slot:
    """Book-keeping of one open connection, for the cap and the idle timeout."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.last_active = time.monotonic()
        self.requests = 0
        # a connection waiting on its own call (a long backup, a prompt its user is reading) is not idle
        self.busy: Callable[[], bool] = lambda: False

    def drop(self) -> None:
        transport = self.writer.transport
        if transport is not None:
            transport.abort()  # no lingering: the file descriptor goes now


def peer_uid(sock: socket.socket) -> int | None:
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


class SocketServer:
    def __init__(
        self,
        node: Node,
        path: Path,
        *,
        max_connections: int = MAX_CONNECTIONS,
        idle_timeout: float = IDLE_TIMEOUT,
        line_timeout: float = LINE_TIMEOUT,
    ) -> None:
        self.node, self.path = node, path
        self._server: asyncio.AbstractServer | None = None
        self.connections = 0
        _install_log_limits()
        self.max_connections, self.idle_timeout, self.line_timeout = max_connections, idle_timeout, line_timeout
        self._slots: dict[asyncio.StreamWriter, _Slot] = {}
        self._handlers: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def open_connections(self) -> int:
        return len(self._slots)

    def _admit(self, writer: asyncio.StreamWriter) -> _Slot:
        """Take a place for a new connection, pushing out an idle one when all are taken."""
        while len(self._slots) >= self.max_connections:
            # never-used connections go first: a flood of idle ones cannot push out real clients
            victim = min(self._slots.values(), key=lambda s: (s.requests > 0, s.last_active))
            self._slots.pop(victim.writer, None)
            victim.drop()
            log.warning("too many socket connections: closed an idle one")
        slot = self._slots[writer] = _Slot(writer)
        return slot

    async def _read_line(self, reader: asyncio.StreamReader, slot: _Slot) -> bytes:
        """The next non-blank line (b"" at the end); TimeoutError when idle or slow too long."""
        blanks = 0
        while True:
            # idle: nothing arrives for idle_timeout; slow: a line started is not whole in time
            while True:
                try:
                    first = await asyncio.wait_for(reader.read(1), self.idle_timeout)
                    break
                except TimeoutError:
                    if not slot.busy():
                        raise
            line = (
                first if first in (b"", b"\n") else first + await asyncio.wait_for(reader.readline(), self.line_timeout)
            )
            # Let other connections run: lines already buffered return without ever yielding.
            await asyncio.sleep(0)
            if not line or line.strip():
                slot.last_active = time.monotonic()
                slot.requests += 1
                return line
            blanks += 1
            if blanks > MAX_BLANK_LINES:
                raise ConnectionError("a flood of blank lines")

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        if is_alive(self.path):
            raise RuntimeError(f"another node already serves {self.path}")
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a stale socket left by a process that died
        old = os.umask(0o177)  # the socket is born 0600: no window where others could connect
        try:
            # Made without serving: that step never yields, so a cancel (a launcher quitting
            # during an unlock) cannot land between binding and keeping the server, which would
            # leak the listening socket. Serving starts below, undone if that is cancelled.
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=MAX_MESSAGE_BYTES + 1, start_serving=False
            )
        finally:
            os.umask(old)
        try:
            os.chmod(self.path, 0o600)
            await self._server.start_serving()
        except BaseException:
            self._server.close()  # closes the listening socket at once, no await under a cancel
            self._server = None
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            raise

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        uid = peer_uid(sock) if sock is not None else None
        if self._stopping or (uid is not None and uid != os.getuid()):
            if not self._stopping:
                log.warning("refused a socket connection from uid %s", uid)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            return
        self.connections += 1
        me = asyncio.current_task()
        if me is not None:
            self._handlers.add(me)
        slot = self._admit(writer)
        conn = _Connection(self.node, writer, f"socket-{self.connections}")
        slot.busy = conn.busy
        self.node.prompter.offer(conn.session, conn)
        worker = asyncio.ensure_future(conn.handle_requests())
        try:
            while True:
                try:
                    line = await self._read_line(reader, slot)
                except (asyncio.LimitOverrunError, ValueError):
                    err = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Message too large"}}
                    writer.write(json.dumps(err).encode() + b"\n")
                    break
                if not line:
                    break
                if line.strip() and not conn.took_answer(line):
                    await conn.requests.put(line)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            self._slots.pop(writer, None)
            conn.close_prompts()
            # Calls already read run to their end, as before (a client may send and half-close;
            # a send is never cut between signing and broadcast); their prompts are refused now
            # that nobody can answer.
            await conn.requests.put(None)
            await worker
            self.node.prompter.detach(conn.session)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            if me is not None:
                self._handlers.discard(me)

    async def stop(self, grace: float = 5.0) -> None:
        self._stopping = True
        server, self._server = self._server, None
        if server is not None:
            server.close()
        # Python 3.11's wait_closed() does not wait for open connections: end them here, so no
        # socket outlives the server (calls in flight get `grace` seconds to finish).
        for writer in list(self._slots):
            writer.close()
        if self._handlers:
            _, late = await asyncio.wait(set(self._handlers), timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)
        # Connections accepted just before the close whose handlers had not started yet: each
        # sees the stop and closes itself. Wait for that (the server counts its live transports),
        # else their sockets would outlive a loop closed next.
        deadline = time.monotonic() + 1.0
        live: Any = server  # asyncio's Server counts them in a private field (3.11)
        while live is not None and int(getattr(live, "_active_count", 0)) > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class _Connection:
    """One client: its requests handled one at a time, in order, and the prompts its calls raise
    carried back to it as JSON-RPC requests from the server (`prompt_ask`), once the client
    called `node_answerPrompts`. The client's answer comes back as an ordinary response."""

    def __init__(self, node: Node, writer: asyncio.StreamWriter, session: str) -> None:
        self.node, self.writer, self.session = node, writer, session
        self.ctx = CallerContext.cli(session)
        self.requests: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=64)
        self._prompts: dict[str, asyncio.Future[Any]] = {}
        self._next_prompt = 0
        self.closed = False
        self.in_call = False

    def busy(self) -> bool:
        return self.in_call or not self.requests.empty()

    async def handle_requests(self) -> None:
        while (line := await self.requests.get()) is not None:
            self.in_call = True
            try:
                out = await self.node.handle_text(line, self.ctx)
            finally:
                self.in_call = False
            if out is not None and not self.writer.is_closing():
                self.writer.write(out.encode() + b"\n")
                with contextlib.suppress(ConnectionError):
                    await self.writer.drain()

    async def ask(self, request: PromptRequest) -> PromptResult:
        """The Prompter of this connection's calls: ask the client and await its answer."""
        if self.closed:
            raise E.UserRejected("The client went away before answering")
        self._next_prompt += 1
        pid = f"prompt-{self._next_prompt}"
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._prompts[pid] = fut
        msg = {"jsonrpc": "2.0", "id": pid, "method": "prompt_ask", "params": request.to_wire()}
        try:
            self.writer.write(json.dumps(msg).encode() + b"\n")
            await self.writer.drain()
            answer = await fut
        finally:
            self._prompts.pop(pid, None)
        if isinstance(answer, dict) and "error" in answer:
            err = answer["error"] if isinstance(answer["error"], dict) else {}
            raise E.UserRejected(str(err.get("message") or "Rejected")[:300])
        return PromptResult.from_wire(answer.get("result") if isinstance(answer, dict) else None)

    def took_answer(self, line: bytes) -> bool:
        """Whether `line` answers one of our open prompts (then it is no request to handle)."""
        if not self._prompts:
            return False
        try:
            msg = json.loads(line)
        except ValueError:
            return False
        if not isinstance(msg, dict) or "method" in msg:
            return False
        fut = self._prompts.get(str(msg.get("id")))
        if fut is None or fut.done():
            return False
        fut.set_result(msg)
        return True

    def close_prompts(self) -> None:
        self.closed = True
        for fut in self._prompts.values():
            if not fut.done():
                fut.set_result({"error": {"message": "The client went away before answering"}})
