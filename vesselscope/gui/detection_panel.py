"""DetectionPanel: preset, decision threshold, overlay toggles and the model in use."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vesselscope.candidates import PRESETS
from vesselscope.gui.state import ViewerState

OVERLAYS = {
    "show_vessels": "Vessels (ellipse, centre, label, score)",
    "show_rejected": "Rejected candidates",
    "show_track_ids": "Track ids",
}


class DetectionPanel(QWidget):
    def __init__(self, state: ViewerState, actions: dict[str, QAction]) -> None:
        super().__init__()
        self.state = state
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.preset = QComboBox()
        self.preset.addItems(list(PRESETS))
        self.preset.setToolTip("Anatomy preset: the vessel sizes and depths searched (mm)")
        self.preset.currentTextChanged.connect(lambda name: setattr(state, "preset", name))
        form.addRow("Preset", self.preset)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 0.99)
        self.threshold.setSingleStep(0.05)
        self.threshold.setSpecialValueText("model card")  # 0: the card's own threshold
        self.threshold.setToolTip("P(vessel) a candidate needs to be shown as a vessel")
        self.threshold.valueChanged.connect(
            lambda value: setattr(state, "threshold", value or None)
        )
        form.addRow("Threshold", self.threshold)
        layout.addLayout(form)
        overlays = QGroupBox("Overlays")
        column = QVBoxLayout(overlays)
        for name in OVERLAYS:
            box = QCheckBox(f"{OVERLAYS[name]}   ({actions[name].shortcut().toString()})")
            box.setChecked(actions[name].isChecked())
            box.toggled.connect(actions[name].setChecked)
            actions[name].toggled.connect(box.setChecked)
            column.addWidget(box)
        layout.addWidget(overlays)
        model = QGroupBox("Classifier")
        column = QVBoxLayout(model)
        self.model = QLabel()
        self.model.setWordWrap(True)
        column.addWidget(self.model)
        buttons = QHBoxLayout()
        for name, text in (("load_model", "Load model…"), ("shipped_model", "Shipped model")):
            button = QPushButton(text)
            button.clicked.connect(actions[name].trigger)
            buttons.addWidget(button)
        column.addLayout(buttons)
        layout.addWidget(model)
        layout.addStretch(1)
        state.subscribe(self._changed)
        for name in ("preset", "threshold", "detector"):
            self._changed(name)

    def _changed(self, name: str) -> None:
        s = self.state
        if name == "preset" and self.preset.currentText() != s.preset:
            self.preset.setCurrentText(s.preset)
        elif name == "threshold" and (self.threshold.value() or None) != s.threshold:
            self.threshold.setValue(s.threshold or 0.0)
        elif name in ("detector", "model"):
            info = s.detector
            if info is None:
                self.model.setText("Starting the detector…")
                return
            if info.model:
                model = Path(info.model).name
            elif info.provider.startswith("none"):
                model = "No classifier model: candidates scored by wall contrast"
            else:
                model = "Shipped model"
            self.model.setText(
                f"<b>{model}</b><br>ONNX provider: {info.provider}<br>"
                f"Candidate search: {info.device}<br>Threshold in use: {info.threshold:.2f}"
            )
