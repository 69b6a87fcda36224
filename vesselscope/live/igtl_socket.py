"""The client end of an OpenIGTLink connection: connect, then read messages in bounded steps.

Every blocking call waits at most TICK_S so the receiver thread notices close() promptly;
sizes come from the untrusted header, so bodies are read into buffers we sized after checking,
and skipped bodies are drained in fixed chunks instead of being held.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

from vesselscope.live.igtl_header import HEADER_SIZE, Header, parse_header

TICK_S = 0.05
_SKIP_CHUNK = 1 << 16


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """A connected TCP socket with keepalive, so a peer that vanished (cable out, crash
    without a FIN) is noticed in seconds by the OS rather than never."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 2), ("TCP_KEEPINTVL", 1), ("TCP_KEEPCNT", 3)):
            if hasattr(socket, name):  # Linux; other systems keep their (slower) defaults
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
        sock.settimeout(TICK_S)
    except OSError:
        sock.close()
        raise
    return sock


class MessageReader:
    """Reads headers and bodies from `sock`; every method returns None/False once `stopping()`.

    Raises ConnectionError when the peer closes the connection, OSError on socket failures and
    ProtocolError (from parse_header) when the bytes are not a valid header.
    """

    def __init__(self, sock: socket.socket, stopping: Callable[[], bool]) -> None:
        self._sock = sock
        self._stopping = stopping
        self._header = bytearray(HEADER_SIZE)
        self._scratch = bytearray(_SKIP_CHUNK)

    def read_header(self) -> Header | None:
        if not self._fill(memoryview(self._header)):
            return None
        return parse_header(bytes(self._header))

    def read_body(self, size: int) -> bytearray | None:
        """The next `size` bytes in a new buffer (the caller has checked `size`)."""
        body = bytearray(size)
        return body if self._fill(memoryview(body)) else None

    def skip(self, size: int) -> bool:
        """Discard the next `size` bytes without keeping them."""
        scratch = memoryview(self._scratch)
        while size > 0:
            step = min(size, len(scratch))
            if not self._fill(scratch[:step]):
                return False
            size -= step
        return True

    def _fill(self, view: memoryview) -> bool:
        got = 0
        while got < len(view):
            if self._stopping():
                return False
            try:
                count = self._sock.recv_into(view[got:])
            except TimeoutError:
                continue
            if count == 0:
                raise ConnectionError("the server closed the connection")
            got += count
        return True
