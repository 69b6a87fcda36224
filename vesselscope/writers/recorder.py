"""SequenceRecorder: record frames to a .mhd + .raw that stays readable if the process dies.

Each appended frame's bytes go to the .raw and are flushed to the operating system before
append() returns, so a crash (even SIGKILL) loses nothing already appended; fsync, which only
matters when the machine itself goes down, runs at most every SYNC_INTERVAL_S to stay cheap.
The .mhd header is replaced atomically (temporary file + os.replace) after every frame while
it is small, then at most every HEADER_INTERVAL_S, and always at close. A reader therefore
always finds a valid header, possibly listing fewer frames than the .raw holds; MetaImageSource
recovers those extra whole frames and extrapolates their timestamps.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from vesselscope.errors import SourceError
from vesselscope.frame import Frame, Spacing
from vesselscope.sources.base import check_spacing
from vesselscope.writers.atomic import atomic_file
from vesselscope.writers.metaimage_header import SequenceHeader, frame_bytes

SYNC_INTERVAL_S = 0.5
HEADER_INTERVAL_S = 0.5
# Below this size rewriting the header costs less than writing one small frame: do it each time.
EVERY_FRAME_HEADER_BYTES = 64 * 1024


class SequenceRecorder:
    """Append Frames to a PLUS sequence `.mhd` (data in the `.raw` beside it), crash-safely.

    `spacing_mm` (one value or (row, col)) is written for every frame instead of the frames' own;
    `fps_hint` is stored as FrameRateHint, the rate at which a reader extrapolates timestamps
    while the header lists fewer than two frames. Frames must share one size and dtype. Not
    thread-safe: append from one thread. A recorder closed without frames leaves no files.
    """

    def __init__(
        self,
        path_to_mhd: str | os.PathLike[str],
        *,
        spacing_mm: float | Spacing | None = None,
        fps_hint: float | None = None,
    ) -> None:
        self.path = Path(path_to_mhd)
        if self.path.suffix.lower() != ".mhd":
            raise SourceError(self.path, "a recording is written as a .mhd header + .raw data")
        pair = (spacing_mm, spacing_mm) if isinstance(spacing_mm, (int, float)) else spacing_mm
        self._spacing = check_spacing(str(self.path), pair)
        if fps_hint is not None and not 0 < fps_hint < 1e6:
            raise SourceError(self.path, f"fps_hint = {fps_hint} is not a frame rate")
        self._fps_hint = fps_hint
        self._raw_path = self.path.with_suffix(".raw")
        self._header: SequenceHeader | None = None
        self._header_bytes = 0
        self._closed = False
        self._failed = False
        self._last_sync = time.monotonic()
        self._last_header = -math.inf  # the first frame always writes the header
        try:
            # A header left by an earlier recording would describe the .raw truncated below.
            self.path.parent.mkdir(parents=True, exist_ok=True)  # e.g. a first recordings folder
            self.path.unlink(missing_ok=True)
            # Held open until close(): reopening per frame would cost more than the write.
            self._raw = open(self._raw_path, "wb")  # noqa: SIM115
        except OSError as exc:
            raise SourceError(self._raw_path, f"cannot write: {exc.strerror or exc}") from exc

    @property
    def frame_count(self) -> int:
        return 0 if self._header is None else self._header.count

    def fits(self, frame: Frame) -> bool:
        """Whether `frame` can join this sequence: the first, or of the first one's size and
        type (its spacing may differ: each frame's is written)."""
        header = self._header
        return header is None or (frame.shape, frame.pixels.dtype) == (header.shape, header.dtype)

    def append(self, frame: Frame) -> None:
        """Write one frame; when this returns, a crash can no longer lose it."""
        if self._closed or self._failed:
            state = "closed" if self._closed else "stopped by an earlier write error"
            raise SourceError(self.path, f"the recording is {state}")
        if self._header is None:
            overridden = self._spacing is not None
            self._header = SequenceHeader(
                self.path,
                frame,
                self._raw_path.name,
                spacing_mm=self._spacing if overridden else frame.spacing_mm,
                frame_spacing=not overridden,
                frame_rate_hint=self._fps_hint,
            )
        self._header.check(frame)
        try:
            self._raw.write(frame_bytes(frame))
            self._raw.flush()
            # The header may list a frame only once its bytes are in the .raw.
            self._header.add(frame, frame.timestamp_s)
            now = time.monotonic()
            if now - self._last_sync >= SYNC_INTERVAL_S:
                os.fsync(self._raw.fileno())
                self._last_sync = now
            if self._header_bytes < EVERY_FRAME_HEADER_BYTES or (
                now - self._last_header >= HEADER_INTERVAL_S
            ):
                self._write_header(durable=False)
                self._last_header = now
        except OSError as exc:
            # The .raw may now end in part of a frame: appending more would misalign every
            # later frame, so stop; close() still writes a header for the whole frames.
            self._failed = True
            raise SourceError(self.path, f"cannot write: {exc.strerror or exc}") from exc

    def close(self) -> None:
        """Write the final header and make everything durable; a second close does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._header is not None:
                self._raw.flush()
                os.fsync(self._raw.fileno())
            self._raw.close()
            if self._header is None:
                self._raw_path.unlink(missing_ok=True)
            else:
                self._write_header(durable=True)
        except OSError as exc:
            raise SourceError(self.path, f"cannot finish writing: {exc.strerror or exc}") from exc
        finally:
            self._raw.close()

    def _write_header(self, *, durable: bool) -> None:
        assert self._header is not None
        text = self._header.render()
        with atomic_file(self.path, durable=durable) as out:
            out.write(text)
        self._header_bytes = len(text)

    def __enter__(self) -> SequenceRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
