"""MetaImage header text: the `Key = Value` lines up to ElementDataFile, read without trusting them.

The header is the only part of a .mha/.mhd read as text. It ends at the ElementDataFile line (in a
.mha the pixel data follows it directly), so reading stops there; a file without that line is read
no further than MAX_HEADER_BYTES, and a line of binary junk is refused at its first control byte.
"""

from __future__ import annotations

import io
import os
import re
from typing import BinaryIO

from vesselscope.errors import SourceError

DATA_FILE_KEY = "ElementDataFile"

# Long PLUS sequences carry a few lines per frame (tens of thousands of lines in all); 16 MiB is
# far beyond any real header and small enough that a file without ElementDataFile costs nothing.
MAX_HEADER_BYTES = 16 * 1024**2
# No MetaImage field is anywhere near this long; a longer line is binary data without newlines.
MAX_LINE_BYTES = 64 * 1024

# Keys are identifiers (PLUS adds ones such as Seq_Frame0001_ProbeToTrackerTransform).
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
# Tab is the only control character a text header may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def parse_header(data: bytes | str, path: str = "<header>") -> dict[str, str]:
    """Parse header text up to and including the ElementDataFile line.

    Returns the fields as stripped strings (a repeated key keeps its last value); anything after
    the ElementDataFile line is ignored. Raises SourceError naming `path` for anything that is
    not such a header.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    fields, _ = read_fields(io.BytesIO(raw), path)
    return fields


def read_header(path: str | os.PathLike[str]) -> tuple[dict[str, str], int]:
    """Read the header of a .mha/.mhd file: (fields, byte offset just after the header)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            return read_fields(handle, name)
    except OSError as exc:
        raise SourceError(name, f"cannot read: {exc.strerror or exc}") from exc


def read_fields(stream: BinaryIO, path: str) -> tuple[dict[str, str], int]:
    """Read `Key = Value` lines from `stream` up to ElementDataFile: (fields, bytes consumed)."""
    fields: dict[str, str] = {}
    used = 0
    number = 0
    while True:
        limit = min(MAX_LINE_BYTES, MAX_HEADER_BYTES - used) + 1
        line = stream.readline(limit)
        number += 1
        used += len(line)
        if not line:
            if not fields:
                raise SourceError(path, "empty file: no MetaImage header")
            raise SourceError(path, f"header has no {DATA_FILE_KEY} line")
        if len(line) == limit and not line.endswith(b"\n"):
            if used > MAX_HEADER_BYTES:
                raise SourceError(
                    path,
                    f"header is longer than {MAX_HEADER_BYTES // 1024**2} MiB "
                    f"without a {DATA_FILE_KEY} line",
                )
            raise SourceError(path, f"header line {number} is longer than {MAX_LINE_BYTES} bytes")
        entry = _split(line, number, path)
        if entry is None:
            continue
        key, value = entry
        fields[key] = value
        if key == DATA_FILE_KEY:
            return fields, used


def _split(line: bytes, number: int, path: str) -> tuple[str, str] | None:
    text = _decode(line).removesuffix("\n").removesuffix("\r")
    if not text.strip():
        return None
    if _CONTROL.search(text):
        raise SourceError(path, f"header line {number} holds binary data, not 'Key = Value' text")
    key, separator, value = text.partition("=")
    key = key.strip()
    if not separator or not _KEY.match(key):
        raise SourceError(path, f"header line {number} is not 'Key = Value': {text[:60]!r}")
    return key, value.strip()


def _decode(line: bytes) -> str:
    # Headers are ASCII in practice; a data file name may be UTF-8, an old Windows one Latin-1.
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")
