"""CaliperPanel: the measurement tools and the list of calipers taken, each removable."""

from __future__ import annotations

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vesselscope.gui.calipers import caliper_names
from vesselscope.gui.state import ViewerState


class CaliperPanel(QWidget):
    def __init__(self, state: ViewerState, actions: dict[str, QAction]) -> None:
        super().__init__()
        self.state = state
        layout = QVBoxLayout(self)
        tools = QHBoxLayout()
        for name in ("tool_distance", "tool_ellipse"):
            button = QToolButton()
            button.setDefaultAction(actions[name])
            tools.addWidget(button)
        tools.addStretch(1)
        layout.addLayout(tools)
        hint = QLabel("Drag on the image to measure. Readings use the frame's pixel spacing.")
        hint.setObjectName("dim")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.list = QListWidget()
        self.list.setWordWrap(True)  # an ellipse's reading is long: wrapped, not scrolled
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.remove = QPushButton("Remove")
        self.remove.clicked.connect(self.remove_selected)
        clear = QPushButton("Clear all")
        clear.clicked.connect(actions["clear_calipers"].trigger)
        buttons.addWidget(self.remove)
        buttons.addWidget(clear)
        layout.addLayout(buttons)
        state.subscribe(self._changed)

    def remove_selected(self) -> bool:
        """Remove the caliper selected in the list; False when none is."""
        row = self.list.currentRow()
        if not 0 <= row < len(self.state.calipers):
            return False
        del self.state.calipers[row]
        self.state.notify("calipers")
        return True

    def _changed(self, name: str) -> None:
        if name != "calipers":
            return
        calipers = self.state.calipers
        self.list.clear()
        for label, caliper in zip(caliper_names(calipers), calipers, strict=True):
            self.list.addItem(f"{label}  {caliper.describe()}  (frame {caliper.frame_index + 1})")
        self.list.setCurrentRow(len(calipers) - 1)
