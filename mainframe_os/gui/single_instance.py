"""One launcher per home folder: a second launch asks the first to come forward, then exits.

A second launch with a package path (double-click on a .mfapp file) hands the path over:
the first launcher opens its install review. One line per message: `raise` or `open <path>`.

A QLocalServer named after a hash of the home path (names are global per user; paths can be
long or hold characters a socket name cannot).

The check runs before the first window, so it loads Qt's network module only when a launcher may
be there: on Unix the server is a socket file, and a plain connect to it tells whether anybody
listens (a crashed launcher leaves its file behind).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .qt import QCryptographicHash, QDir, QObject

if TYPE_CHECKING:
    from .qt import QLocalSocket

RAISE = b"raise\n"
OPEN = b"open "
MAX_MESSAGE = 8192


def server_name(home: Path) -> str:
    # Qt's SHA-256 rather than hashlib's: hashlib loads OpenSSL, ~4 ms before the first paint
    path = str(Path(home).resolve()).encode()
    digest = bytes(QCryptographicHash.hash(path, QCryptographicHash.Algorithm.Sha256).toHex().data()).decode()[:20]
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    return f"mainframe-os-{user}-{digest}"


def signal_running(home: Path, timeout_ms: int = 300, open_path: str | None = None) -> bool:
    """True if another launcher owns `home` (and it was told to come forward, or to open
    `open_path` for install)."""
    name = server_name(home)
    if os.name == "posix" and not _listening(os.path.join(QDir.tempPath(), name)):
        return False  # where QLocalServer.listen(name) puts its socket: no file or nobody on it
    from .qt import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(OPEN + os.fsencode(open_path) + b"\n" if open_path else RAISE)
    sock.flush()
    sock.waitForBytesWritten(timeout_ms)
    sock.disconnectFromServer()
    return True


def _listening(path: str) -> bool:
    """Someone accepts connections on the Unix socket at `path`. A plain connect, before Qt's
    network module loads (~5 ms), which a crashed launcher's leftover socket file would otherwise
    cost every start until the next launcher replaces it. (`_socket`, not `socket`: that one
    makes its enums, another 5 ms.)"""
    import _socket

    probe = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:  # no file (FileNotFoundError) or nobody listening (ConnectionRefusedError)
        return False
    finally:
        probe.close()
    return True


def _answers(name: str) -> bool:
    from .qt import QLocalSocket

    sock = QLocalSocket()
    sock.connectToServer(name)
    alive = sock.waitForConnected(200)
    sock.abort()
    return alive


class SingleInstance(QObject):
    def __init__(self, home: Path, on_raise: Callable[[], None], on_open: Callable[[str], None] | None = None) -> None:
        from .qt import QLocalServer

        super().__init__()
        self.on_raise = on_raise
        self.on_open = on_open
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        name = server_name(home)
        # A launcher that answers keeps its name (e.g. a `--screenshot` run beside it): with socket
        # options set, Qt's listen() would silently replace its socket file.
        if not _answers(name):
            # a crashed launcher leaves its socket file behind; nobody answered on it
            QLocalServer.removeServer(name)
            self.server.listen(name)
        self.server.newConnection.connect(self._connection)

    def _connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)

    def _read(self, sock: QLocalSocket) -> None:
        buf = sock.property("mfosBuffer") or b""
        buf = bytes(buf) + bytes(sock.readAll().data())
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            self._message(line)
        if len(buf) > MAX_MESSAGE:  # not one of ours: drop it rather than buffer without end
            sock.abort()
            return
        sock.setProperty("mfosBuffer", buf)

    def _message(self, line: bytes) -> None:
        if line == RAISE.strip():
            self.on_raise()
        elif line.startswith(OPEN) and self.on_open is not None:
            self.on_open(os.fsdecode(line[len(OPEN) :]))

    def close(self) -> None:
        self.server.close()
