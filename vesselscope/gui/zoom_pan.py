"""ZoomPanView: a graphics view of one image that fits, zooms under the mouse and pans.

The wheel zooms about the point under the mouse; a left drag pans in pan mode, a middle drag
pans in any mode; a double click in pan mode fits the image again. While the image is fitted it
stays fitted when the window is resized.
"""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QMouseEvent, QResizeEvent, QWheelEvent
from PyQt6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsView, QWidget

ZOOM_STEP = 1.2  # per wheel notch
ZOOM_RANGE = (0.25, 40.0)  # relative to the scale that fits the image in the window
RULER_ROOM = 0.12  # of the image's width, kept free on its right for the depth ruler


class ZoomPanView(QGraphicsView):
    image: QGraphicsPixmapItem
    pixels: QGraphicsItem  # whose coordinates are the frame's pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        for policy in (self.setHorizontalScrollBarPolicy, self.setVerticalScrollBarPolicy):
            policy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fitted = True
        self._pan_from: QPoint | None = None

    def fit(self) -> None:
        """Show the whole image, leaving room on the right for the depth ruler."""
        rect = self.image.sceneBoundingRect()
        if rect.isEmpty():
            return
        margin = rect.height() * 0.02  # the ruler's first and last labels stay inside
        self.fitInView(
            rect.adjusted(0, -margin, rect.width() * RULER_ROOM, margin),
            Qt.AspectRatioMode.KeepAspectRatio,
        )
        self._fitted = True

    def zoom(self, factor: float) -> None:
        rect = self.image.sceneBoundingRect()
        if rect.isEmpty():
            return
        fit_scale = min(
            self.viewport().width() / (rect.width() * (1 + RULER_ROOM)),
            self.viewport().height() / rect.height(),
        )
        current = self.transform().m11()
        low, high = (fit_scale * z for z in ZOOM_RANGE)
        factor = min(max(current * factor, low), high) / current
        self.scale(factor, factor)
        self._fitted = False

    def set_pan_mode(self, pan: bool) -> None:
        mode = QGraphicsView.DragMode.ScrollHandDrag if pan else QGraphicsView.DragMode.NoDrag
        self.setDragMode(mode)
        self.viewport().setCursor(
            Qt.CursorShape.OpenHandCursor if pan else Qt.CursorShape.CrossCursor
        )

    def to_pixels(self, position: QPointF) -> tuple[float, float]:
        """A viewport position in the frame's pixel coordinates (x = column, y = row)."""
        # Mapped in floating point: a caliper must not be off by the rounding of a screen pixel.
        point = self.pixels.mapFromScene(self.viewportTransform().inverted()[0].map(position))
        return point.x(), point.y()

    def to_viewport(self, x: float, y: float) -> QPointF:
        """Where pixel (x, y) of the frame is in the viewport (the inverse of to_pixels)."""
        return self.viewportTransform().map(self.pixels.mapToScene(QPointF(x, y)))

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        self.zoom(ZOOM_STEP ** (event.angleDelta().y() / 120))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fitted:
            self.fit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.dragMode() == QGraphicsView.DragMode.ScrollHandDrag:
            self.fit()
        else:
            super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._pan_from is None:
            hand = self.dragMode() == QGraphicsView.DragMode.ScrollHandDrag
            if hand and event.buttons() & Qt.MouseButton.LeftButton:
                self._fitted = False  # panned by hand: a resize must not undo it
            super().mouseMoveEvent(event)
            return
        delta = event.position().toPoint() - self._pan_from
        self._pan_from = event.position().toPoint()
        for bar, step in (
            (self.horizontalScrollBar(), delta.x()),
            (self.verticalScrollBar(), delta.y()),
        ):
            bar.setValue(bar.value() - step)
        self._fitted = False

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
        else:
            super().mouseReleaseEvent(event)
