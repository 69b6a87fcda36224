"""AnnotationPanel: the label for new ellipses, the ellipses of this frame, copy, save, load."""

from __future__ import annotations

import math

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vesselscope.annotations import EllipseAnnotation
from vesselscope.gui import annotation_edits
from vesselscope.gui.state import ViewerState

LABELS = ("artery", "vein", "unknown")


class AnnotationPanel(QWidget):
    def __init__(self, state: ViewerState, actions: dict[str, QAction]) -> None:
        super().__init__()
        self.state = state
        layout = QVBoxLayout(self)
        tool = QToolButton()
        tool.setDefaultAction(actions["tool_annotate"])
        layout.addWidget(tool)
        hint = QLabel(
            "Drag a box to draw a vessel; drag an ellipse to move it, its round handle to "
            "resize and turn it, its square handle to change its width. Ctrl+Z undoes an edit."
        )
        hint.setObjectName("dim")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        row = QHBoxLayout()
        self.labels = QButtonGroup(self)
        for label in LABELS:
            button = QPushButton(label.capitalize())
            button.setCheckable(True)
            button.setToolTip(f"{actions['label_' + label].toolTip()}: new and selected ellipses")
            button.clicked.connect(actions["label_" + label].trigger)
            self.labels.addButton(button)
            row.addWidget(button)
        layout.addLayout(row)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._selected)
        layout.addWidget(self.list, 1)
        self.summary = QLabel()
        self.summary.setObjectName("dim")
        layout.addWidget(self.summary)
        grid = QGridLayout()
        names = ("undo", "redo", "copy_next", "delete", "save_annotations", "load_annotations")
        for n, name in enumerate(names):
            text = actions[name].text().replace("&", "")
            button = QPushButton(text.replace(" selected", "").replace(" annotation edit", ""))
            button.setToolTip(actions[name].toolTip())
            button.clicked.connect(actions[name].trigger)
            grid.addWidget(button, n // 2, n % 2)
        layout.addLayout(grid)
        state.subscribe(self._changed)
        for name in ("annotation_label", "annotations"):
            self._changed(name)

    def set_label(self, label: str) -> None:
        """The label for new ellipses; the selected ellipse takes it too."""
        self.state.annotation_label = label
        annotation_edits.relabel(self.state, self.state.selection, label)

    def _selected(self, row: int) -> None:
        if row >= 0 and row != self.state.selection:
            self.state.selection = row

    def _changed(self, name: str) -> None:
        s = self.state
        if name == "annotation_label":
            self.labels.buttons()[LABELS.index(s.annotation_label)].setChecked(True)
        if name in ("annotations", "frame", "selection", "source"):
            self.list.blockSignals(True)  # showing the selection is not selecting
            self.list.clear()
            for n, e in enumerate(annotation_edits.current_ellipses(s)):
                self.list.addItem(_describe(n, e, s.annotations.spacing_mm))
            self.list.setCurrentRow(s.selection if s.selection is not None else -1)
            self.list.blockSignals(False)
            frames = len(s.annotations.frames)
            count = sum(len(v) for v in s.annotations.frames.values())
            self.summary.setText(
                f"{count} ellipse{'s' * (count != 1)} on {frames} annotated "
                f"frame{'s' * (frames != 1)}"
            )


def _describe(number: int, e: EllipseAnnotation, spacing: tuple[float, float] | None) -> str:
    track = f"#{e.track} " if e.track is not None else ""
    size = f"{2 * e.a:.0f} x {2 * e.b:.0f} px"
    if spacing is not None:
        # Diameters along the ellipse's own axes, through the (row, col) spacing.
        theta = math.radians(e.angle_deg)
        row, col = spacing
        along = 2 * e.a * math.hypot(math.cos(theta) * col, math.sin(theta) * row)
        across = 2 * e.b * math.hypot(math.sin(theta) * col, math.cos(theta) * row)
        size = f"{along:.1f} x {across:.1f} mm"
    return f"{number + 1}. {track}{e.label}  ({e.cx:.0f}, {e.cy:.0f})  {size}"
