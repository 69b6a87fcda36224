"""OpenIGTLink message framing: the 58-byte header, timestamps, CRC and the v3 extended header.

Protocol: https://github.com/openigtlink/OpenIGTLink/blob/master/Documents/Protocol/header.md
All numbers are big-endian. Header version 1 is OpenIGTLink v1/v2; version 2 (OpenIGTLink v3)
adds an extended header and metadata around the body's content.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import crcmod  # installed with pyigtl; its C extension makes the CRC cheap (~3 ms per MB)

HEADER_SIZE = 58
_HEADER = struct.Struct(">H12s20sQQQ")
_EXTENDED = struct.Struct(">HHII")  # extended header size, metadata header/body size, msg id
KNOWN_HEADER_VERSIONS = (1, 2)

# The ECMA-182 CRC-64 that OpenIGTLink specifies (the same function pyigtl uses).
crc64 = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, rev=False, initCrc=0, xorOut=0)


class ProtocolError(Exception):
    """The byte stream no longer makes sense (garbage header): its framing cannot be trusted."""


@dataclass(frozen=True)
class Header:
    version: int
    type: str
    device: str
    timestamp_s: float  # sender's clock, seconds since 1970; 0 when the sender gives none
    body_size: int
    crc: int


def parse_header(data: bytes) -> Header:
    version, kind, device, stamp, body_size, crc = _HEADER.unpack(data)
    if version not in KNOWN_HEADER_VERSIONS:
        raise ProtocolError(f"header version {version} is not 1 or 2 (stream out of step?)")
    # The type is the framing check (ASCII by the spec); device names are only shown, and some
    # senders put UTF-8 there, so they never cost the connection.
    name = device.split(b"\0", 1)[0].decode("utf-8", errors="replace").strip()
    return Header(version, _type(kind), name, _seconds(stamp), body_size, crc)


def pack_message(kind: str, device: str, timestamp_s: float, body: bytes) -> bytes:
    """A whole version-1 message: header (with CRC) followed by `body`."""
    header = _HEADER.pack(
        1, kind.encode("ascii"), device.encode("ascii"), _stamp(timestamp_s), len(body), crc64(body)
    )
    return header + body


def content_of(header: Header, body: bytes | bytearray) -> memoryview:
    """The type-specific content of a body, without a v3 extended header and metadata."""
    view = memoryview(body)
    if header.version < 2:
        return view
    if len(view) < _EXTENDED.size:
        raise ValueError(f"body of {len(view)} bytes is shorter than the extended header")
    ext_size, meta_header, meta_body, _ = _EXTENDED.unpack_from(view)
    end = len(view) - meta_header - meta_body
    if ext_size < _EXTENDED.size or end < ext_size:
        raise ValueError(
            f"extended header ({ext_size} bytes) and metadata ({meta_header + meta_body} bytes) "
            f"do not fit a body of {len(view)} bytes"
        )
    return view[ext_size:end]


def _type(raw: bytes) -> str:
    text = raw.split(b"\0", 1)[0]
    if not text or not all(32 < byte < 127 for byte in text):
        raise ProtocolError(f"message type {raw!r} is not ASCII text (stream out of step?)")
    return text.decode("ascii")


def _seconds(stamp: int) -> float:
    # 32-bit seconds since 1970, then a 32-bit binary fraction of a second.
    return (stamp >> 32) + (stamp & 0xFFFFFFFF) / 2**32


def _stamp(seconds: float) -> int:
    whole = int(seconds)
    fraction = min(int((seconds - whole) * 2**32), 0xFFFFFFFF)
    return (whole << 32) | fraction
