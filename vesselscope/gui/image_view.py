"""ImageView: the frame at its true aspect ratio, with overlays, zoom, pan and a depth ruler.

Scene units are millimetres: the pixmap is scaled by the (row, col) spacing, so a frame whose
rows and columns differ in spacing is not shown squashed. Overlays sit in layers whose
coordinates are the frame's pixels (pixel centres at integers), as the detector reports them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt, QTimer
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPixmap, QResizeEvent, QTransform
from PyQt6.QtWidgets import QFrame, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from vesselscope.frame import Frame
from vesselscope.gui import annotation_edits
from vesselscope.gui.annotation_items import draw_annotations
from vesselscope.gui.caliper_items import draw_calipers
from vesselscope.gui.hud import badges, display_state, hud_lines, stale_notice
from vesselscope.gui.overlay_items import Layer, draw_result, text_scale
from vesselscope.gui.ruler import draw_depth_ruler, draw_hud, draw_notice
from vesselscope.gui.state import ViewerState
from vesselscope.gui.theme import STATE_COLOURS
from vesselscope.gui.tools import DrawingTool
from vesselscope.gui.zoom_pan import ZoomPanView
from vesselscope.sources.color import to_uint8

RESULT_KEYS = {"result", "show_vessels", "show_rejected", "show_track_ids"}
# A live stream's last image, and what was drawn on it, once no new image comes: dimmed, so that
# it cannot pass for live at a glance (a corner badge alone was small on a large monitor).
STALE_OPACITY = 0.4


class ImageView(ZoomPanView):
    def __init__(
        self,
        state: ViewerState,
        freeze: Callable[[], None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.freeze = freeze  # freezes a live stream, for a measurement on its image
        self.setScene(QGraphicsScene(self))
        self.setBackgroundBrush(QColor("black"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        # The ruler and HUD are painted in screen space: the whole viewport must repaint.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.image = QGraphicsPixmapItem()
        self.image.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.image)
        self.pixels = Layer(self.image)
        self.pixels.setPos(0.5, 0.5)  # pixel (0, 0) covers [0, 1): its centre is at 0.5
        self.results, self.annotations, self.calipers, self.preview = (
            Layer(self.pixels) for _ in range(4)
        )
        self.tool = DrawingTool(self)
        self._geometry: tuple | None = None  # (shape, spacing) now on screen
        # when the newest frame of a stream came (stepping through a frozen cine is no new one),
        # its index, and whether the view waits for a newer one since the stream went stale
        self._frame_at = time.monotonic()
        self._newest = -1
        self._waiting = False
        self._stale_clock = QTimer(self)  # counts the seconds said over a stale image
        self._stale_clock.setInterval(1000)
        self._stale_clock.timeout.connect(self.viewport().update)
        self.set_pan_mode(True)
        state.subscribe(self._changed)

    # -- binding to the state ------------------------------------------------------------------
    def _changed(self, name: str) -> None:
        if name == "source":
            self._newest, self._waiting = -1, False
        if name == "frame":
            frame = self.state.frame
            if frame is not None and frame.index > self._newest:
                self._newest, self._frame_at, self._waiting = frame.index, time.monotonic(), False
            self._show_frame(frame)
            self._draw_result()
            self._draw_annotations()
            self._draw_calipers()
        elif name in RESULT_KEYS:
            self._draw_result()
        elif name == "calipers":
            self._draw_calipers()
        elif name in ("annotations", "selection", "tool", "source"):
            self._draw_annotations()
        if name == "tool":
            self.set_pan_mode(self.state.tool == "pan")
        stale = bool(self._stale_notice())
        self._waiting = self._waiting or stale  # until a newer frame than the one stale now
        self.image.setOpacity(STALE_OPACITY if stale else 1.0)  # its overlays are its children
        if stale != self._stale_clock.isActive():
            (self._stale_clock.start if stale else self._stale_clock.stop)()
        self.viewport().update()  # the HUD may show any field

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        scale = text_scale(self.viewport().height())
        if scale != self.results.text_scale:  # labels are made at their size: make them again
            for layer in (self.results, self.calipers, self.preview):
                layer.text_scale = scale
            self._draw_result()
            self._draw_calipers()

    def _stale_notice(self) -> str:
        return stale_notice(self.state, time.monotonic() - self._frame_at, self._waiting)

    def _show_frame(self, frame: Frame | None) -> None:
        if frame is None:
            self.image.setPixmap(QPixmap())
            return
        self.image.setPixmap(QPixmap.fromImage(qimage_of(frame)))
        geometry = (frame.shape, frame.spacing_mm)
        if geometry != self._geometry:
            self._geometry = geometry
            row, col = frame.spacing_mm or (1.0, 1.0)
            self.image.setTransform(QTransform.fromScale(col, row))
            self.scene().setSceneRect(self.image.sceneBoundingRect())
            self.fit()

    def _draw_result(self) -> None:
        self.results.clear()
        s = self.state
        if s.result is not None:
            draw_result(
                self.results,
                s.result,
                vessels=s.show_vessels,
                rejected=s.show_rejected,
                track_ids=s.show_track_ids,
            )

    def _draw_calipers(self) -> None:
        """Those taken on the frame shown: over another frame (played on, a new depth of a
        stream) a reading would measure what is no longer under it."""
        self.calipers.clear()
        frame = self.state.frame
        if frame is not None:
            draw_calipers(self.calipers, self.state.calipers, frame.index, frame.shape[1])

    def _draw_annotations(self) -> None:
        self.annotations.clear()
        editing = self.state.tool == "annotate"
        on_edit = (
            (lambda n, e: annotation_edits.change_ellipse(self.state, n, e)) if editing else None
        )
        items = draw_annotations(
            self.annotations,
            annotation_edits.current_ellipses(self.state),
            on_edit,
            self.state.selection,
            (lambda n: setattr(self.state, "selection", n)) if editing else None,
        )
        for item in items:
            item.setAcceptedMouseButtons(
                Qt.MouseButton.LeftButton if editing else Qt.MouseButton.NoButton
            )

    # -- tools first, then zoom and pan --------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.MiddleButton or not self.tool.press(event):
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self.tool.move(event):
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.MiddleButton or not self.tool.release(event):
            super().mouseReleaseEvent(event)

    # -- screen-space painting -----------------------------------------------------------------
    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        blank = self.image.pixmap().isNull()
        # a stream with no image yet still says why it is black (hud_lines)
        if blank and not (self.state.source is not None and self.state.source.live):
            return
        painter.save()
        painter.resetTransform()
        bounds = QRectF(self.viewport().rect())
        scale, badges_right = self.results.text_scale, None
        if not blank:
            image = self.mapFromScene(self.image.sceneBoundingRect()).boundingRect().toRectF()
            frame = self.state.frame
            row = frame.spacing_mm[0] if frame is not None and frame.spacing_mm else None
            depth = self.image.sceneBoundingRect().height()
            ruler = draw_depth_ruler(
                painter,
                image,
                depth,
                "mm" if row else "px",
                lambda d: self.mapFromScene(QPointF(0, d)).y(),
                bounds,
                scale,
            )
            if ruler is not None and image.top() < bounds.top() + 40 * scale:
                # the badges end left of the ruler, whose "0 mm" at the top they covered
                badges_right = ruler - 8
            if notice := self._stale_notice():
                colour = STATE_COLOURS[display_state(self.state)]
                draw_notice(painter, image.intersected(bounds), notice, colour)
        shown_badges = [] if blank else badges(self.state)
        draw_hud(painter, bounds, hud_lines(self.state), shown_badges, scale, badges_right)
        painter.restore()


def qimage_of(frame: Frame) -> QImage:
    """The frame as a QImage that owns its pixels (the original colour when there is one)."""
    if frame.color is not None:
        rgb = np.ascontiguousarray(frame.color)
        rows, cols, _ = rgb.shape
        return QImage(rgb.data, cols, rows, rgb.strides[0], QImage.Format.Format_RGB888).copy()
    grey = np.ascontiguousarray(to_uint8(frame.pixels))
    rows, cols = grey.shape
    return QImage(grey.data, cols, rows, grey.strides[0], QImage.Format.Format_Grayscale8).copy()
