"""Undo and redo of annotation edits (no Qt): each edit replaces one frame's list of ellipses.

A change remembers the frame's list before and after (None: the frame was not annotated), and
the Annotations object it was made in: annotations loaded or opened afresh start a new history,
so an undo can never write into another recording's annotations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vesselscope.annotations import Annotations, EllipseAnnotation

LIMIT = 500  # edits kept; an annotation session of a few hundred frames fits

Ellipses = tuple[EllipseAnnotation, ...] | None


@dataclass(frozen=True)
class Change:
    annotations: Annotations
    frame: int
    before: Ellipses
    after: Ellipses
    what: str  # for the status bar: "Undid: moved an ellipse (frame 12)"


class AnnotationHistory:
    def __init__(self) -> None:
        self._done: list[Change] = []
        self._undone: list[Change] = []

    def record(self, annotations: Annotations, frame: int, after: Ellipses, what: str) -> None:
        """Note an edit about to set `frame` to `after` (its present list is the before)."""
        before = annotations.frames.get(frame)
        self._done.append(Change(annotations, frame, _frozen(before), _frozen(after), what))
        del self._done[:-LIMIT]
        self._undone.clear()  # a new edit ends what could be redone

    def can_undo(self, annotations: Annotations) -> bool:
        return bool(self._done) and self._done[-1].annotations is annotations

    def can_redo(self, annotations: Annotations) -> bool:
        return bool(self._undone) and self._undone[-1].annotations is annotations

    def undo(self, annotations: Annotations) -> Change | None:
        """Put back the last edit made in `annotations`; the change, or None if none is left."""
        return self._move(annotations, self._done, self._undone, lambda c: c.before)

    def redo(self, annotations: Annotations) -> Change | None:
        return self._move(annotations, self._undone, self._done, lambda c: c.after)

    def _move(
        self,
        annotations: Annotations,
        source: list[Change],
        target: list[Change],
        pick: Callable[[Change], Ellipses],
    ) -> Change | None:
        if source and source[-1].annotations is not annotations:
            self._done.clear()  # another recording's, or loaded since: not this history
            self._undone.clear()
        if not source:
            return None
        change = source.pop()
        ellipses = pick(change)
        if ellipses is None:
            annotations.frames.pop(change.frame, None)
        else:
            annotations.frames[change.frame] = list(ellipses)
        target.append(change)
        return change


def _frozen(ellipses: object) -> Ellipses:
    return None if ellipses is None else tuple(ellipses)
