"""Helpers for the viewer tests (no tests here): tiny cines, a fake detector and stream, mouse.

The fake detector answers instantly with a known vessel, so tests of playback, calipers and
annotations do not wait for the NumPy candidate search; the tests that need real detection
(opening, models) use the real Detector on frames of a few dozen pixels.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from PyQt6.QtCore import QEvent, QPointF, QSettings, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

from vesselscope.detection.detector import DetectorSettings
from vesselscope.detection.results import FrameResult, Vessel
from vesselscope.frame import Frame
from vesselscope.live import LiveSource
from vesselscope.sources import register_scheme
from vesselscope.writers import write_cine

register_scheme("fakelive", "tests.test_gui_support:ScriptedStream")


def write_test_cine(folder: Path, frames: int = 12, spacing=(0.5, 0.5), name="cine.mha") -> Path:
    """A small cine of noise with a dark disc drifting right; known (row, col) spacing."""
    rng = np.random.default_rng(1)
    out = []
    for i in range(frames):
        image = rng.integers(90, 160, size=(48, 64), dtype=np.uint8)
        rows, cols = np.ogrid[:48, :64]
        image[(rows - 24) ** 2 + (cols - 16 - i) ** 2 < 49] = 20
        out.append(Frame(image, spacing, i, i / 30, "test"))
    return write_cine(folder / name, out, fps=30.0)


class FakeDetector:
    """The Detector's interface with instant, known results: an artery (track 7) at
    (20 + frame index, 20) and one rejected candidate; counts its resets, frames and restored
    track snapshots."""

    device, provider = "fake device", "fake provider"

    def __init__(self, settings: DetectorSettings) -> None:
        self.settings = settings
        self.threshold = settings.threshold if settings.threshold is not None else 0.5
        self.resets = 0
        self.renumbered = 0  # resets for another source
        self.processed: list[int] = []
        self.restored: list[int] = []  # the snapshots restored, in order

    def reset(self, renumber: bool = False) -> None:
        self.resets += 1
        self.renumbered += renumber

    def tracks_snapshot(self) -> int:
        return len(self.processed)  # stands for the tracks after that many frames

    def restore_tracks(self, snapshot: int) -> None:
        self.restored.append(snapshot)

    def process(self, frame: Frame) -> FrameResult:
        self.processed.append(frame.index)
        spacing = frame.spacing_mm or (1.0, 1.0)
        artery = Vessel(20.0 + frame.index, 20.0, 6, 4, 30, 0.9, spacing, 7, "artery", 0.8)
        rejected = Vessel(40.0, 30.0, 5, 5, 0, 0.2, spacing)
        return FrameResult(
            frame.index,
            frame.timestamp_s,
            (artery,),
            (artery, rejected),
            self.threshold,
            {"candidates": 1.0, "classifier": 0.5, "tracker": 0.1, "total": 1.6},
        )


class ScriptedStream(LiveSource):
    """`fakelive://COUNT[?resize=N,M...]`: COUNT frames at about 100 fps, then silence (the
    stream stalls); at frames N, M... the size changes, smaller then back (the scanner's depth
    changed)."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri, stall_s=0.3)
        parts = urlsplit(uri)
        self.count = int(parts.netloc or 40)
        changes = parts.query.partition("resize=")[2]
        self.resize_at = [int(n) for n in changes.split(",")] if changes else []
        self.fps = 100.0
        self.spacing_mm = (0.5, 0.5)

    def _receive(self) -> None:
        self._link_up("fake link up")
        for i in range(self.count):
            if self._pause(0.01):
                return
            smaller = sum(i >= n for n in self.resize_at) % 2
            pixels = np.full((20, 30) if smaller else (24, 32), i % 256, np.uint8)
            self._deliver(Frame(pixels, self.spacing_mm, i, time.time(), self.path))
        while not self._pause(0.05):
            pass  # connected but silent: the watchdog must report it stalled


def make_window(qtbot, tmp_path: Path, make_detector=FakeDetector):  # noqa: ANN001, ANN201
    from vesselscope.gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, DetectorSettings(device="numpy"), make_detector)
    qtbot.addWidget(window)  # closed after the test, which stops its worker thread
    window.resize(900, 600)
    window.show()
    return window


def open_and_wait(qtbot, window, path, spacing_mm: float | None = None) -> None:  # noqa: ANN001
    window.open_path(str(path), spacing_mm)
    qtbot.waitUntil(
        lambda: (
            window.state.source is not None
            and window.state.source.path == str(path)
            and window.state.frame is not None
        ),
        timeout=10_000,
    )


def wait_for_frame(qtbot, window, index: int) -> None:  # noqa: ANN001
    qtbot.waitUntil(
        lambda: window.state.frame is not None and window.state.frame.index == index,
        timeout=10_000,
    )


def drag(view, start: tuple[float, float], end: tuple[float, float], button=None) -> None:  # noqa: ANN001
    """Press at frame pixel `start`, move, release at `end`, as a hand on a mouse would."""
    button = button or Qt.MouseButton.LeftButton
    a, b = view.to_viewport(*start), view.to_viewport(*end)
    middle = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
    steps = [
        (QEvent.Type.MouseButtonPress, a, button),
        (QEvent.Type.MouseMove, middle, button),
        (QEvent.Type.MouseMove, b, button),
        (QEvent.Type.MouseButtonRelease, b, Qt.MouseButton.NoButton),
    ]
    for kind, at, held in steps:
        pressed = button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        event = QMouseEvent(
            kind,
            at,
            view.viewport().mapToGlobal(at),
            pressed,
            held,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(view.viewport(), event)
