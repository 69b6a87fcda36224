"""SettingsStore: what the viewer remembers between runs, through QSettings.

Preset, threshold, model, overlay toggles, speed and loop are written as soon as they change
(a crash loses nothing); the last folder and the recent files when a file is opened; the
recordings folder when it is chosen. Values read back are checked: a settings file edited by
hand, or written by an older version, cannot put the viewer into a state it does not know.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QSettings, QStandardPaths

from vesselscope.candidates import PRESETS
from vesselscope.gui.state import ViewerState

MAX_RECENT = 8
_BOOLS = ("show_vessels", "show_rejected", "show_track_ids", "loop")
_SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)


class SettingsStore:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def restore(self, state: ViewerState) -> None:
        s = self.settings
        values: dict[str, object] = {n: s.value(n, getattr(state, n), type=bool) for n in _BOOLS}
        preset = s.value("preset", state.preset, type=str)
        if preset in PRESETS:
            values["preset"] = preset
        threshold = s.value("threshold", 0.0, type=float)
        values["threshold"] = threshold if 0.0 < threshold < 1.0 else None
        model = s.value("model", "", type=str)
        values["model"] = model if model and Path(model).is_file() else None
        speed = s.value("speed", 1.0, type=float)
        values["speed"] = speed if speed in _SPEEDS else 1.0
        state.update(**values)

    def watch(self, state: ViewerState) -> None:
        """Write each remembered field of `state` whenever it changes."""

        def save(name: str) -> None:
            if name in _BOOLS or name in ("preset", "speed"):
                self.settings.setValue(name, getattr(state, name))
            elif name == "threshold":
                self.settings.setValue(name, state.threshold or 0.0)
            elif name == "model":
                self.settings.setValue(name, state.model or "")

        state.subscribe(save)

    @property
    def last_folder(self) -> str:
        folder = self.settings.value("last_folder", "", type=str)
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        self.settings.setValue("last_folder", folder)

    @property
    def recordings_folder(self) -> str:
        """Where R records a live stream: one known place, chosen under Playback, not whichever
        folder a file was last opened from (that was the home folder on a first run, and could
        be a read-only dataset's)."""
        return self.settings.value("recordings_folder", "", type=str) or default_recordings_folder()

    @recordings_folder.setter
    def recordings_folder(self, folder: str) -> None:
        self.settings.setValue("recordings_folder", folder)

    def recent(self) -> list[str]:
        return [p for p in self.settings.value("recent", [], type=list) if isinstance(p, str)]

    def add_recent(self, path: str) -> None:
        """Remember a file (or stream URI) opened; a file also sets the last folder."""
        recent = [path, *(p for p in self.recent() if p != path)][:MAX_RECENT]
        self.settings.setValue("recent", recent)
        if "://" not in path:
            folder = Path(path) if Path(path).is_dir() else Path(path).parent
            self.last_folder = str(folder)


def default_recordings_folder() -> str:
    """A "VesselScope recordings" folder in the user's documents folder (the home folder where
    the platform names none); created by the first recording."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return str(Path(documents or Path.home()) / "VesselScope recordings")
