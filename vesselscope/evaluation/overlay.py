"""Draw detections (and truth) over a frame with OpenCV: annotated video and report images."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from vesselscope.detection.results import FrameResult, Vessel
from vesselscope.frame import Frame
from vesselscope.sources.color import to_uint8
from vesselscope.tracking.artery_vein import SURE_CONFIDENCE

# RGB. Artery red and vein blue, as ultrasound users expect; unknown amber; truth green.
COLOURS = {"artery": (235, 60, 50), "vein": (60, 120, 255), "unknown": (255, 190, 40)}
TRUTH_COLOUR = (60, 220, 90)
REJECTED_COLOUR = (120, 120, 120)
_SHIFT = 4  # fixed-point bits for sub-pixel drawing
# An outline the classifier did not confirm in this frame (held by its edges or predicted)
# is drawn thinner and says so instead of showing an older frame's score.
STATE_TEXT = {"followed": "(edges)", "predicted": "(predicted)"}
LABEL_NAMES = {"artery": "Artery", "vein": "Vein", "unknown": "Vessel"}


@dataclass(frozen=True)
class OverlayLayers:
    """Which layers of a result are drawn: the viewer's toggles, so that an export shows what
    the screen shows (replay and reports draw the defaults)."""

    vessels: bool = True
    rejected: bool = False
    track_ids: bool = True


def render_overlay(
    frame: Frame,
    result: FrameResult | None,
    *,
    truth: list | None = None,
    layers: OverlayLayers = OverlayLayers(),  # noqa: B008 - frozen, so one shared default is safe
) -> np.ndarray:
    """An RGB uint8 image of the frame with the result drawn on it."""
    image = frame.color.copy() if frame.color is not None else _grey_rgb(frame.pixels)
    thickness = max(1, round(min(image.shape[:2]) / 300))
    for ellipse in filter(_drawable, truth or []):
        _ellipse(image, ellipse, TRUTH_COLOUR, thickness, dashed=True)
    if result is None:
        return image
    if layers.rejected:
        for candidate in filter(_drawable, result.rejected):
            _ellipse(image, candidate, REJECTED_COLOUR, 1)
    taken: list[tuple[int, int, int, int]] = []  # the labels' boxes so far
    for vessel in filter(_drawable, result.vessels if layers.vessels else ()):
        colour = COLOURS[colour_label(vessel)]
        _ellipse(image, vessel, colour, thickness + (vessel.state == "detected"))
        _label(image, vessel_text(vessel, layers.track_ids), vessel, colour, taken)
    return image


def square_pixels(image: np.ndarray, spacing_mm: tuple | None) -> tuple[np.ndarray, tuple | None]:
    """The image resampled so that its pixels are square in mm (at the finer of the two
    spacings), with that spacing: an export shows a round vessel round, as the viewer does."""
    if spacing_mm is None or abs(spacing_mm[0] - spacing_mm[1]) <= 0.01 * min(spacing_mm):
        return image, spacing_mm
    finest = min(spacing_mm)
    rows = round(image.shape[0] * spacing_mm[0] / finest)
    cols = round(image.shape[1] * spacing_mm[1] / finest)
    return cv2.resize(image, (cols, rows), interpolation=cv2.INTER_LINEAR), (finest, finest)


def colour_label(vessel: Vessel) -> str:
    """The label a vessel is coloured by: its own when sure (SURE_CONFIDENCE), else "unknown"
    (amber). Coloured red or blue, "Vein?" on a label of confidence 0.4 still read as a vein,
    and 3-7% of such labels were wrong on simulated cines."""
    return vessel.label if vessel.label_confidence >= SURE_CONFIDENCE else "unknown"


def vessel_text(vessel: Vessel, track_ids: bool) -> str:
    """A vessel's label, as on screen: "#3 Artery 0.93", "Vein (edges)", or "Vessel (vein?)
    0.93" for a label given with less than SURE_CONFIDENCE."""
    shown = colour_label(vessel)
    name = LABEL_NAMES[shown] + ("" if shown == vessel.label else f" ({vessel.label}?)")
    text = f"{name} {evidence(vessel)}"
    return f"#{vessel.track_id} {text}" if track_ids and vessel.track_id is not None else text


def evidence(vessel: Vessel) -> str:
    """The score that accepted the vessel in this frame, the score under the threshold that
    kept it ("0.56 (kept)"), or what holds it without one."""
    if vessel.state == "kept":
        return f"{vessel.score:.2f} (kept)"
    return STATE_TEXT.get(vessel.state, f"{vessel.score:.2f}")


def _grey_rgb(pixels: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(to_uint8(pixels), cv2.COLOR_GRAY2RGB)


# An outline this far off (pixels) is nowhere near the image, and past it OpenCV's fixed-point
# coordinates overflow: an export failed on a track predicted over a long gap in a stream.
_FAR_PX = 1e6


def _drawable(e: object) -> bool:
    return all(math.isfinite(v) and abs(v) < _FAR_PX for v in (e.cx, e.cy, e.a, e.b, e.angle_deg))


def _ellipse(image: np.ndarray, e: object, colour: tuple, thickness: int, dashed: bool = False):
    scale = 1 << _SHIFT
    centre = (round(e.cx * scale), round(e.cy * scale))
    axes = (max(round(e.a * scale), 1), max(round(e.b * scale), 1))
    if not dashed:
        cv2.ellipse(
            image, centre, axes, e.angle_deg, 0, 360, colour, thickness, cv2.LINE_AA, _SHIFT
        )
        return
    for start in range(0, 360, 20):  # dashes: truth must not hide the detection drawn over it
        cv2.ellipse(
            image,
            centre,
            axes,
            e.angle_deg,
            start,
            start + 10,
            colour,
            thickness,
            cv2.LINE_AA,
            _SHIFT,
        )


def _label_place(
    shape: tuple[int, int],
    size: tuple[int, int],
    vessel: Vessel,
    taken: list[tuple[int, int, int, int]],
) -> tuple[int, int]:
    """Where a label of `size` (width, height) starts (x, baseline y): beside the outline, never
    cut off by the image's edge, and moved down past the labels already drawn that it would
    cover (two vessels side by side wrote over each other)."""
    rows, cols = shape
    width, height = size
    x = min(max(int(vessel.cx + vessel.a * 0.7), 0), cols - width)
    y = min(max(int(vessel.cy - vessel.b * 0.7), height), rows - 2)
    for _ in range(len(taken)):  # each move clears one label; more moves find nothing new
        hit = next((box for box in taken if _overlaps((x, y - height, width, height), box)), None)
        if hit is None:
            break
        y = min(hit[1] + hit[3] + height + 1, rows - 2)
    return x, y


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether boxes (x, y, width, height) overlap."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _label(
    image: np.ndarray,
    text: str,
    vessel: Vessel,
    colour: tuple,
    taken: list[tuple[int, int, int, int]],
) -> None:
    # about 13 px tall on a 512 px frame, readable at the size the image is saved
    scale = max(0.4, min(image.shape[:2]) / 900)
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    width, height = width + 1, height + 1  # the outline's pixel around it
    x, y = _label_place(image.shape[:2], (width, height), vessel, taken)
    taken.append((x, y - height, width, height + 2))
    origin = (x, y)
    # A dark outline keeps it legible over bright tissue: the text itself shifted by a pixel
    # each way. Drawn thicker instead, its letters were spaced wider than the coloured ones,
    # and "1.00" read "1.000".
    font, line = cv2.FONT_HERSHEY_SIMPLEX, cv2.LINE_AA
    for dx, dy in ((-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)):
        cv2.putText(image, text, (x + dx, y + dy), font, scale, (0, 0, 0), 1, line)
    cv2.putText(image, text, origin, font, scale, colour, 1, line)
