"""Calipers drawn over the image: a line with crossed ends, or a dashed ellipse, with a reading."""

from __future__ import annotations

import math

from PyQt6.QtCore import QLineF, QPointF, QRectF, Qt
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsLineItem

from vesselscope.gui.calipers import Caliper, caliper_names
from vesselscope.gui.overlay_items import LabelItem, Layer, Marker, cosmetic_pen
from vesselscope.gui.theme import CALIPER


def draw_calipers(
    layer: Layer, calipers: list[Caliper], frame_index: int, image_width: float
) -> None:
    """The calipers taken on frame `frame_index` (of `image_width` pixels), named as in the
    panel (D1, E2...)."""
    for name, caliper in zip(caliper_names(calipers), calipers, strict=True):
        if caliper.frame_index == frame_index:
            text = f"{name} {caliper.describe(short=True)}"
            draw_caliper(layer, caliper, text, image_width)


def draw_caliper(
    layer: Layer, caliper: Caliper, text: str | None, image_width: float = math.inf
) -> None:
    """One caliper; `text` None draws the shape only (while it is being dragged out)."""
    start, end = QPointF(*caliper.start), QPointF(*caliper.end)
    pen = cosmetic_pen(CALIPER, 1.5)
    if caliper.kind == "distance":
        QGraphicsLineItem(QLineF(start, end), layer).setPen(pen)
        Marker(start, CALIPER, layer, size=6)
        Marker(end, CALIPER, layer, size=6)
        anchor = (start + end) / 2  # beside its middle: vessel labels sit above the vessels
        # towards the image's middle: right of a line in the image's right half, the reading
        # covered the depth ruler's numbers beside the image
        place = "left" if anchor.x() > image_width / 2 else "right"
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
