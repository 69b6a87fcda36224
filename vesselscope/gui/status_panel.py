"""StatusPanel: the status bar: stream state, rates, drops, latency, device, errors.

The state badge changes colour the moment the worker reports a new stream state (the signal is
queued from the receiver thread to here), so a stalled probe is never mistaken for a still one.
Errors stay in the bar until the next source opens, and also open a dialog (ErrorBox) that does
not block: the viewer keeps running behind it.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QLabel, QMessageBox, QSizePolicy, QStatusBar, QWidget

from vesselscope.gui.hud import display_state
from vesselscope.gui.state import ViewerState
from vesselscope.gui.theme import STATE_COLOURS

STAGES = (("candidates", "search"), ("classifier", "classify"), ("tracker", "track"))


class ElidedLabel(QLabel):
    """A one-line label that gives way first on a narrow window, cut in the middle with "…"
    (its tooltip keeps the whole text): as a plain label the message claimed its full width,
    and the latency figures beside it were cut instead. The middle, because a message says
    what happened first and ends with the file or the reason (cut at the end, "Recording
    stopped: saved to /home/…" hid which file)."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def shown_text(self) -> str:
        """The text as it fits the label's width now."""
        mode = Qt.TextElideMode.ElideMiddle
        return self.fontMetrics().elidedText(self.text(), mode, self.width())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        self.style().drawItemText(
            painter, self.rect(), int(self.alignment()), self.palette(), True, self.shown_text(),
            self.foregroundRole(),
        )  # fmt: skip


class StatusPanel:
    def __init__(self, bar: QStatusBar, state: ViewerState) -> None:
        self.bar, self.state = bar, state
        self.badge = QLabel(objectName="badge")
        self.rates = QLabel()
        self.dropped = QLabel()
        self.latency = QLabel()
        self.device = QLabel(objectName="dim")
        self.message = ElidedLabel()
        self.showing_error = False
        self.showing_stream = False  # the message is the stream's state, cleared when live
        self.recorded = ""  # the last recording of a live stream, said when it stops
        bar.addWidget(self.badge)
        bar.addWidget(self.message, 1)
        for label in (self.rates, self.dropped, self.latency, self.device):
            bar.addPermanentWidget(label)
        state.subscribe(self._changed)
        self._changed("source")

    def say(self, text: str, error: bool = False) -> None:
        self.showing_error, self.showing_stream = error, False
        self.message.setStyleSheet("color: #ff7b72;" if error else "")
        self.message.setText(text)
        self.message.setToolTip(text)

    def _changed(self, name: str) -> None:
        s = self.state
        if name in ("source", "playing", "frozen", "stream", "stream_reason"):
            word = display_state(s)
            self.badge.setText(f"● {word.upper()}")
            self.badge.setStyleSheet(f"background: {STATE_COLOURS.get(word, '#6b7480')};")
            self.badge.setToolTip(s.stream_reason or word)
            link = s.source is not None and s.source.live
            if link and word not in ("live", "frozen"):
                # a lost link is said in words, not only by the badge's colour
                reason = f": {s.stream_reason}" if s.stream_reason else ""
                self.say(f"Stream {word}{reason}", error=word != "connecting")
                self.showing_stream = True
            elif self.showing_stream and (not link or word == "live"):
                self.say("")
        if name in ("stats", "playing", "stream") and s.stats is None:
            # a source just opened: no figures yet, not the last source's
            self.rates.setText("in – · out –")
            self.dropped.setText("")
            self.latency.setText("")
        if name in ("stats", "playing", "stream") and s.stats is not None:
            stats = s.stats
            live = s.source is not None and s.source.live
            moving = s.playing or (live and s.stream == "live")
            self.rates.setText(
                f"in {stats.fps_in:4.1f} fps · out {stats.fps_out:4.1f} fps"
                if moving
                else "in – · out –"  # a paused cine or a lost stream has no rate; the last misleads
            )
            self.dropped.setText(f"dropped {stats.dropped}")
            self.dropped.setStyleSheet("color: #d9822b;" if stats.dropped else "")
            parts = [
                f"{short} {stats.timings_ms[key]:.0f}"
                for key, short in STAGES
                if key in stats.timings_ms
            ]
            total = stats.timings_ms.get("total")
            self.latency.setText(
                f"{' · '.join(parts)} · total {total:.0f} ms" if total is not None else ""
            )
        if name == "detector" and s.detector is not None:
            # OpenCL names run long ("[0:0] pthread-AMD EPYC (CPU, 2 compute units...) on
            # Portable Computing Language"): the bar shows the device, the tooltip all of it.
            # ONNX Runtime's provider names likewise: "CPUExecutionProvider" reads "ONNX CPU".
            device = s.detector.device.split(" (")[0]
            provider = s.detector.provider
            short = provider.removesuffix("ExecutionProvider")
            self.device.setText(f"{device} · {f'ONNX {short}' if short != provider else provider}")
            self.device.setToolTip(f"{s.detector.device}\nONNX Runtime: {s.detector.provider}")
        if name == "recording" and s.recording:
            self.recorded = s.recording
            self.say(f"Recording to {s.recording}")
        elif name == "recording":
            self.say(f"Recording stopped: saved to {self.recorded}")
        if name == "error":
            if s.error:
                self.say(s.error, error=True)
            elif self.showing_error:
                self.say("")


class ErrorBox:
    """One non-modal dialog for errors; further errors are added to it, never lost."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.box: QMessageBox | None = None
        self.messages: list[str] = []

    def show(self, message: str) -> None:
        self.messages.append(message)
        if self.box is None or not self.box.isVisible():
            self.messages = [message]
            self.box = QMessageBox(QMessageBox.Icon.Warning, "VesselScope", "", parent=self.parent)
            self.box.setModal(False)
        self.box.setText("\n\n".join(self.messages[-5:]))
        self.box.show()
