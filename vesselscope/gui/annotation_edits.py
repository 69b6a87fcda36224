"""Edits of the ground-truth annotations in a ViewerState (no Qt): add, change, label, copy.

Ellipses are kept per frame index in the state's Annotations, the same object that
save_annotations writes, so what is saved is exactly what is on screen. Each edit notifies
"annotations" once, which redraws the layer and the side panel.
"""

from __future__ import annotations

from dataclasses import replace

from vesselscope.annotations import EllipseAnnotation
from vesselscope.gui.annotation_history import Change
from vesselscope.gui.calipers import Point
from vesselscope.gui.state import ViewerState

MIN_AXIS_PX = 1.0  # a click without a drag draws nothing


def frame_index(state: ViewerState) -> int | None:
    """The frame being annotated: annotations belong to frames of a recording only."""
    if state.frame is None or state.source is None or state.source.live:
        return None
    return state.frame.index


def current_ellipses(state: ViewerState) -> list[EllipseAnnotation]:
    index = frame_index(state)
    return list(state.annotations.vessels(index)) if index is not None else []


def _store(state: ViewerState, index: int, ellipses: list[EllipseAnnotation], what: str) -> None:
    # A frame whose last ellipse is deleted stays, empty: annotated as holding no vessel, which
    # evaluate scores (its detections are false positives), unlike a frame never annotated.
    if state.annotations.frames.get(index) != ellipses:  # a click on a handle changes nothing
        state.annotation_history.record(state.annotations, index, ellipses, what)
    state.annotations.frames[index] = ellipses
    state.notify("annotations")


def undo(state: ViewerState) -> Change | None:
    """Undo the last annotation edit (on whichever frame it was); the change, or None."""
    return _after(state, state.annotation_history.undo(state.annotations))


def redo(state: ViewerState) -> Change | None:
    return _after(state, state.annotation_history.redo(state.annotations))


def _after(state: ViewerState, change: Change | None) -> Change | None:
    if change is not None:
        state.selection = None
        state.notify("annotations")
    return change


def _next_track(state: ViewerState) -> int:
    tracks = [e.track for ellipses in state.annotations.frames.values() for e in ellipses]
    return max((t for t in tracks if t is not None), default=0) + 1


def add_ellipse(state: ViewerState, corner: Point, opposite: Point) -> int | None:
    """Add the ellipse inscribed in the box corner-opposite (pixels); returns its number."""
    index = frame_index(state)
    a, b = abs(opposite[0] - corner[0]) / 2, abs(opposite[1] - corner[1]) / 2
    if index is None or a < MIN_AXIS_PX or b < MIN_AXIS_PX:
        return None
    centre = ((corner[0] + opposite[0]) / 2, (corner[1] + opposite[1]) / 2)
    ellipse = EllipseAnnotation(
        *centre, a, b, 0.0, label=state.annotation_label, track=_next_track(state)
    )
    ellipses = [*current_ellipses(state), ellipse]
    _store(state, index, ellipses, "drew an ellipse")
    state.selection = len(ellipses) - 1
    return len(ellipses) - 1


def change_ellipse(state: ViewerState, number: int, ellipse: EllipseAnnotation) -> None:
    index = frame_index(state)
    ellipses = current_ellipses(state)
    if index is not None and 0 <= number < len(ellipses):
        before, ellipses[number] = ellipses[number], ellipse
        state.selection = number
        _store(state, index, ellipses, _change(before, ellipse))


def _change(before: EllipseAnnotation, after: EllipseAnnotation) -> str:
    """What an edit did, in the words the status bar says it was undone with."""
    if before.label != after.label:
        return f"labelled {after.label}"
    if (before.a, before.b, before.angle_deg) == (after.a, after.b, after.angle_deg):
        return "moved an ellipse"
    return "reshaped an ellipse"


def relabel(state: ViewerState, number: int | None, label: str) -> None:
    ellipses = current_ellipses(state)
    if number is not None and 0 <= number < len(ellipses):
        change_ellipse(state, number, replace(ellipses[number], label=label))


def delete_ellipse(state: ViewerState, number: int | None) -> None:
    index = frame_index(state)
    ellipses = current_ellipses(state)
    if index is not None and number is not None and 0 <= number < len(ellipses):
        del ellipses[number]
        state.selection = None
        _store(state, index, ellipses, "deleted an ellipse")


def copy_to_next(state: ViewerState) -> int | None:
    """Copy this frame's ellipses (tracks kept) onto the next frame; returns its index.

    Vessels move little between frames, so the copy is a head start to adjust, not a guess
    to trust. What the next frame already holds is kept: only the tracks it lacks are copied
    (an ellipse drawn or adjusted there is not overwritten).
    """
    index = frame_index(state)
    ellipses = current_ellipses(state)
    if index is None or not ellipses or index + 1 >= (state.source.frame_count or 0):
        return None
    there = list(state.annotations.vessels(index + 1))
    tracks = {e.track for e in there}
    copied = there + [e for e in ellipses if e.track not in tracks]
    _store(state, index + 1, copied, f"copied frame {index + 1}'s ellipses")
    return index + 1
