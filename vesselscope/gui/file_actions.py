"""FileActions: every command that asks for a path, and the file work behind it, off the GUI
thread. Each `…_to(path)` / `…_from(path)` method does the work without a dialog (tests and
drag and drop call those); the dialog methods only ask for the path first.
"""

from __future__ import annotations

import copy
import os
from functools import partial
from pathlib import Path

from PyQt6.QtCore import QObject, Qt
from PyQt6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QProgressDialog, QWidget

from vesselscope.annotations import load_annotations, save_annotations
from vesselscope.evaluation.overlay import OverlayLayers
from vesselscope.frame import Spacing
from vesselscope.gui.background import run_in_background
from vesselscope.gui.controller import Controller
from vesselscope.gui.export import CineExport, buffered_rate, detected_frames, write_png
from vesselscope.gui.session import DEMO
from vesselscope.gui.settings_store import SettingsStore
from vesselscope.gui.state import ViewerState
from vesselscope.simulator import truth_path
from vesselscope.simulator.demo import DEMO as DEMO_CINE
from vesselscope.simulator.demo import DEMO_NAME, cache_dir

RECORDINGS = (
    "Recordings (*.dcm *.dicom *.mha *.mhd *.mp4 *.avi *.mov *.mkv *.png *.jpg *.tif);;All (*)"
)


def spacing_text(spacing: tuple[float, float]) -> str:
    """ "0.075", or "0.1 x 0.05" for pixels that are not square (full precision: a DICOM's
    0.068359375 mm is not rounded)."""
    row, col = spacing
    return f"{row:.10g}" if row == col else f"{row:.10g} x {col:.10g}"


def parse_spacing(text: str) -> float | tuple[float, float]:
    """ "0.075" or "0.1 x 0.05" (rows x columns) in mm; ValueError saying what is wrong."""
    parts = text.lower().replace("x", " ").replace(",", " ").split()
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise ValueError(f"{text!r} is not one or two numbers") from None
    if len(values) not in (1, 2) or not all(0.001 <= v <= 10.0 for v in values):
        raise ValueError(f"{text!r}: give one or two values from 0.001 to 10 mm")
    return values[0] if len(values) == 1 else (values[0], values[1])


class FileActions(QObject):
    def __init__(
        self, window: QWidget, state: ViewerState, controller: Controller, store: SettingsStore
    ) -> None:
        super().__init__(window)
        self.window, self.state, self.controller, self.store = window, state, controller, store
        self.export: CineExport | None = None
        self._preset_before_demo: str | None = None  # see _preset_for
        self.progress: QProgressDialog | None = None
        # the annotations as last saved, loaded or opened empty: what is on screen may differ
        self._saved_json: dict = state.annotations.to_json()
        controller.opened.connect(lambda _: self._mark_saved(self.state.annotations))

    def _mark_saved(self, annotations: object) -> None:
        self._saved_json = annotations.to_json()

    def unsaved_annotations(self) -> bool:
        # nothing drawn and nothing saved: nothing to lose, whatever else differs (the source's
        # name, its spacing); but ellipses saved and since undone or deleted are a change
        annotations = self.state.annotations
        drawn = bool(annotations.frames) or bool(self._saved_json["frames"])
        return drawn and annotations.to_json() != self._saved_json

    def may_discard_annotations(self, doing: str) -> bool:
        """True when there is nothing unsaved, or the user agrees to lose it by `doing`."""
        if not self.unsaved_annotations():
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved annotations",
            f"The annotations drawn on this recording are not saved. {doing} discards them.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _say(self, text: str) -> None:
        self.controller.notice.emit(text)

    def _fail(self, text: str) -> None:
        self.controller.report_failure(text)

    # -- opening ---------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        if not self.may_discard_annotations("Opening another recording"):
            return
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open recording", self.store.last_folder, RECORDINGS
        )
        if path:
            self.open_path(path)

    def open_stream_dialog(self) -> None:
        if not self.may_discard_annotations("Opening a stream"):
            return
        uri, ok = QInputDialog.getText(
            self.window,
            "Open stream",
            "OpenIGTLink, capture device or simulator URI:",
            text="igtl://127.0.0.1:18944",
        )
        if ok and uri.strip():
            self.open_path(uri.strip())

    def open_path(self, path: str, spacing_mm: float | Spacing | None = None) -> None:
        self._say(f"Opening {path}{self._preset_for(path)}…")
        self.controller.open(path, spacing_mm)

    def open_demo(self) -> None:
        if not self.may_discard_annotations("Opening the demo cine"):
            return
        self._preset_for(DEMO)
        self._say(
            f"Opening the demo cine with the {self.state.preset} preset (simulated on first "
            "use, a few seconds)…"
        )
        self.controller.open(DEMO)

    def _preset_for(self, path: str) -> str:
        """The demo is a femoral cine, detected with its own preset as `vesselscope demo` does
        (the general preset outlined its vein in two parts); the preset the user had comes
        back for the next source, unless they chose another meanwhile. What it said, if any."""
        demo = DEMO_CINE["preset"]
        if path == DEMO or _same_file(path, cache_dir() / DEMO_NAME):
            if self.state.preset != demo:
                self._preset_before_demo = self.state.preset
                self.state.preset = demo
            return ""
        before, self._preset_before_demo = self._preset_before_demo, None
        if before is not None and self.state.preset == demo:
            self.state.preset = before
            return f" (preset {before} again, after the demo's {demo})"
        return ""

    def choose_recordings_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Record streams into", self.store.recordings_folder
        )
        if folder:
            self.store.recordings_folder = folder
            self.window.status.say(f"Streams are recorded into {folder}")

    def spacing_dialog(self) -> None:
        if self.state.source is None:
            return
        current = self.state.source.spacing_mm
        shown = "0.1" if current is None else spacing_text(current)
        text, ok = QInputDialog.getText(
            self.window,
            "Pixel spacing",
            "Millimetres per pixel: one value, or rows x columns (0.1 x 0.05):",
            text=shown,
        )
        if not ok or text.strip() == shown:
            return
        try:
            value = parse_spacing(text)
        except ValueError as exc:
            self._fail(f"pixel spacing: {exc}")
            return
        if self.may_discard_annotations("Reopening it with this spacing"):
            self.open_path(self.state.source.path, value)

    # -- exports ---------------------------------------------------------------------------------
    def _ask_save(self, title: str, name: str, pattern: str) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self.window, title, str(Path(self.store.last_folder) / name), pattern
        )
        return path

    def _layers(self) -> OverlayLayers:
        s = self.state
        return OverlayLayers(s.show_vessels, s.show_rejected, s.show_track_ids)

    def export_png(self) -> None:
        index = self.state.frame.index if self.state.frame is not None else 0
        path = self._ask_save("Export frame", f"vesselscope-frame-{index:04d}.png", "PNG (*.png)")
        if path:
            self.export_png_to(path)

    def export_png_to(self, path: str) -> None:
        s = self.state
        if s.frame is None:
            return
        frame, result, layers = s.frame, s.result, self._layers()
        run_in_background(
            lambda: write_png(path, frame, result, layers),
            lambda written: self._say(f"Wrote {written}"),
            self._fail,
            self,
        )

    def export_mp4(self) -> None:
        path = self._ask_save("Export cine", "vesselscope-cine.mp4", "MPEG-4 video (*.mp4)")
        if path:
            self.export_mp4_to(path)

    def export_mp4_to(self, path: str) -> CineExport | None:
        """Encode the recording (or a frozen stream's cine buffer) with its overlay."""
        s, c = self.state, self.controller
        if s.source is None or self.export is not None:
            return None
        if s.source.live:
            pairs = [(d.frame, d.result) for d in c.buffer]
            total, make = len(pairs), partial(iter, pairs)
            fps = buffered_rate([frame for frame, _ in pairs])
        else:
            settings, spacing = c.detector_settings(), s.source.spacing_override
            total = s.source.frame_count
            make = partial(detected_frames, s.source.path, spacing, settings, c.make_detector)
            fps = s.source.fps
        self.export = CineExport(path, make, fps, self._layers(), self)
        self.progress = QProgressDialog(
            "Exporting the annotated cine…", "Cancel", 0, total, self.window
        )
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.export.cancel)
        self.export.progressed.connect(self.progress.setValue)
        self.export.done.connect(self._exported)
        self.export.failed.connect(self._export_failed)
        self.export.start()
        return self.export

    def _exported(self, path: str) -> None:
        self._finish_export()
        self._say(f"Wrote {path}" if path else "Export cancelled: nothing written")

    def _export_failed(self, message: str) -> None:
        self._finish_export()
        self._fail(f"export failed: {message}")

    def _finish_export(self) -> None:
        if self.export is not None:
            self.export.wait()
        if self.progress is not None:
            self.progress.reset()
        self.export = self.progress = None

    # -- annotations and models ------------------------------------------------------------------
    def save_annotations(self) -> None:
        source = self.state.source
        default = (
            truth_path(source.path)
            if source is not None and "://" not in source.path
            else Path(self.store.last_folder) / "annotations.truth.json"
        )
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save annotations", str(default), "Annotations (*.json)"
        )
        if path:
            self.save_annotations_to(path)

    def save_annotations_to(self, path: str) -> None:
        snapshot = copy.deepcopy(self.state.annotations)  # edits may go on while it is written

        def saved(written: object) -> None:
            self._mark_saved(snapshot)
            self._say(f"Saved annotations to {written}")

        run_in_background(lambda: save_annotations(path, snapshot), saved, self._fail, self)

    def load_annotations(self) -> None:
        if not self.may_discard_annotations("Loading other annotations"):
            return
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Load annotations", self.store.last_folder, "Annotations (*.json)"
        )
        if path:
            self.load_annotations_from(path)

    def load_annotations_from(self, path: str) -> None:
        def loaded(annotations: object) -> None:
            self._mark_saved(annotations)
            self.state.update(annotations=annotations, selection=None)
            said = f"Loaded annotations of {len(annotations.frames)} frames from {path}"
            source = self.state.source
            if source is not None and annotations.source:
                here = source.path if "://" in source.path else Path(source.path).name
                if annotations.source != here:  # as the command line warns: the right file?
                    said += f"; they annotate {annotations.source}, not {here}"
            self._say(said)

        run_in_background(lambda: load_annotations(path), loaded, self._fail, self)

    def load_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Load classifier model", self.store.last_folder, "ONNX model (*.onnx)"
        )
        if path:
            self.state.model = path  # checked against its card by the worker


def _same_file(path: str, other: Path) -> bool:
    return "://" not in path and os.path.realpath(path) == os.path.realpath(other)
