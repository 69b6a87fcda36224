"""Mouse tools of the image view: drag out a caliper or a new annotation ellipse.

In the pan tool a left drag pans (Qt's hand drag). In the others a left drag on the image draws,
and a drag that starts on an annotation ellipse moves or reshapes it (the items handle that).
The middle button pans in every tool, so one never has to switch tools just to look around.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QMouseEvent

from vesselscope.gui import annotation_edits
from vesselscope.gui.annotation_items import AnnotationItem
from vesselscope.gui.caliper_items import draw_caliper
from vesselscope.gui.calipers import Caliper, Point

if TYPE_CHECKING:
    from vesselscope.gui.image_view import ImageView

MIN_DRAG_PX = 1.0  # shorter drags are clicks: they select, they do not measure


class DrawingTool:
    def __init__(self, view: ImageView) -> None:
        self.view = view
        self._start: Point | None = None
        self._drawing = ""  # the tool a drag was started with

    @property
    def kind(self) -> str:
        return self.view.state.tool

    def press(self, event: QMouseEvent) -> bool:
        """Start a drag; False when the event is not ours (pan, or an item to edit)."""
        if self.kind == "pan" or event.button() != Qt.MouseButton.LeftButton:
            return False
        if self.view.state.frame is None:
            return False
        state = self.view.state
        # A shape belongs to the frame it is drawn on: hold that frame. A live image moves on,
        # so measuring freezes it, as on a scanner.
        if state.playing:
            state.playing = False
        if state.source is not None and state.source.live and not state.frozen:
            self.view.freeze()
        if self.kind == "annotate" and self._item_under(event.position()):
            return False
        self._start, self._drawing = self.view.to_pixels(event.position()), self.kind
        return True

    def move(self, event: QMouseEvent) -> bool:
        if self._start is None:
            return False
        self.view.preview.clear()
        draw_caliper(self.view.preview, self._caliper(self.view.to_pixels(event.position())), None)
        return True

    def release(self, event: QMouseEvent) -> bool:
        if self._start is None:
            return False
        start, self._start = self._start, None
        self.view.preview.clear()
        if self.kind != self._drawing:  # the tool changed mid-drag (Esc): the drag is cancelled
            return True
        end = self.view.to_pixels(event.position())
        state = self.view.state
        if max(abs(end[0] - start[0]), abs(end[1] - start[1])) < MIN_DRAG_PX:
            if self.kind == "annotate":
                state.selection = None  # a click beside every ellipse deselects, as usual
            return True
        if self.kind == "annotate":
            annotation_edits.add_ellipse(state, start, end)
        else:
            state.calipers.append(self._caliper(end, start))
            state.notify("calipers")
        return True

    def _caliper(self, end: Point, start: Point | None = None) -> Caliper:
        frame = self.view.state.frame
        kind = "distance" if self.kind == "distance" else "ellipse"
        ends = (_on_image(start or self._start, frame.shape), _on_image(end, frame.shape))
        return Caliper(kind, *ends, frame.index, frame.spacing_mm)

    def _item_under(self, position: QPointF) -> bool:
        item = self.view.itemAt(position.toPoint())
        while item is not None:
            if isinstance(item, AnnotationItem):
                return True
            item = item.parentItem()
        return False


def _on_image(point: Point, shape: tuple[int, int]) -> Point:
    """`point` moved onto the image's nearest pixel: a caliper's end dragged past the image's
    edge measured empty screen."""
    rows, cols = shape
    return min(max(point[0], 0.0), cols - 1.0), min(max(point[1], 0.0), rows - 1.0)
