"""One client of the replay server: its own sender thread and a one-message slot.

The server offers every frame to every client; a client that reads slowly gets the newest
message when it is ready and loses the ones in between, so it can neither stall the other
clients nor make the server buffer without bound.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

# A client that has not taken a message for this long is gone (crashed without a FIN, hung).
SEND_TIMEOUT_S = 5.0


class ClientLink:
    def __init__(self, sock: socket.socket, on_gone: Callable[[ClientLink, str], None]) -> None:
        host, port = sock.getpeername()[:2]
        self.address = f"{host}:{port}"
        self.sent = 0
        self.skipped = 0  # messages replaced by a newer one before this client took them
        self._sock = sock
        self._on_gone = on_gone
        self._pending: bytes | None = None
        self._cond = threading.Condition()
        self._closed = False
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(SEND_TIMEOUT_S)
        self._thread = threading.Thread(target=self._send_loop, name=f"send {self.address}")
        self._thread.daemon = True
        self._thread.start()

    def offer(self, message: bytes) -> None:
        with self._cond:
            if self._pending is not None:
                self.skipped += 1
            self._pending = message
            self._cond.notify()

    def close(self, timeout: float = 2.0) -> None:
        """Send what is pending (within `timeout`), then hang up."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)
        self._sock.close()

    def _send_loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or self._pending is not None)
                if self._pending is None:  # closed, and the last message is out
                    return
                message, self._pending = self._pending, None
            try:
                self._sock.sendall(message)
            except OSError as exc:  # reset, broken pipe, or timed out
                with self._cond:
                    self._closed = True
                    self._pending = None
                self._sock.close()
                self._on_gone(self, exc.strerror or str(exc) or type(exc).__name__)
                return
            self.sent += 1
