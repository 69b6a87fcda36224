"""Ground-truth ellipses on the image, editable in annotation mode.

Drag an ellipse to move it; drag its round handle (the end of axis a) to resize and turn it,
its square handle (axis b) to change its width. An edit is committed on mouse release, through
`on_edit(number, ellipse)`, to the state's Annotations; the state then redraws the layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from PyQt6.QtCore import QPointF, QRectF, Qt, QTimer
from PyQt6.QtGui import QBrush, QPainter
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsSceneMouseEvent

from vesselscope.annotations import EllipseAnnotation
from vesselscope.gui.overlay_items import Layer, cosmetic_pen
from vesselscope.gui.theme import vessel_colour

OnEdit = Callable[[int, EllipseAnnotation], None]
OnSelect = Callable[[int], None]
_FLAG = QGraphicsItem.GraphicsItemFlag


class AnnotationItem(QGraphicsEllipseItem):
    def __init__(
        self,
        ellipse: EllipseAnnotation,
        number: int,
        layer: Layer,
        on_edit: OnEdit | None,
        on_select: OnSelect | None = None,
    ) -> None:
        super().__init__(layer)
        self.number, self.ellipse, self._on_edit = number, ellipse, on_edit
        self._on_select = on_select
        editable = on_edit is not None
        self.setFlag(_FLAG.ItemIsMovable, editable)
        self.setFlag(_FLAG.ItemIsSelectable, editable)
        self.setCursor(Qt.CursorShape.SizeAllCursor if editable else Qt.CursorShape.ArrowCursor)
        self._handles = (_Handle(self, "a"), _Handle(self, "b")) if editable else ()
        self.show_ellipse(ellipse)

    def show_ellipse(self, e: EllipseAnnotation) -> None:
        self.ellipse = e
        self.setRect(QRectF(-e.a, -e.b, 2 * e.a, 2 * e.b))
        self.setPos(e.cx, e.cy)
        self.setRotation(e.angle_deg)
        colour = vessel_colour(e.label)
        self.setPen(cosmetic_pen(colour, 2))
        fill = colour.lighter(110)
        fill.setAlpha(50)
        self.setBrush(QBrush(fill))
        if self._handles:
            self._handles[0].setPos(e.a, 0)
            self._handles[1].setPos(0, e.b)

    def reshape(self, axis: str, point: QPointF) -> None:
        """Follow a handle dragged to `point` (pixel coordinates), without committing yet."""
        e = self.ellipse
        dx, dy = point.x() - e.cx, point.y() - e.cy
        if axis == "a":
            e = replace(
                e, a=max(1.0, math.hypot(dx, dy)), angle_deg=math.degrees(math.atan2(dy, dx))
            )
        else:
            theta = math.radians(e.angle_deg)
            e = replace(e, b=max(1.0, abs(-dx * math.sin(theta) + dy * math.cos(theta))))
        self.show_ellipse(e)

    def commit(self) -> None:
        if self._on_edit is not None:
            self._on_edit(self.number, self.ellipse)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        moved = (self.pos().x(), self.pos().y()) != (self.ellipse.cx, self.ellipse.cy)
        if moved:
            self.ellipse = replace(self.ellipse, cx=self.pos().x(), cy=self.pos().y())
            self.commit()
        elif self._on_select is not None:
            # A click selects it for the label keys and Delete, as the list does. Later: the
            # selection redraws the layer, and this item must not go while its event runs.
            number, select = self.number, self._on_select
            QTimer.singleShot(0, lambda: select(number))

    def paint(self, painter: QPainter, *args: object) -> None:
        # Selection shows as a thicker outline, not Qt's dashed box around the ellipse.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(cosmetic_pen(self.pen().color(), 3.5 if self.isSelected() else 2))
        painter.setBrush(self.brush())
        painter.drawEllipse(self.rect())


class _Handle(QGraphicsItem):
    """A grip of fixed screen size at the end of one semi-axis."""

    def __init__(self, owner: AnnotationItem, axis: str) -> None:
        super().__init__(owner)
        self.owner, self.axis = owner, axis
        self.setFlag(_FLAG.ItemIgnoresTransformations)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(1)

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-6, -6, 12, 12)

    def paint(self, painter: QPainter, *args: object) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(cosmetic_pen(self.owner.pen().color(), 1.5))
        painter.setBrush(Qt.GlobalColor.white)
        box = QRectF(-4, -4, 8, 8)
        painter.drawEllipse(box) if self.axis == "a" else painter.drawRect(box)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        event.accept()  # the drag is ours, not the ellipse's (which would move)
        self._pressed = self.owner.ellipse

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        layer = self.owner.parentItem()
        self.owner.reshape(self.axis, layer.mapFromScene(event.scenePos()))

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802
        # A click that did not move the mouse is no edit: the handle's centre is not exactly
        # under the pointer, and reshaping to it changed the ellipse by a fraction of a pixel
        # (shown, and committed by the next edit, as QA found). It is shown as it was.
        if event.screenPos() == event.buttonDownScreenPos(Qt.MouseButton.LeftButton):
            self.owner.show_ellipse(self._pressed)
            return
        self.mouseMoveEvent(event)
        self.owner.commit()


def draw_annotations(
    layer: Layer,
    ellipses: list[EllipseAnnotation],
    on_edit: OnEdit | None,
    selected: int | None,
    on_select: OnSelect | None = None,
) -> list[AnnotationItem]:
    items = [AnnotationItem(e, n, layer, on_edit, on_select) for n, e in enumerate(ellipses)]
    if selected is not None and 0 <= selected < len(items) and on_edit is not None:
        items[selected].setSelected(True)
    return items
