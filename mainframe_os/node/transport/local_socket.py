"""The local socket: JSON-RPC 2.0, one message per line, for the CLI and Python scripts.

Only this OS user gets in: the socket lives in a 0700 folder, is itself 0600, and every
connection's peer uid is checked with SO_PEERCRED (so a loosened file mode still refuses others).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import struct
from pathlib import Path
from typing import Any

from ..context import CallerContext
from ..dispatcher import MAX_MESSAGE_BYTES

log = logging.getLogger("mainframe_os.socket")


def peer_uid(sock: socket.socket) -> int | None:
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


class SocketServer:
    def __init__(self, node: Any, path: Path) -> None:
        self.node, self.path = node, path
        self._server: asyncio.AbstractServer | None = None
        self.connections = 0

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        if is_alive(self.path):
            raise RuntimeError(f"another node already serves {self.path}")
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a stale socket left by a process that died
        old = os.umask(0o177)  # the socket is born 0600: no window where others could connect
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=MAX_MESSAGE_BYTES + 1
            )
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        uid = peer_uid(sock) if sock is not None else None
        if uid is not None and uid != os.getuid():
            log.warning("refused a socket connection from uid %s", uid)
            writer.close()
            return
        self.connections += 1
        ctx = CallerContext.cli()
        try:
            while True:
                try:
                    line = await reader.readline()
                except (asyncio.LimitOverrunError, ValueError):
                    err = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Message too large"}}
                    writer.write(json.dumps(err).encode() + b"\n")
                    break
                if not line:
                    break
                if not line.strip():
                    continue
                out = await self.node.handle_text(line, ctx)
                if out is not None:
                    writer.write(out.encode() + b"\n")
                    await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class SocketClient:
    """A blocking client for the CLI: `SocketClient(path).call("node_status")`."""

    def __init__(self, path: Path, timeout: float = 600.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self._buf = b""
        self._next_id = 0

    def request(self, msg: Any) -> Any:
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while b"\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the node closed the connection")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

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
    if not path.exists():
        return False
    try:
        with SocketClient(path, timeout=2.0) as c:
            return "result" in c.call("node_version")
    except OSError:
        return False
