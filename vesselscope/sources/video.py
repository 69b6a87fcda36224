"""Video files (mp4, avi...) through OpenCV, with an optional geometry sidecar."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources.base import Source, check_decoded_size, warn_if_spacing_unknown
from vesselscope.sources.color import frame_pixels
from vesselscope.sources.sidecar import load_sidecar

# Lossy codecs put a few levels of chroma into grey B-mode; real colour (Doppler) differs by far
# more, so a frame within this spread is grey and needs no colour copy.
GREY_TOLERANCE = 24


class VideoSource(Source):
    """A video as a seekable cine. Reads sequentially without seeking; seeks only on a jump."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        file = Path(path)
        try:
            size = file.stat().st_size
        except OSError as exc:
            raise SourceError(file, f"cannot read: {exc.strerror or exc}") from exc
        if size == 0:
            raise SourceError(file, "file is empty")
        self._sidecar = load_sidecar(file)
        self._capture = cv2.VideoCapture(self.path)
        if not self._capture.isOpened():
            raise SourceError(file, "not a readable video (corrupt or unsupported codec)")
        rows = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        cols = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        check_decoded_size(self.path, rows * cols * 3)
        self._next = 0
        self.frame_count = self._readable_count(int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT)))
        if self.frame_count == 0:
            self.close()
            raise SourceError(file, "video holds no decodable frames")
        container_fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = self._sidecar.fps or (container_fps if 0 < container_fps < 1000 else None)
        self.spacing_mm = self._sidecar.spacing_mm
        self._sidecar.check_crop_fits(self.path, rows, cols)
        warn_if_spacing_unknown(self.path, self.spacing_mm)

    def _readable_count(self, declared: int) -> int:
        """The number of frames that really decode: a cut-off file declares more than it holds."""
        if declared <= 0:
            return self._count_by_reading()
        if self._grab(declared - 1) is not None:
            return declared
        if self._grab(0) is None:
            return 0
        low, high = 0, declared - 1  # frame `low` decodes, frame `high` does not
        while high - low > 1:
            middle = (low + high) // 2
            if self._grab(middle) is None:
                high = middle
            else:
                low = middle
        return low + 1

    def _count_by_reading(self) -> int:
        self._seek(0)
        count = 0
        while self._capture.grab():
            count += 1
        self._next = count
        return count

    def _seek(self, index: int) -> None:
        if index != self._next:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            self._next = index

    def _grab(self, index: int) -> np.ndarray | None:
        sought = index != self._next
        image = self._read_at(index)
        if image is None and sought:
            # FFmpeg cannot always seek back once a short file is read to its end (a 1-frame
            # mp4 fails to re-read frame 0): a fresh capture, positioned anew, can.
            self._capture.release()
            self._capture = cv2.VideoCapture(self.path)
            self._next = 0
            image = self._read_at(index)
        return image

    def _read_at(self, index: int) -> np.ndarray | None:
        self._seek(index)
        ok, image = self._capture.read()
        if not ok or image is None:
            self._next = -1  # position unknown after a failed read: seek next time
            return None
        self._next = index + 1
        return image

    def _read(self, index: int) -> Frame:
        image = self._grab(index)
        if image is None:
            raise SourceError(self.path, f"frame {index} does not decode")
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        pixels, color = frame_pixels(self._sidecar.crop_image(rgb), GREY_TOLERANCE)
        return Frame(
            pixels=pixels,
            spacing_mm=self.spacing_mm,
            index=index,
            timestamp_s=self.timestamp_of(index),
            origin=self.path,
            color=color,
        )

    def close(self) -> None:
        self._capture.release()
