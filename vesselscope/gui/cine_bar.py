"""CineBar: play/pause, step, scrub, speed, loop and the frame counter; freeze and record live.

For a recording the slider spans its frames; for a live stream it is enabled only when frozen,
and then spans the cine buffer kept behind the live view.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QWidget,
)

from vesselscope.gui.controller import Controller
from vesselscope.gui.hud import position_text
from vesselscope.gui.state import ViewerState

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)


class CineBar(QWidget):
    def __init__(self, state: ViewerState, controller: Controller, actions: dict[str, QAction]):
        super().__init__()
        self.state, self.controller = state, controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.buttons = {}
        for name in ("step_back", "play", "step_forward", "freeze", "record"):
            button = QToolButton()
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(
                Qt.ToolButtonStyle.ToolButtonTextBesideIcon
                if name in ("freeze", "record")
                else Qt.ToolButtonStyle.ToolButtonIconOnly
            )
            self.buttons[name] = button
        for name in ("step_back", "play", "step_forward"):
            layout.addWidget(self.buttons[name])
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows step frames, not the slider
        self.slider.valueChanged.connect(self._scrubbed)
        layout.addWidget(self.slider, 1)
        self.position = QLabel()
        self.position.setMinimumWidth(190)
        layout.addWidget(self.position)
        self.speed = QComboBox()
        self.speed.addItems([f"{s:g}x" for s in SPEEDS])
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed")
        self.speed.currentIndexChanged.connect(lambda i: setattr(state, "speed", SPEEDS[i]))
        layout.addWidget(self.speed)
        self.loop = QCheckBox("Loop")
        self.loop.toggled.connect(lambda on: setattr(state, "loop", on))
        layout.addWidget(self.loop)
        layout.addWidget(self.buttons["freeze"])
        layout.addWidget(self.buttons["record"])
        state.subscribe(self._changed)
        for name in ("source", "speed", "loop"):
            self._changed(name)

    def _scrubbed(self, value: int) -> None:
        if value != self.state.index:
            self.controller.seek(value)

    def _changed(self, name: str) -> None:
        s = self.state
        live = s.source is not None and s.source.live
        if name in ("source", "buffered", "frozen", "index"):
            top = (s.buffered if live else (s.source.frame_count if s.source else 1)) - 1
            self.slider.blockSignals(True)  # showing the position is not a request to seek
            self.slider.setRange(0, max(top, 0))
            self.slider.setValue(s.index)
            self.slider.blockSignals(False)
            self.slider.setEnabled(s.source is not None and (not live or s.frozen))
        if name in ("source", "frame", "index", "frozen", "buffered", "stream"):
            self.position.setText(position_text(s))
        if name == "source":
            for widget in (self.speed, self.loop):
                widget.setVisible(not live)
            self.buttons["freeze"].setVisible(live)
            self.buttons["record"].setVisible(live)
        if name == "speed" and s.speed in SPEEDS:
            self.speed.setCurrentIndex(SPEEDS.index(s.speed))
        if name == "loop" and self.loop.isChecked() != s.loop:
            self.loop.setChecked(s.loop)
