"""StartPage: what `vesselscope view` shows without a SOURCE: open a file, a stream, or the demo."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

BOX_WIDTH = 520  # px, the column of title, text and buttons


class StartPage(QWidget):
    def __init__(self, actions: dict[str, QAction], open_path: Callable[[str], None]) -> None:
        super().__init__()
        self._open_path = open_path
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(10)
        title = QLabel("VesselScope", objectName="title")
        subtitle = QLabel(
            "Real-time vessel detection in ultrasound. Open a recording (DICOM, PLUS .mha/.mhd, "
            "video, image folder), connect to a live stream (igtl://, capture://), or start "
            "the demo cine. You can also drop a file on this window.",
            objectName="dim",
        )
        subtitle.setWordWrap(True)
        # A wrapped label in a layout gets the height of a guess at its width, which clipped
        # the first and last lines; the column's width is fixed, so its height is known.
        subtitle.setMinimumHeight(subtitle.heightForWidth(BOX_WIDTH))
        column.addWidget(title)
        column.addWidget(subtitle)
        self.buttons = {}
        for name, text in (
            ("open", "Open recording…"),
            ("open_stream", "Open stream…"),
            ("demo", "Demo cine (simulated femoral vessels)"),
        ):
            button = QPushButton(text)
            button.setMinimumHeight(36)
            button.clicked.connect(actions[name].trigger)
            column.addWidget(button)
            self.buttons[name] = button
        self.recent_title = QLabel("Recent", objectName="dim")
        column.addWidget(self.recent_title)
        self.recent = QListWidget()
        self.recent.setMaximumHeight(160)
        self.recent.itemActivated.connect(lambda item: self._open_path(item.text()))
        column.addWidget(self.recent)
        box = QWidget()
        box.setLayout(column)
        box.setFixedWidth(BOX_WIDTH)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def show_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        self.recent.addItems(paths)
        self.recent_title.setVisible(bool(paths))
        self.recent.setVisible(bool(paths))
