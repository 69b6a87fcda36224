"""DetectionWorker: the thread that opens sources, reads frames and runs the detector.

The GUI thread posts commands (inbox.py) and never waits on the worker. The worker reports
through queued signals; each error arrives as `failed`, never swallowed. Frames go through a
one-slot outbox: when the GUI is busy the newer (frame, result) replaces the one not yet shown
(counted as dropped), so the screen never lags behind a backlog of queued frames.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from PyQt6.QtCore import QObject, QThread, pyqtSignal

from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.detection.results import FrameResult
from vesselscope.frame import Frame
from vesselscope.gui.inbox import Inbox
from vesselscope.gui.reporting import describe_error
from vesselscope.gui.session import Session
from vesselscope.gui.state import DetectorInfo, SourceInfo, Stats

STOP_TIMEOUT_MS = 5000
WORKER_NICE = 10  # above the GUI thread's 0: the scheduler serves the GUI first


@dataclass(frozen=True)
class Delivery:
    frame: Frame
    result: FrameResult | None
    stats: Stats


class DetectionWorker(QThread):
    ready = pyqtSignal()  # a Delivery waits in take()
    opened = pyqtSignal(object)  # SourceInfo
    failed = pyqtSignal(str)
    notice = pyqtSignal(str)  # warnings: no model, no OpenCL device, truncated recording...
    detector_changed = pyqtSignal(object)  # DetectorInfo
    stream_changed = pyqtSignal(str, str)  # state, reason
    paused = pyqtSignal(str)  # playback stopped by itself (end of recording, error)
    recording_changed = pyqtSignal(str)  # the path recorded to; "" when recording stopped

    def __init__(
        self,
        make_detector: Callable[[DetectorSettings], Detector] = Detector,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("vesselscope-detection")
        self._make_detector = make_detector
        self._inbox = Inbox()
        self._lock = threading.Lock()
        self._outbox: Delivery | None = None
        self.display_dropped = 0  # replaced in the outbox before the GUI took them

    def post(self, **commands: object) -> None:
        """Queue commands (see inbox.Commands); returns at once."""
        self._inbox.post(**commands)

    def take(self) -> Delivery | None:
        """The newest delivery not yet taken (GUI thread)."""
        with self._lock:
            delivery, self._outbox = self._outbox, None
            return delivery

    def stop(self) -> None:
        self.post(stop=True)
        self.wait(STOP_TIMEOUT_MS)

    def run(self) -> None:
        yield_to_the_gui()
        session = Session(self, self._make_detector)
        try:
            while not (commands := self._inbox.take(session.wait_s())).stop:
                try:
                    session.apply(commands)
                    session.step()
                except Exception as exc:  # a bug outside the session's guards: shown, and go on
                    self.failed.emit(describe_error(exc))
        finally:
            session.close()

    # -- the Sink, called in this thread ------------------------------------------------------
    def deliver(self, frame: Frame, result: FrameResult | None, stats: Stats) -> None:
        with self._lock:
            waiting = self._outbox is not None
            if waiting:
                self.display_dropped += 1
            total = stats.dropped + self.display_dropped
            self._outbox = Delivery(frame, result, replace(stats, dropped=total))
        if not waiting:  # one signal per slot fill; a waiting slot was already signalled
            self.ready.emit()

    def opened_source(self, info: SourceInfo) -> None:
        with self._lock:
            self._outbox = None  # a frame of the previous source must not appear on the new one
            self.display_dropped = 0
        self.opened.emit(info)

    def report_failure(self, message: str) -> None:
        self.failed.emit(message)

    def report_notice(self, message: str) -> None:
        self.notice.emit(message)

    def report_detector(self, info: DetectorInfo) -> None:
        self.detector_changed.emit(info)

    def report_stream(self, state: str, reason: str) -> None:
        self.stream_changed.emit(state, reason)

    def report_pause(self, reason: str) -> None:
        self.paused.emit(reason)

    def report_recording(self, path: str) -> None:
        self.recording_changed.emit(path)


def yield_to_the_gui() -> None:
    """Lower this thread's CPU priority below the GUI thread's, where the OS allows it.

    On a machine with few cores, detection (ONNX Runtime and OpenCL CPU threads included, which
    inherit the priority of the thread that creates them) would otherwise take CPU time from the
    GUI thread, and the picture would stutter; lowered, it drops frames instead, which the
    status bar shows. Linux gives each thread its own nice value; elsewhere QThread's priority
    (set at start) does the same job.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):  # not permitted: the GUI merely competes as before
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)
