"""IgtlSource: `igtl://host[:port][?device=NAME&stall=S&max_mb=MB]`, an OpenIGTLink client.

Takes IMAGE messages (PLUS, Slicer, many scanners); spacing from each message's matrix and the
sender's timestamp. Other message types, other devices, malformed, corrupt and oversized messages
are skipped with a throttled warning and the stream goes on; a garbage header, where the framing
itself is lost, drops the connection. A lost connection is retried with backoff, forever, until
close(). Hand-written rather than pyigtl's client, which retries in a tight loop, cannot bound
message sizes, and stops on the first message it cannot parse.
"""

from __future__ import annotations

import logging
import time

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.live.igtl_header import Header, ProtocolError, content_of, crc64
from vesselscope.live.igtl_image import ImageGeometry, decode_image
from vesselscope.live.igtl_socket import MessageReader, connect
from vesselscope.live.stream import DEFAULT_STALL_S, LiveSource
from vesselscope.live.throttle import ThrottledLog
from vesselscope.live.uri import number_option, split_uri

logger = logging.getLogger(__name__)

DEFAULT_PORT = 18944  # the port OpenIGTLink registered with IANA
CONNECT_TIMEOUT_S = 1.0
DEFAULT_MAX_MB = 64.0
# Unwanted bodies are drained rather than held; beyond this the header is taken for garbage.
MAX_SKIP_BYTES = 1 << 30
_OPTIONS = {"device", "stall", "max_mb"}


class IgtlSource(LiveSource):
    def __init__(self, uri: str) -> None:
        parts, query = split_uri(uri, _OPTIONS)
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise SourceError(uri, f"bad port in {parts.netloc!r}") from None
        if not parts.hostname:
            raise SourceError(uri, "no host (write igtl://HOST:PORT, e.g. igtl://127.0.0.1:18944)")
        super().__init__(uri, number_option(uri, query, "stall", DEFAULT_STALL_S, 0.01, 60))
        self.host, self.port = parts.hostname, port
        self.device: str | None = query.get("device") or None  # None: the first that works
        self.max_mb = number_option(uri, query, "max_mb", DEFAULT_MAX_MB, 0.001, 1024)
        self.max_body_bytes = int(self.max_mb * 2**20)
        self.devices: set[str] = set()  # every device seen sending IMAGE, to offer a choice
        self.oversized = 0  # IMAGE messages skipped for their size
        self.geometry: ImageGeometry | None = None  # of the latest frame
        self._log = ThrottledLog(logger)

    def _receive(self) -> None:
        where = f"{self.host}:{self.port}"
        while not self._stopping():
            try:
                sock = connect(self.host, self.port, CONNECT_TIMEOUT_S)
            except OSError as exc:
                self._retry(f"cannot reach {where}: {_why(exc)}")
                continue
            self._link_up(f"connected to {where}, waiting for images")
            try:
                self._read_messages(MessageReader(sock, self._stopping))
            except (OSError, ProtocolError) as exc:  # ConnectionError is an OSError
                if not self._stopping():
                    self._retry(f"lost {where}: {_why(exc)}")
            finally:
                sock.close()

    def _read_messages(self, reader: MessageReader) -> None:
        while (header := reader.read_header()) is not None:
            if not self._wanted(header):
                if header.body_size > MAX_SKIP_BYTES:
                    raise ProtocolError(f"a body of {header.body_size} bytes is not believable")
                if not reader.skip(header.body_size):
                    return
                continue
            body = reader.read_body(header.body_size)
            if body is None:
                return
            frame = self._decode(header, body)
            if frame is not None:
                self._deliver(frame)

    def stall_hint(self) -> str:
        # the usual cause of a "stalled" link that is in fact busy: a device name mistyped
        others = sorted(self.devices - {self.device}) if self.device is not None else []
        if others:
            names = ", ".join(repr(name) for name in others)
            return f"; images arrive from {names}, not {self.device!r} (?device=NAME)"
        if self.oversized:
            return f"; {self.oversized} image(s) over max_mb={self.max_mb:g} skipped"
        return ""

    def _wanted(self, header: Header) -> bool:
        """Whether to read this message's body; says why not (throttled) and counts it."""
        if header.type == "IMAGE":
            if header.device not in self.devices:
                self.devices.add(header.device)
                logger.info("%s: IMAGE stream from device %r", self.path, header.device)
            if self.device is not None and header.device != self.device:
                self._ignore()
                return False
            if header.body_size <= self.max_body_bytes:
                return True
            self.oversized += 1
            why = f"{header.body_size} bytes exceeds the {self.max_mb:g} MiB limit (max_mb)"
        else:
            why = "only IMAGE messages are used"
        self._ignore()
        self._log.warning(
            f"skip:{header.type}",
            f"{self.path}: skipped {header.type} message from {header.device!r}: {why}",
        )
        return False

    def _decode(self, header: Header, body: bytearray) -> Frame | None:
        if header.crc and crc64(body) != header.crc:
            return self._skip_bad(header, "crc", "its CRC does not match (corrupted in transit)")
        try:
            image = decode_image(content_of(header, body))
        except ValueError as exc:
            return self._skip_bad(header, "malformed", str(exc))
        if self.device is None:
            self.device = header.device
            logger.info("%s: showing device %r (choose with ?device=NAME)", self.path, self.device)
        spacing = image.geometry.spacing_mm
        if spacing is None:
            self._log.warning("spacing", f"{self.path}: IMAGE matrix gives no pixel spacing")
        self.geometry = image.geometry
        if not self._spacing_overridden:
            self.spacing_mm = spacing
        return Frame(
            pixels=image.pixels,
            spacing_mm=spacing,
            index=self._received,
            # The sender's clock; a sender that gives none is stamped on arrival.
            timestamp_s=header.timestamp_s or time.time(),
            origin=self.path,
            color=image.color,
        )

    def _skip_bad(self, header: Header, kind: str, why: str) -> None:
        self._ignore()
        self._log.warning(
            f"{kind}:{header.device}",
            f"{self.path}: skipped malformed IMAGE message from {header.device!r}: {why}",
        )


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
