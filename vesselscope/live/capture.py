"""CaptureSource: `capture://N[?crop=x,y,w,h&spacing=MM[,MM]&stall=S]`, a video capture device.

A frame grabber on a scanner's video output appears as a camera to OpenCV. Its picture holds
the scanner's whole screen, so `crop` cuts out the image area (pixels of the captured picture)
and `spacing` says how many mm a pixel of it is, since no video signal carries that. A device
that stops giving pictures (unplugged, no signal) is reopened with backoff until close().
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import cv2
import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.live.stream import DEFAULT_STALL_S, LiveSource
from vesselscope.live.uri import number_option, numbers_option, split_uri
from vesselscope.sources.base import check_spacing, warn_if_spacing_unknown
from vesselscope.sources.color import frame_pixels
from vesselscope.sources.video import GREY_TOLERANCE

logger = logging.getLogger(__name__)

_OPTIONS = {"crop", "spacing", "stall"}
Opener = Callable[[int], cv2.VideoCapture]


class CaptureSource(LiveSource):
    """`opener` turns the device number into an opened cv2.VideoCapture (tests give a file)."""

    def __init__(self, uri: str, *, opener: Opener = cv2.VideoCapture) -> None:
        parts, query = split_uri(uri, _OPTIONS)
        if not parts.netloc.isdigit():
            raise SourceError(
                uri, f"device must be a number like capture://0, got {parts.netloc!r}"
            )
        super().__init__(uri, number_option(uri, query, "stall", DEFAULT_STALL_S, 0.01, 60))
        self.device_index = int(parts.netloc)
        self._opener = opener
        crop = numbers_option(uri, query, "crop", (4,))
        spacing = numbers_option(uri, query, "spacing", (1, 2))
        if spacing is not None:
            self.spacing_mm = check_spacing(uri, spacing * 2 if len(spacing) == 1 else spacing)
        self._capture: cv2.VideoCapture | None = self._open()
        if self._capture is None:
            raise SourceError(uri, f"capture device {self.device_index} is not available")
        try:
            ok, picture = self._capture.read()
            if not ok or picture is None:
                raise SourceError(uri, f"capture device {self.device_index} gives no picture")
            self.picture_shape = picture.shape[:2]
            self._crop = _check_crop(uri, crop, self.picture_shape)
        except SourceError:
            self._capture.release()
            raise
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 0 < fps < 1000 else None
        warn_if_spacing_unknown(uri, self.spacing_mm)

    def _open(self) -> cv2.VideoCapture | None:
        capture = self._opener(self.device_index)
        if capture.isOpened():
            return capture
        capture.release()
        return None

    def _receive(self) -> None:
        if self._capture is not None:
            self._link_up(f"capture device {self.device_index} opened")
        while not self._stopping():
            if self._capture is None:
                self._capture = self._open()
                if self._capture is None:
                    self._retry(f"capture device {self.device_index} is not available")
                    continue
                self._link_up(f"capture device {self.device_index} reopened")
            ok, picture = self._capture.read()
            if ok and picture is not None and picture.shape[:2] == self.picture_shape:
                self._deliver(self._frame(picture))
                continue
            self._capture.release()
            self._capture = None
            self._retry(f"capture device {self.device_index} stopped giving pictures")

    def _frame(self, bgr: np.ndarray) -> Frame:
        x, y, w, h = self._crop
        rgb = cv2.cvtColor(bgr[y : y + h, x : x + w], cv2.COLOR_BGR2RGB)
        pixels, color = frame_pixels(rgb, GREY_TOLERANCE)
        return Frame(pixels, self.spacing_mm, self._received, time.time(), self.path, color)

    def close(self) -> None:
        super().close()
        receiver_done = not any(t.is_alive() for t in self._threads)
        if self._capture is not None and receiver_done:  # never release under a blocked read
            self._capture.release()
            self._capture = None


def _check_crop(
    uri: str, crop: tuple[float, ...] | None, shape: tuple[int, int]
) -> tuple[int, int, int, int]:
    rows, cols = shape
    if crop is None:
        return 0, 0, cols, rows
    x, y, w, h = (int(v) for v in crop)
    if any(int(v) != v for v in crop) or x < 0 or y < 0 or w < 1 or h < 1:
        raise SourceError(uri, f"crop={crop} must be whole pixels x,y >= 0 and w,h >= 1")
    if x + w > cols or y + h > rows:
        raise SourceError(uri, f"crop x,y,w,h={x},{y},{w},{h} exceeds the {cols}x{rows} picture")
    return x, y, w, h
