"""ReplayServer: a recording served as a live OpenIGTLink stream, as PLUS's saved-data source does.

Each frame goes out as an IMAGE message stamped with the time it is sent (so a client measures
real latency) and the spacing in its matrix, at a fixed rate, to every connected client. Our own
TCP server rather than pyigtl's: that one takes a single client, must live in the main thread
(it installs signal handlers) and blocks on send when no client is connected.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.live.igtl_header import pack_message
from vesselscope.live.igtl_image import encode_image
from vesselscope.live.server_client import ClientLink
from vesselscope.sources.base import DEFAULT_FPS, Source

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"  # serve this machine only, unless asked for more
DEFAULT_DEVICE = "Image"
_ACCEPT_TICK_S = 0.1


class ReplayServer:
    """Serve `source` on host:port (port 0: a free one, see `.port`) until it ends or stop().

    `report` receives one line per event (client came or went) and a progress line every
    `report_every_s`; the command prints them.
    """

    def __init__(
        self,
        source: Source,
        *,
        host: str = DEFAULT_HOST,
        port: int = 18944,
        fps: float | None = None,
        loop: bool = False,
        device: str = DEFAULT_DEVICE,
        report: Callable[[str], None] = logger.info,
        report_every_s: float = 5.0,
    ) -> None:
        if not source.seekable or len(source) == 0:
            raise SourceError(source.path, "serve replays a recording; this source has no frames")
        self.source = source
        self.fps = fps or source.fps or DEFAULT_FPS
        self.loop = loop
        self.device = device
        self.frames_played = 0  # offered to the clients connected then, if any
        self._report = report
        self._report_every_s = report_every_s
        self._stop = threading.Event()
        self._clients: list[ClientLink] = []
        self._everyone: list[ClientLink] = []  # every client served, for delivery()
        self._lock = threading.Lock()
        try:
            self._listener = socket.create_server((host, port))  # SO_REUSEADDR on POSIX
        except OSError as exc:
            raise SourceError(f"{host}:{port}", f"cannot listen: {exc.strerror or exc}") from exc
        self._listener.settimeout(_ACCEPT_TICK_S)
        self.host, self.port = self._listener.getsockname()[:2]
        self._acceptor = threading.Thread(target=self._accept_loop, name="igtl accept")
        self._acceptor.daemon = True
        if source.spacing_mm is None:
            report(f"{source.path}: pixel spacing unknown; the messages will say 1 mm per pixel")

    def serve(self) -> int:
        """Send frames at `fps` until the recording ends (unless looping) or stop(); returns
        the number of frames played (see delivery() for what reached whom)."""
        self._acceptor.start()
        interval = 1.0 / self.fps
        due = time.monotonic()
        next_report = due + self._report_every_s
        try:
            while not self._stop.is_set():
                for index in range(len(self.source)):
                    now = time.monotonic()
                    if due - now < -interval:  # fell behind (slow decode): no catch-up burst
                        due = now
                    if self._stop.wait(max(due - now, 0.0)):
                        break
                    self._send(self.source[index])
                    due += interval
                    if now >= next_report:
                        next_report = now + self._report_every_s
                        self._report(f"played {self.frames_played} frames; {self.delivery()}")
                if not self.loop:
                    break
        finally:
            self.close()
        return self.frames_played

    def delivery(self) -> str:
        """What went to each client: 'no client connected', or per address the frames handed
        to its connection (the network may still hold the last few) and those a newer frame
        replaced before its connection took them (a slow reader)."""
        with self._lock:
            everyone = list(self._everyone)
        if not everyone:
            return "no client connected"
        said = []
        for client in everyone:
            skipped = f", {client.skipped} skipped" if client.skipped else ""
            said.append(f"{client.address} {client.sent}{skipped}")
        return "frames sent: " + "; ".join(said)

    def stop(self) -> None:
        """Ask serve() to return (from any thread or a signal handler)."""
        self._stop.set()

    def close(self) -> None:
        self._stop.set()
        if self._acceptor.is_alive():
            self._acceptor.join(2.0)
        self._listener.close()
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def _send(self, frame: Frame) -> None:
        body = encode_image(frame.pixels, frame.spacing_mm)
        message = pack_message("IMAGE", self.device, time.time(), body)
        with self._lock:
            for client in self._clients:
                client.offer(message)
        self.frames_played += 1

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listener was closed under us: we are stopping
                return
            client = ClientLink(sock, self._gone)
            with self._lock:
                self._clients.append(client)
                self._everyone.append(client)
                count = len(self._clients)
            self._report(f"client connected: {client.address} ({count} connected)")

    def _gone(self, client: ClientLink, why: str) -> None:
        with self._lock:
            if client not in self._clients:
                return
            self._clients.remove(client)
            count = len(self._clients)
        self._report(
            f"client gone: {client.address} ({why}; {client.sent} frames sent to it; "
            f"{count} connected)"
        )
