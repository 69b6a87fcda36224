"""Random access to fixed-size frames inside one zlib stream, never inflating more than asked.

A compressed MetaImage is a single zlib stream of all frames. Opening scans it once to count the
whole frames really there (a truncated or corrupt stream still yields the frames before the
damage) and keeps a decompressor snapshot every few megabytes, so reading frame i inflates at
most one stride of frames, and playing forward continues from where the last read stopped.
Output is always requested with a bound, so a stream that inflates to far more than the header
declares (a zip bomb) costs no more memory than one frame.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from typing import BinaryIO

_INPUT_CHUNK = 1024**2
_OUTPUT_STEP = 64 * 1024
_CHECKPOINT_BYTES = 8 * 1024**2  # inflated bytes between snapshots (~40 KiB of state each)
_ENDS_EARLY = "compressed data ends early"


@dataclass
class _Cursor:
    frame: int  # the next frame this cursor inflates (frames before it are consumed)
    inflater: zlib._Decompress
    position: int  # file offset of the next compressed byte not yet handed to the inflater
    tail: bytes  # compressed input handed over but not yet consumed

    def copy(self) -> _Cursor:
        return _Cursor(self.frame, self.inflater.copy(), self.position, self.tail)


class ZlibFrames:
    """Frames of `frame_bytes` each in the zlib stream at [start, end) of the file at `path`."""

    def __init__(self, path: str, start: int, end: int, frame_bytes: int, max_frames: int) -> None:
        self._path = path
        self._end = end
        self._frame_bytes = frame_bytes
        self._stride = max(1, _CHECKPOINT_BYTES // frame_bytes)
        self._lock = threading.Lock()
        self._checkpoints: list[_Cursor] = []
        self._cursor = _Cursor(0, zlib.decompressobj(), start, b"")
        self.count, self.damage = self._scan(max_frames)

    def read(self, index: int) -> bytearray:
        """Frame `index` (< count). OSError or EOFError if the file changed since the scan."""
        with self._lock, open(self._path, "rb") as handle:
            # Continue from the last read when it is between the nearest snapshot and `index`,
            # so at most one stride of frames is inflated (and held) for any read.
            cursor = self._cursor
            checkpoint = self._checkpoints[index // self._stride]
            if not checkpoint.frame <= cursor.frame <= index:
                cursor = checkpoint.copy()
            needed = (index + 1 - cursor.frame) * self._frame_bytes
            try:
                data, damage = self._inflate(handle, cursor, needed)
                if damage is not None:
                    raise EOFError(damage)
            except BaseException:
                # The cursor may be left mid-frame; the next read starts from a snapshot.
                self._cursor = self._checkpoints[0].copy()
                raise
            cursor.frame = index + 1
            self._cursor = cursor
        return data[-self._frame_bytes :]

    def _scan(self, max_frames: int) -> tuple[int, str | None]:
        """Count whole frames (up to max_frames) and say what cut the stream short, if anything.

        Works a stride of frames at a time, not frame by frame: a hostile header may declare
        billions of one-byte frames.
        """
        cursor = self._cursor
        damage = None
        with open(self._path, "rb") as handle:
            while cursor.frame < max_frames and damage is None:
                checkpoint = cursor.copy()
                self._checkpoints.append(checkpoint)
                wanted = min(self._stride, max_frames - cursor.frame) * self._frame_bytes
                data, damage = self._inflate(handle, cursor, wanted)
                if damage not in (None, _ENDS_EARLY):
                    # zlib drops all output of the call that meets a corrupt block: inflate
                    # that last step again one frame per call, keeping every frame before it.
                    cursor = checkpoint.copy()
                    data, _ = self._inflate(handle, cursor, len(data))
                    rest = min(wanted - len(data), _OUTPUT_STEP)
                    more, damage = self._inflate(handle, cursor, rest, step=self._frame_bytes)
                    data += more
                cursor.frame += len(data) // self._frame_bytes
        self._cursor = self._checkpoints[0].copy()
        return cursor.frame, damage

    def _inflate(
        self, handle: BinaryIO, cursor: _Cursor, nbytes: int, step: int = _OUTPUT_STEP
    ) -> tuple[bytearray, str | None]:
        """Up to `nbytes` of output from the cursor; fewer, and why, when the stream stops short."""
        out = bytearray()
        while len(out) < nbytes:
            if cursor.inflater.eof:
                return out, _ENDS_EARLY
            if not cursor.tail and cursor.position < self._end:
                handle.seek(cursor.position)
                cursor.tail = handle.read(min(_INPUT_CHUNK, self._end - cursor.position))
                # A file that shrank since the scan ends here, instead of being re-read forever.
                cursor.position = cursor.position + len(cursor.tail) if cursor.tail else self._end
            before = len(cursor.tail)
            try:
                chunk = cursor.inflater.decompress(cursor.tail, min(nbytes - len(out), step))
            except zlib.error as exc:
                return out, f"compressed data is corrupt ({exc})"
            cursor.tail = cursor.inflater.unconsumed_tail
            if not chunk and len(cursor.tail) == before:
                return out, _ENDS_EARLY  # no input left, nothing pending
            out += chunk
        return out, None
