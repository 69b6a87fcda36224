"""Exports: the annotated frame as PNG, the annotated cine as mp4 (in a thread, cancellable).

Both draw with the core's render_overlay, so an exported cine matches `vesselscope replay`'s,
with pixels made square in mm (square_pixels) as the viewer shows them.
Exports carry no patient identifiers: PNG and mp4 get pixels and the overlay only (no text
chunks, no DICOM header), the mp4's sidecar holds only spacing and frame rate, and the suggested
file names never repeat the source's name, which may contain a patient's.
"""

from __future__ import annotations

import contextlib
import itertools
import statistics
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
from PyQt6.QtCore import QObject, QThread, pyqtSignal

from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.detection.results import FrameResult
from vesselscope.errors import SourceError
from vesselscope.evaluation.overlay import OverlayLayers, render_overlay, square_pixels
from vesselscope.frame import Frame, Spacing
from vesselscope.gui.reporting import collecting_warnings, describe_error
from vesselscope.gui.worker import yield_to_the_gui
from vesselscope.sources import open_source
from vesselscope.writers.atomic import atomic_file
from vesselscope.writers.video import VideoRecorder

Pair = tuple[Frame, FrameResult | None]


def write_png(
    path: str | Path, frame: Frame, result: FrameResult | None, layers: OverlayLayers
) -> Path:
    image, _ = square_pixels(render_overlay(frame, result, layers=layers), frame.spacing_mm)
    ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise SourceError(path, "OpenCV could not encode the PNG")
    target = Path(path)
    with atomic_file(target) as out:  # a viewer opening it never sees half a PNG
        out.write(data.tobytes())
    return target


def detected_frames(
    path: str,
    spacing_mm: float | Spacing | None,
    settings: DetectorSettings,
    make_detector: Callable[[DetectorSettings], Detector] = Detector,
) -> Iterator[Pair]:
    """Every frame of a recording with a fresh detector's result (tracks from the start)."""
    detector, _ = collecting_warnings(make_detector, settings)  # the viewer already said them
    with open_source(path, spacing_mm=spacing_mm) as source:
        for frame in source:
            known = frame.spacing_mm is not None or settings.default_spacing_mm is not None
            yield frame, detector.process(frame) if known else None


def buffered_rate(frames: list[Frame]) -> float | None:
    """Frames per second of a stream's cine buffer, from its frames' times: it holds the frames
    the detector took, fewer than the stream sent, so the stream's own rate (or 30) played an
    export of it 2-3 times too fast. The median step, which a reconnection's jump in the
    stream's clock does not move; None when the times say nothing."""
    steps = [b.timestamp_s - a.timestamp_s for a, b in itertools.pairwise(frames)]
    steps = [step for step in steps if step > 0]
    return 1.0 / statistics.median(steps) if steps else None


class CineExport(QThread):
    progressed = pyqtSignal(int)  # frames written
    done = pyqtSignal(str)  # the path written; "" when cancelled
    failed = pyqtSignal(str)

    def __init__(
        self,
        target: str | Path,
        pairs: Callable[[], Iterable[Pair]],
        fps: float | None,
        layers: OverlayLayers,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.target = Path(target)
        self._pairs, self._fps, self._layers = pairs, fps, layers
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        yield_to_the_gui()
        # A stream's buffer can hold two sizes (the scanner's depth changed while it filled):
        # those of another size are fitted to the first, not the whole export refused.
        recorder = VideoRecorder(self.target, fps=self._fps, spacing_mm=None, fit_other_sizes=True)
        try:
            for count, (frame, result) in enumerate(self._pairs(), start=1):
                if self._cancel.is_set():
                    break
                image = render_overlay(frame, result, layers=self._layers)
                image, recorder.spacing_mm = square_pixels(image, frame.spacing_mm)
                recorder.append(image)
                self.progressed.emit(count)
            recorder.close()
        except Exception as exc:  # reported, and no half-written video is left behind
            with contextlib.suppress(Exception):  # the first error is the one worth reporting
                recorder.close()
            self._remove()
            self.failed.emit(describe_error(exc))
            return
        if self._cancel.is_set():
            self._remove()
            self.done.emit("")
        else:
            self.done.emit(str(self.target))

    def _remove(self) -> None:
        for path in (self.target, self.target.with_suffix(".json")):
            path.unlink(missing_ok=True)
