"""Calipers drawn over the image: a line with crossed ends, or a dashed ellipse, with a reading."""

from __future__ import annotations

from PyQt6.QtCore import QLineF, QPointF, QRectF, Qt
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsLineItem

from vesselscope.gui.calipers import Caliper, caliper_names
from vesselscope.gui.overlay_items import LabelItem, Layer, Marker, cosmetic_pen
from vesselscope.gui.theme import CALIPER


def draw_calipers(layer: Layer, calipers: list[Caliper], frame_index: int) -> None:
    """The calipers taken on frame `frame_index`, named as in the panel (D1, E2...)."""
    for name, caliper in zip(caliper_names(calipers), calipers, strict=True):
        if caliper.frame_index == frame_index:
            draw_caliper(layer, caliper, f"{name} {caliper.describe(short=True)}")


def draw_caliper(layer: Layer, caliper: Caliper, text: str | None) -> None:
    """One caliper; `text` None draws the shape only (while it is being dragged out)."""
    start, end = QPointF(*caliper.start), QPointF(*caliper.end)
    pen = cosmetic_pen(CALIPER, 1.5)
    if caliper.kind == "distance":
        QGraphicsLineItem(QLineF(start, end), layer).setPen(pen)
        Marker(start, CALIPER, layer, size=6)
        Marker(end, CALIPER, layer, size=6)
        anchor, place = (start + end) / 2, "right"  # vessel labels sit above the vessels
    else:
        pen.setStyle(Qt.PenStyle.DashLine)
        box = QRectF(start, end).normalized()
        QGraphicsEllipseItem(box, layer).setPen(pen)
        Marker(box.center(), CALIPER, layer, size=4)
        # below, centred: to the right, a caliper near the image's edge ran off the view
        anchor, place = QPointF(box.center().x(), box.bottom()), "below"
    if text is not None:
        label = LabelItem(text, CALIPER, layer, anchor, place)
        label.setZValue(1)  # readings above every outline
