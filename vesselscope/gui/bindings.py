"""bind_actions: what each action does, and how its checked and enabled look follow the state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtGui import QActionGroup

from vesselscope.gui import annotation_edits
from vesselscope.gui.actions import pause_icon, play_icon

if TYPE_CHECKING:
    from vesselscope.gui.main_window import MainWindow

TOGGLES = ("show_vessels", "show_rejected", "show_track_ids")
TOOLS = {
    "tool_pan": "pan",
    "tool_distance": "distance",
    "tool_ellipse": "ellipse",
    "tool_annotate": "annotate",
}
RECORDING_ONLY = ("play", "tool_annotate", "copy_next")
STEPS = ("step_back", "step_forward")  # through a recording, or a frozen stream's cine buffer
NEEDS_SOURCE = ("export_png", "export_mp4", "spacing", "save_annotations", "load_annotations")


def bind_actions(window: MainWindow) -> None:
    a, c, f, s = window.actions, window.controller, window.files, window.state
    label = window.annotation_panel.set_label
    triggers = {
        "open": f.open_dialog,
        "open_stream": f.open_stream_dialog,
        "demo": f.open_demo,
        "spacing": f.spacing_dialog,
        "export_png": f.export_png,
        "export_mp4": f.export_mp4,
        "quit": window.quit,
        "play": c.play_pause,
        "step_back": lambda: c.step(-1),
        "step_forward": lambda: c.step(1),
        "freeze": c.toggle_freeze,
        "record": lambda: c.record(window.store.recordings_folder),
        "recordings_folder": f.choose_recordings_folder,
        "fit": window.view.fit,
        "zoom_in": lambda: window.view.zoom(1.25),
        "zoom_out": lambda: window.view.zoom(0.8),
        "delete": lambda: delete_selected(window),
        "clear_calipers": lambda: s.update(calipers=[]),
        "label_artery": lambda: label("artery"),
        "label_vein": lambda: label("vein"),
        "label_unknown": lambda: label("unknown"),
        "copy_next": lambda: copy_to_next(window),
        "undo": lambda: undo(window, redo=False),
        "redo": lambda: undo(window, redo=True),
        "save_annotations": f.save_annotations,
        "load_annotations": f.load_annotations,
        "load_model": f.load_model,
        "shipped_model": lambda: setattr(s, "model", None),
    }
    for name, slot in triggers.items():
        a[name].triggered.connect(lambda _checked=False, slot=slot: slot())
    # Recording starts when the worker says so (it may fail): until then the action shows the
    # state, not the click.
    a["record"].triggered.connect(lambda _checked=False: a["record"].setChecked(bool(s.recording)))
    for name in TOGGLES:
        a[name].setChecked(getattr(s, name))
        a[name].toggled.connect(lambda on, name=name: setattr(s, name, on))
    group = QActionGroup(window)
    for name, tool in TOOLS.items():
        group.addAction(a[name])
        a[name].triggered.connect(lambda _checked=False, tool=tool: setattr(s, "tool", tool))
    s.subscribe(lambda name: _follow(window, name))
    for name in ("source", "tool", "playing", "frozen", "recording"):
        _follow(window, name)


def _follow(window: MainWindow, name: str) -> None:
    # Undo and redo only while annotating (Ctrl+Z while measuring must not undo an annotation
    # on another frame), and only with an edit to take back or make again.
    a, s = window.actions, window.state
    live = s.source is not None and s.source.live
    if name in TOGGLES:
        a[name].setChecked(getattr(s, name))
    elif name == "tool":
        a[next(k for k, v in TOOLS.items() if v == s.tool)].setChecked(True)
    elif name == "playing":
        a["play"].setIcon(pause_icon(window) if s.playing else play_icon(window))
    elif name == "recording":
        a["record"].setChecked(bool(s.recording))
    if name in ("frozen", "source"):
        a["freeze"].setChecked(s.frozen)
        for action in STEPS:
            a[action].setEnabled(s.source is not None and (not live or s.frozen))
    if name in ("source", "tool", "annotations"):
        annotating = s.source is not None and not live and s.tool == "annotate"
        history = s.annotation_history
        a["undo"].setEnabled(annotating and history.can_undo(s.annotations))
        a["redo"].setEnabled(annotating and history.can_redo(s.annotations))
    if name == "source":
        for action in RECORDING_ONLY:
            a[action].setEnabled(s.source is not None and not live)
        for action in NEEDS_SOURCE:
            a[action].setEnabled(s.source is not None)
        a["freeze"].setEnabled(live)
        a["record"].setEnabled(live)
        if live and s.tool == "annotate":
            s.tool = "pan"


def delete_selected(window: MainWindow) -> None:
    """Delete the selected ellipse when annotating, else the selected caliper."""
    s = window.state
    if s.tool == "annotate":
        annotation_edits.delete_ellipse(s, s.selection)
    else:
        window.caliper_panel.remove_selected()


def copy_to_next(window: MainWindow) -> None:
    target = annotation_edits.copy_to_next(window.state)
    if target is not None:
        window.controller.seek(target)
    elif not annotation_edits.current_ellipses(window.state):
        window.status.say("Nothing to copy: this frame has no ellipses")
    else:
        window.status.say("This is the last frame: there is no next frame to copy to")


def undo(window: MainWindow, redo: bool) -> None:
    """Undo (or redo) the last annotation edit, showing the frame it was made on."""
    s = window.state
    change = (annotation_edits.redo if redo else annotation_edits.undo)(s)
    if change is None:  # the action is disabled then; a queued second press may still come
        return
    window.status.say(f"{'Redid' if redo else 'Undid'}: {change.what} (frame {change.frame + 1})")
    if s.frame is not None and s.frame.index != change.frame:
        window.controller.seek(change.frame)
