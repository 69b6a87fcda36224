"""Every command of the viewer as a QAction, with its shortcut, and the menus that list them.

One table, so that a shortcut is defined once and shown in the menu beside its command, and the
cine bar's buttons and the side panels reuse the very same actions.
"""

from __future__ import annotations

from PyQt6.QtGui import QAction, QIcon, QKeySequence
from PyQt6.QtWidgets import QMenuBar, QStyle, QWidget

# name: (menu, text, shortcut, checkable). Order is menu order; "-" entries are separators.
ACTIONS: dict[str, tuple[str, str, str, bool]] = {
    "open": ("&File", "&Open recording…", "Ctrl+O", False),
    "open_stream": ("&File", "Open &stream…", "Ctrl+Shift+O", False),
    "demo": ("&File", "Open the &demo cine", "", False),
    "spacing": ("&File", "Pixel s&pacing…", "", False),
    "-file1": ("&File", "", "", False),
    "export_png": ("&File", "Export annotated &frame (PNG)…", "Ctrl+E", False),
    "export_mp4": ("&File", "Export annotated &cine (mp4)…", "Ctrl+Shift+E", False),
    "-file2": ("&File", "", "", False),
    "quit": ("&File", "&Quit", "Ctrl+Q", False),
    "play": ("&Playback", "&Play / pause", "Space", False),
    "step_back": ("&Playback", "Step &back", "Left", False),
    "step_forward": ("&Playback", "Step &forward", "Right", False),
    "-play1": ("&Playback", "", "", False),
    "freeze": ("&Playback", "&Freeze / unfreeze", "F", True),
    "record": ("&Playback", "&Record stream", "R", True),
    "recordings_folder": ("&Playback", "Recordings f&older…", "", False),
    "fit": ("&View", "&Fit image to window", "Ctrl+0", False),
    "zoom_in": ("&View", "Zoom &in", "Ctrl+=", False),
    "zoom_out": ("&View", "Zoom &out", "Ctrl+-", False),
    "-view1": ("&View", "", "", False),
    "show_vessels": ("&View", "Show &vessels", "1", True),
    "show_rejected": ("&View", "Show &rejected candidates", "2", True),
    "show_track_ids": ("&View", "Show &track ids", "3", True),
    "tool_pan": ("&Tools", "&Pan and zoom", "Esc", True),
    "tool_distance": ("&Tools", "&Distance caliper", "D", True),
    "tool_ellipse": ("&Tools", "&Ellipse caliper", "E", True),
    "tool_annotate": ("&Tools", "&Annotate vessels", "N", True),
    "-tools1": ("&Tools", "", "", False),
    "delete": ("&Tools", "De&lete selected", "Delete", False),
    "clear_calipers": ("&Tools", "&Clear calipers", "Ctrl+Shift+Delete", False),
    "label_artery": ("A&nnotations", "Label &artery", "A", False),
    "label_vein": ("A&nnotations", "Label &vein", "V", False),
    "label_unknown": ("A&nnotations", "Label &unknown", "U", False),
    "copy_next": ("A&nnotations", "&Copy to next frame", "Ctrl+Right", False),
    "undo": ("A&nnotations", "U&ndo annotation edit", "Ctrl+Z", False),
    "redo": ("A&nnotations", "&Redo annotation edit", "Ctrl+Shift+Z", False),
    "save_annotations": ("A&nnotations", "&Save annotations…", "Ctrl+S", False),
    "load_annotations": ("A&nnotations", "&Load annotations…", "Ctrl+L", False),
    "load_model": ("&Detection", "Load &model…", "Ctrl+M", False),
    "shipped_model": ("&Detection", "Use the &shipped model", "", False),
}
_ICONS = {
    "play": QStyle.StandardPixmap.SP_MediaPlay,
    "step_back": QStyle.StandardPixmap.SP_MediaSeekBackward,
    "step_forward": QStyle.StandardPixmap.SP_MediaSeekForward,
    "open": QStyle.StandardPixmap.SP_DialogOpenButton,
}


def create_actions(window: QWidget) -> dict[str, QAction]:
    actions = {}
    for name, (_, text, shortcut, checkable) in ACTIONS.items():
        if name.startswith("-"):
            continue
        action = QAction(text, window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(f"{text.replace('&', '').rstrip('…')} ({shortcut})")
        action.setCheckable(checkable)
        if name in _ICONS:
            action.setIcon(window.style().standardIcon(_ICONS[name]))
        window.addAction(action)  # shortcuts work even while the menu bar is hidden
        actions[name] = action
    return actions


def build_menus(bar: QMenuBar, actions: dict[str, QAction]) -> dict[str, object]:
    """The menus, in table order; returns them by title (File holds the Recent submenu)."""
    menus = {}
    for name, (title, *_rest) in ACTIONS.items():
        menu = menus.get(title) or menus.setdefault(title, bar.addMenu(title))
        if name.startswith("-"):
            menu.addSeparator()
        else:
            menu.addAction(actions[name])
    return menus


def pause_icon(window: QWidget) -> QIcon:
    return window.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause)


def play_icon(window: QWidget) -> QIcon:
    return window.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
