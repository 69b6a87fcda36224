"""MainWindow: the start page or the image with its cine bar, side panels, menus, status bar.

It assembles; the behaviour lives in the parts: state (what is shown), controller (the worker),
file actions (paths and files), bindings (actions to state), the widgets (drawing).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QSettings, Qt
from PyQt6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.frame import Spacing
from vesselscope.gui.actions import build_menus, create_actions
from vesselscope.gui.annotation_panel import AnnotationPanel
from vesselscope.gui.background import wait_for_tasks
from vesselscope.gui.bindings import bind_actions
from vesselscope.gui.caliper_panel import CaliperPanel
from vesselscope.gui.cine_bar import CineBar
from vesselscope.gui.controller import Controller
from vesselscope.gui.detection_panel import DetectionPanel
from vesselscope.gui.file_actions import FileActions
from vesselscope.gui.image_view import ImageView
from vesselscope.gui.settings_store import SettingsStore
from vesselscope.gui.start_page import StartPage
from vesselscope.gui.state import SourceInfo, ViewerState
from vesselscope.gui.status_panel import ErrorBox, StatusPanel


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: QSettings,
        defaults: DetectorSettings | None = None,
        make_detector: Callable[[DetectorSettings], Detector] = Detector,
    ) -> None:
        super().__init__()
        self.setWindowTitle("VesselScope")
        self.state = ViewerState()
        self.store = SettingsStore(settings)
        self.store.restore(self.state)  # before the controller: it starts with these settings
        self.store.watch(self.state)
        self.controller = Controller(self.state, defaults, make_detector, self)
        self.actions = create_actions(self)
        self.files = FileActions(self, self.state, self.controller, self.store)
        self.view = ImageView(self.state, freeze=self.controller.toggle_freeze)
        self.cine = CineBar(self.state, self.controller, self.actions)
        self.start_page = StartPage(self.actions, self.files.open_path)
        viewer = QWidget()
        column = QVBoxLayout(viewer)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.view, 1)
        column.addWidget(self.cine)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.start_page)
        self.pages.addWidget(viewer)
        self.setCentralWidget(self.pages)
        self.detection_panel = DetectionPanel(self.state, self.actions)
        self.caliper_panel = CaliperPanel(self.state, self.actions)
        self.annotation_panel = AnnotationPanel(self.state, self.actions)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.detection_panel, "Detection")
        self.tabs.addTab(self.caliper_panel, "Measure")
        self.tabs.addTab(self.annotation_panel, "Annotate")
        dock = QDockWidget("Tools", self)
        dock.setObjectName("tools")
        dock.setWidget(self.tabs)
        # movable and closable: View > Tools panel (F9) hides and shows it, so that on a small
        # screen the image can have the whole window
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        dock.setMinimumWidth(320)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.status = StatusPanel(self.statusBar(), self.state)
        self.errors = ErrorBox(self)
        self.menus = build_menus(self.menuBar(), self.actions)
        tools = dock.toggleViewAction()
        tools.setText("&Tools panel")
        tools.setShortcut("F9")
        self.menus["&View"].addAction(tools)
        self.recent_menu = self.menus["&File"].addMenu("Open &recent")
        self.menus["&File"].insertMenu(self.actions["spacing"], self.recent_menu)
        bind_actions(self)
        self.state.subscribe(self._show_tool_panel)
        self.controller.failed.connect(self.errors.show)
        self.controller.notice.connect(self.status.say)
        self.controller.opened.connect(self._opened)
        self._show_recent()
        self.setAcceptDrops(True)
        self.resize(1440, 900)

    def open_path(self, path: str, spacing_mm: float | Spacing | None = None) -> None:
        self.files.open_path(path, spacing_mm)

    def _open_asking(self, path: str) -> None:
        """Open `path` as the user asked (recent menu, a dropped file), unsaved work allowing."""
        if self.files.may_discard_annotations("Opening another recording"):
            self.open_path(path)

    def _show_tool_panel(self, name: str) -> None:
        """A tool picked (by key or menu) brings up its panel: its list and buttons."""
        if name == "tool" and self.state.tool == "annotate":
            self.tabs.setCurrentWidget(self.annotation_panel)
        elif name == "tool" and self.state.tool in ("distance", "ellipse"):
            self.tabs.setCurrentWidget(self.caliper_panel)

    def _opened(self, info: SourceInfo) -> None:
        self.pages.setCurrentIndex(1)
        self.store.add_recent(info.path)
        self._show_recent()
        name = info.path if "://" in info.path else Path(info.path).name
        self.setWindowTitle(f"{name} — VesselScope")
        self.status.say(f"Opened {info.path}")
        self.tabs.setTabEnabled(2, not info.live)  # ground truth is drawn on recordings

    def _show_recent(self) -> None:
        recent = self.store.recent()
        self.start_page.show_recent(recent)
        self.recent_menu.clear()
        for path in recent:
            self.recent_menu.addAction(path, lambda p=path: self._open_asking(p))
        self.recent_menu.setEnabled(bool(recent))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self._open_asking(paths[0])
            event.acceptProposedAction()

    def quit(self) -> None:
        """File > Quit (Ctrl+Q): the user's close, so unsaved annotations are asked about as
        they are for the title bar's (a close by the program itself does not ask)."""
        if self.files.may_discard_annotations("Quitting"):
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if event.spontaneous() and not self.files.may_discard_annotations("Closing the window"):
            event.ignore()  # the user's close, not the program's (a test, the app quitting)
            return
        if self.files.export is not None:
            self.files.export.cancel()
            self.files.export.wait()
        self.controller.shutdown()
        wait_for_tasks()
        super().closeEvent(event)
