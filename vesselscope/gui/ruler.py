"""What the image view paints over the scene in screen pixels: the depth ruler and the HUD.

The depth ruler runs down the right edge of the image, as on a scanner, in millimetres from the
top of the image (the skin line). Its tick step adapts to the zoom so that labels never crowd.
The HUD shows, in the image's corners, what must never be missed: frozen, recording, stalled.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

RULER_STEPS_MM = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
MIN_LABEL_GAP_PX = 36
RULER_COLOUR = QColor(215, 220, 225)


def tick_steps(pixels_per_mm: float, scale: float = 1.0) -> tuple[float, float]:
    """(major, minor) tick spacing in mm for a ruler drawn at `pixels_per_mm`, its text `scale`
    times its base size."""
    gap = MIN_LABEL_GAP_PX * scale
    major = next((s for s in RULER_STEPS_MM if s * pixels_per_mm >= gap), 1000.0)
    minor = major / 5 if major / 5 * pixels_per_mm >= 6 else major / 2
    return major, minor


def draw_depth_ruler(
    painter: QPainter,
    image: QRectF,
    depth: float,
    unit: str,
    to_screen_y: Callable[[float], float],
    bounds: QRectF,
    scale: float = 1.0,
) -> float | None:
    """A vertical ruler beside `image` (screen rect) for depths 0..`depth` in `unit`, its text
    `scale` times its base size; the x of its line (None when nothing was drawn)."""
    if depth <= 0 or image.height() <= 0:
        return None
    x = min(image.right() + 6, bounds.right() - 46 * scale)  # room for the "0 mm" label
    major, minor = tick_steps(image.height() / depth, scale)
    painter.setPen(QPen(RULER_COLOUR, 1))
    painter.setFont(QFont("DejaVu Sans", round(8 * scale)))
    top, bottom = max(image.top(), bounds.top()), min(image.bottom(), bounds.bottom())
    painter.drawLine(QPointF(x, top), QPointF(x, bottom))
    count = int(depth / minor + 1e-6)
    labelled = False
    for n in range(count + 1):
        value = n * minor
        y = to_screen_y(value)
        if not top - 0.5 <= y <= bottom + 0.5:
            continue
        is_major = abs(value / major - round(value / major)) < 1e-6
        painter.drawLine(QPointF(x, y), QPointF(x + (9 if is_major else 4), y))
        if is_major:
            # The first label visible carries the unit, wherever the zoom puts it.
            text = f"{value:g}" if labelled else f"{value:g} {unit}"
            painter.drawText(QPointF(x + 12, y + 4), text)
            labelled = True
    return x


def draw_hud(
    painter: QPainter,
    bounds: QRectF,
    lines: list[str],
    badges: list[tuple],
    scale: float = 1.0,
    badges_right: float | None = None,
) -> None:
    """Text lines at the top left; (text, colour) badges at the top right, most urgent first,
    ending at `badges_right` when given; text `scale` times its base size."""
    font = QFont("DejaVu Sans", round(9 * scale))
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    y = bounds.top() + 8
    for line in lines:
        y += metrics.height()
        painter.setPen(QColor(0, 0, 0, 200))  # a shadow keeps it legible over bright tissue
        painter.drawText(QPointF(bounds.left() + 11, y + 1), line)
        painter.setPen(QColor(220, 225, 230))
        painter.drawText(QPointF(bounds.left() + 10, y), line)
    bold = QFont("DejaVu Sans", round(10 * scale), QFont.Weight.Bold)
    painter.setFont(bold)
    metrics = QFontMetricsF(bold)
    right = bounds.right() - 10
    if badges_right is not None:
        right = min(right, badges_right)
    for text, colour in badges:
        width = metrics.horizontalAdvance(text) + 16
        box = QRectF(right - width, bounds.top() + 10, width, metrics.height() + 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        right -= width + 8


def draw_notice(painter: QPainter, area: QRectF, text: str, colour: str) -> None:
    """`text` large in a dark box across the middle of `area` (the image on screen)."""
    font = QFont("DejaVu Sans", max(11, min(22, round(area.width() / 40))), QFont.Weight.Bold)
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    width = min(metrics.horizontalAdvance(text) + 32, area.width())
    height = metrics.height() + 16
    box = QRectF(area.center().x() - width / 2, area.center().y() - height / 2, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 190))
    painter.drawRoundedRect(box, 6, 6)
    painter.setPen(QColor(colour))
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
