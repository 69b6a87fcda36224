"""Bridges: one ellipse laid over two neighbouring vessels is not a third vessel.

Beside the carotid, the jugular's and the artery's outlines together fit one long ellipse across
both, and the classifier may accept it. Two candidates inside it, one per vessel, give it away
when a bright septum (the two walls where the vessels touch) separates their lumens; two partial
fits inside one lumen have dark lumen between them instead, and then the large ellipse is the
whole vessel and stays.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from vesselscope.candidates.tables import outline
from vesselscope.detection.results import Vessel

# A septum: the brightest point between the two lumens is at least halfway from their darkness
# to the brightness just outside the large ellipse (its wall).
SEPTUM_CONTRAST = 0.5
# The two inner candidates must each be a vessel of their own size, not a sliver.
MAX_INNER_AREA = 0.6  # of the bridge's
WALL_MM = 0.4  # how far outside the large ellipse its wall is read (the presets' wall_mm)
SMOOTHING_MM = 0.1  # speckle smoothing before the septum's brightness is read


def drop_bridges(
    pixels: np.ndarray, accepted: list[Vessel], scored: list[Vessel]
) -> tuple[list[Vessel], list[Vessel]]:
    """(kept, bridges): accepted detections that span two vessels separated by a septum."""
    found = {id(v): _separate_pairs_inside(v, scored) for v in accepted}
    if not any(found.values()):
        return accepted, []
    sigma = SMOOTHING_MM / float(np.mean(accepted[0].spacing_mm))
    image = cv2.GaussianBlur(pixels.astype(np.float32), (0, 0), max(sigma, 0.5))
    kept, bridges = [], []
    for vessel in accepted:
        (bridges if _spans_a_septum(image, vessel, found[id(vessel)]) else kept).append(vessel)
    return kept, bridges


def _spans_a_septum(image: np.ndarray, vessel: Vessel, pairs: list[tuple[Vessel, Vessel]]) -> bool:
    if not pairs:
        return False
    wall = _ring_mean(image, vessel, WALL_MM / float(np.mean(vessel.spacing_mm)))
    return any(septum_contrast(image, p, q, wall) >= SEPTUM_CONTRAST for p, q in pairs)


def _separate_pairs_inside(vessel: Vessel, scored: list[Vessel]) -> list[tuple[Vessel, Vessel]]:
    """Pairs of smaller candidates, neither inside the other, both centred inside `vessel`."""
    inner = [
        v
        for v in scored
        if v is not vessel
        and vessel.contains(v.cx, v.cy)
        and v.a * v.b <= MAX_INNER_AREA * vessel.a * vessel.b
    ]
    return [(p, q) for p, q in itertools.combinations(inner, 2) if _separate(p, q)]


def _separate(p: Vessel, q: Vessel) -> bool:
    return not p.contains(q.cx, q.cy) and not q.contains(p.cx, p.cy)


def septum_contrast(image: np.ndarray, p: Vessel, q: Vessel, wall: float) -> float:
    """How far the brightest point on the line between p's and q's centres rises from the
    lumens (read at those centres) towards `wall`: 0 at lumen level, 1 as bright as the wall."""
    length = int(np.ceil(np.hypot(q.cx - p.cx, q.cy - p.cy))) + 1
    t = np.linspace(0.0, 1.0, max(length, 2))
    line = _sample(image, p.cx + t * (q.cx - p.cx), p.cy + t * (q.cy - p.cy))
    lumens = 0.5 * (float(line[0]) + float(line[-1]))
    if wall <= lumens:
        return 0.0
    return (float(line.max()) - lumens) / (wall - lumens)


def _ring_mean(image: np.ndarray, vessel: Vessel, out_px: float) -> float:
    """Mean intensity on the outline of `vessel` pushed `out_px` outwards."""
    x, y, _, _ = outline(vessel.a + out_px, vessel.b + out_px, vessel.angle_deg, 64)
    return float(_sample(image, vessel.cx + x, vessel.cy + y).mean())


def _sample(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    cols = np.clip(np.rint(xs).astype(int), 0, image.shape[1] - 1)
    rows = np.clip(np.rint(ys).astype(int), 0, image.shape[0] - 1)
    return image[rows, cols]
