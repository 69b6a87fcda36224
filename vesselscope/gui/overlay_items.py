"""Graphics items drawn over the image: the detector's vessels and rejected candidates.

Items live in a Layer whose coordinates are the frame's pixels with pixel centres at integers
(the annotations' convention), so ellipses are placed exactly as the detector reported them and
stretch with the image when rows and columns differ in spacing. Pens are cosmetic and labels
ignore the view's scale: lines and text keep their screen size at any zoom.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QStyleOptionGraphicsItem

from vesselscope.detection.results import FrameResult
from vesselscope.evaluation.overlay import colour_label, vessel_text
from vesselscope.gui.theme import rejected_colour, vessel_colour

LABEL_POINTS = 8  # a label's size in a view up to 800 px tall


def text_scale(view_height: float) -> float:
    """How much larger than its base size text over the image is drawn in a view this tall
    (pixels): 1 up to 800 px, then with the view, up to 1.75. At a fixed 8 pt, labels on a
    2560x1440 screen beside the patient were too small to read from the bed (QA)."""
    return min(1.75, max(1.0, view_height / 800))


class Layer(QGraphicsItem):
    """An invisible parent: its children are drawn in pixel coordinates, cleared together."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.text_scale = 1.0  # of the labels drawn in it (see text_scale())

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF()

    def paint(self, *args: object) -> None:
        """Nothing: the children draw themselves."""

    def clear(self) -> None:
        for child in self.childItems():
            if child.scene() is not None:
                child.scene().removeItem(child)


def cosmetic_pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(True)  # width in screen pixels, whatever the zoom
    return pen


class Marker(QGraphicsItem):
    """A small cross of fixed screen size: a vessel's centre or a caliper's end."""

    def __init__(self, at: QPointF, colour: QColor, parent: QGraphicsItem, size: float = 5) -> None:
        super().__init__(parent)
        self.setPos(at)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._pen, self._size = cosmetic_pen(colour, 1.5), size

    def boundingRect(self) -> QRectF:  # noqa: N802
        s = self._size + 1
        return QRectF(-s, -s, 2 * s, 2 * s)

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setPen(self._pen)
        s = self._size
        painter.drawLine(QPointF(-s, 0), QPointF(s, 0))
        painter.drawLine(QPointF(0, -s), QPointF(0, s))


class LabelItem(QGraphicsItem):
    """Text on a dark rounded box, readable over bright tissue; fixed screen size.

    The item's position is the point labelled: the box sits just above it, just right or left
    of it (centred vertically) or just below it, as `place` says.
    """

    def __init__(
        self, text: str, colour: QColor, parent: QGraphicsItem, at: QPointF, place: str = "above"
    ) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setPos(at)
        self.text, self._colour = text, colour
        points = LABEL_POINTS * getattr(parent, "text_scale", 1.0)
        self._font = QFont("DejaVu Sans", round(points), QFont.Weight.DemiBold)
        width = QFontMetricsF(self._font).horizontalAdvance(text) + 10
        height = QFontMetricsF(self._font).height() + 4
        if place == "right":
            self._box = QRectF(10, -height / 2, width, height)
        elif place == "left":
            self._box = QRectF(-10 - width, -height / 2, width, height)
        elif place == "below":
            self._box = QRectF(-width / 2, 4, width, height)
        else:
            self._box = QRectF(-width / 2, -height - 4, width, height)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._box.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(cosmetic_pen(self._colour.darker(160), 1))
        painter.setBrush(QColor(10, 12, 15, 200))
        painter.drawRoundedRect(self._box, 3, 3)
        painter.setFont(self._font)
        painter.setPen(self._colour.lighter(115))
        painter.drawText(self._box, Qt.AlignmentFlag.AlignCenter, self.text)


def ellipse_item(v: object, pen: QPen, parent: QGraphicsItem) -> QGraphicsEllipseItem:
    """An ellipse (cx, cy, a, b, angle_deg) as cv2.ellipse draws it: a along the angle."""
    item = QGraphicsEllipseItem(QRectF(-v.a, -v.b, 2 * v.a, 2 * v.b), parent)
    item.setPos(v.cx, v.cy)
    item.setRotation(v.angle_deg)  # clockwise on screen, from +x towards +y: cv2's direction
    item.setPen(pen)
    return item


def top_of(v: object) -> QPointF:
    """The highest point of the rotated ellipse's bounding box, centred over the vessel."""
    theta = math.radians(v.angle_deg)
    half_height = math.hypot(v.a * math.sin(theta), v.b * math.cos(theta))
    return QPointF(v.cx, v.cy - half_height)


def draw_result(
    layer: Layer, result: FrameResult, *, vessels: bool, rejected: bool, track_ids: bool
) -> None:
    """Add the result's items to `layer` (cleared by the caller), each kind on its toggle."""
    if rejected:
        dim = rejected_colour()
        for candidate in result.rejected:
            ellipse_item(candidate, cosmetic_pen(dim, 1, Qt.PenStyle.DashLine), layer)
            LabelItem(f"{candidate.score:.2f}", dim, layer, top_of(candidate)).setOpacity(0.8)
    if vessels:
        for vessel in result.vessels:
            colour = vessel_colour(colour_label(vessel))
            width = 2 if vessel.state == "detected" else 1
            ellipse_item(vessel, cosmetic_pen(colour, width), layer)
            Marker(QPointF(vessel.cx, vessel.cy), colour, layer)
            LabelItem(vessel_text(vessel, track_ids), colour, layer, top_of(vessel))
