"""Controller: user intents become worker commands; the worker's reports become state.

The only object that talks to the worker. Widgets call its intents (open, play, step, freeze,
record...) or set state fields it watches (speed, loop, preset, threshold, model); what the
worker reports, the controller writes into the state, and the widgets redraw from there.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PyQt6.QtCore import QObject, QThread, pyqtSignal

from vesselscope.annotations import Annotations
from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.frame import Spacing
from vesselscope.gui.state import DetectorInfo, SourceInfo, ViewerState
from vesselscope.gui.worker import Delivery, DetectionWorker

CINE_BUFFER_FRAMES = 300  # what a frozen live view can scroll back through (10 s at 30 fps)
_PLAYBACK = {"playing", "speed", "loop"}
_DETECTOR = {"preset", "threshold", "model"}


class Controller(QObject):
    failed = pyqtSignal(str)  # an error for the user (the worker's, or an intent's)
    notice = pyqtSignal(str)
    opened = pyqtSignal(object)  # SourceInfo, once the worker has opened it

    def __init__(
        self,
        state: ViewerState,
        defaults: DetectorSettings | None = None,
        make_detector: Callable[[DetectorSettings], Detector] = Detector,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.defaults = defaults or DetectorSettings()
        self.make_detector = make_detector  # exports build their own detector, in their thread
        self.buffer: deque[Delivery] = deque(maxlen=CINE_BUFFER_FRAMES)
        self.worker = DetectionWorker(make_detector, self)
        w = self.worker
        w.ready.connect(self._delivered)
        w.opened.connect(self._opened)
        w.failed.connect(self.report_failure)
        w.notice.connect(self.notice)
        w.detector_changed.connect(self._detector_changed)
        w.stream_changed.connect(lambda s, why: state.update(stream=s, stream_reason=why))
        w.paused.connect(lambda why: setattr(state, "playing", False))
        w.recording_changed.connect(lambda path: setattr(state, "recording", path or None))
        state.subscribe(self._changed)
        w.start(QThread.Priority.LowPriority)  # the picture before the detection
        self._post_detector()

    # -- intents -------------------------------------------------------------------------------
    def open(self, path: str, spacing_mm: float | Spacing | None = None) -> None:
        self.worker.post(open=(str(path), spacing_mm))

    def play_pause(self) -> None:
        if self.state.source is not None and not self.state.source.live:
            self.state.playing = not self.state.playing

    def step(self, delta: int) -> None:
        self.state.playing = False
        self.seek(self.state.index + delta)

    def seek(self, index: int) -> None:
        source = self.state.source
        if source is None:
            return
        if source.live:
            if self.state.frozen and self.buffer:
                self._show_buffered(min(max(index, 0), len(self.buffer) - 1))
            return
        index = min(max(index, 0), source.frame_count - 1)
        self.state.index = index  # the slider follows at once; the frame comes when detected
        self.worker.post(seek=index)

    def toggle_freeze(self) -> None:
        if self.state.source is None or not self.state.source.live:
            return
        frozen = not self.state.frozen
        self.worker.post(freeze=frozen)
        self.state.update(frozen=frozen, buffered=len(self.buffer))
        # Frozen, the newest frame to start from; unfrozen, the newest again, not a frame the
        # user stepped back to: with the stream down, nothing new would come to replace it.
        if self.buffer:
            self._show_buffered(len(self.buffer) - 1)

    def record(self, folder: str) -> None:
        """Start recording a live stream into `folder`, or stop the recording under way."""
        if self.state.recording:
            self.worker.post(record="")
        elif self.state.source is not None and self.state.source.live:
            name = time.strftime("vesselscope-recording-%Y%m%d-%H%M%S.mhd")
            self.worker.post(record=str(Path(folder) / name))

    def shutdown(self) -> None:
        self.worker.stop()

    # -- state the worker follows --------------------------------------------------------------
    def _changed(self, name: str) -> None:
        if name in _PLAYBACK and self.state.source is not None and not self.state.source.live:
            s = self.state
            self.worker.post(playback=(s.playing, s.speed, s.loop))
        elif name in _DETECTOR:
            self._post_detector()

    def detector_settings(self) -> DetectorSettings:
        s = self.state
        return replace(self.defaults, preset=s.preset, threshold=s.threshold, model=s.model)

    def _post_detector(self) -> None:
        self.worker.post(detector=self.detector_settings())

    # -- what the worker reports ---------------------------------------------------------------
    def _delivered(self) -> None:
        delivery = self.worker.take()
        source = self.state.source
        if delivery is None or source is None:
            return
        if source.live:
            if self.state.frozen:
                return  # taken before the freeze reached the worker: not shown, not buffered
            self.buffer.append(delivery)
        self.state.update(
            frame=delivery.frame,
            result=delivery.result,
            stats=delivery.stats,
            index=len(self.buffer) - 1 if source.live else delivery.frame.index,
            buffered=len(self.buffer),
        )

    def _show_buffered(self, position: int) -> None:
        delivery = self.buffer[position]
        self.state.update(frame=delivery.frame, result=delivery.result, index=position)

    def _opened(self, info: SourceInfo) -> None:
        self.buffer.clear()
        name = info.path if "://" in info.path else Path(info.path).name
        self.state.update(
            source=info,
            frame=None,
            result=None,
            stats=None,
            index=0,
            buffered=0,
            playing=False,
            frozen=False,
            recording=None,
            stream="connecting" if info.live else "idle",
            stream_reason="",
            calipers=[],
            annotations=Annotations(spacing_mm=info.spacing_mm, source=name),
            selection=None,
            error="",
        )
        self.opened.emit(info)

    def report_failure(self, message: str) -> None:
        """Show an error: in the state (status bar) and to the failed signal (dialog)."""
        s = self.state
        if s.frame is not None and s.source is not None and not s.source.live:
            s.index = s.frame.index  # a frame that failed to load was never shown
        s.error = message
        self.failed.emit(message)

    def _detector_changed(self, info: DetectorInfo) -> None:
        # A model refused by its card leaves the previous one: the state follows the worker.
        newly = self.state.detector is not None and info.model != self.state.detector.model
        self.state.update(detector=info, model=info.model)
        if newly and "model" in self.state.error:
            self.state.error = ""  # an earlier refusal is past: a model has loaded since
