"""Ellipses of the expert's outlines: extra real crops beside the candidate search's.

The search finds about one real vessel per usgra-seg image, too few positives to learn from; and
nerves, the closest look-alikes in these images, are worth showing on purpose. So every outlined
vessel and nerve region also gives crops centred on the ellipse of the same second moments,
exactly and with a few jittered copies (centre, size, shape), labelled by the same overlap rule as
the candidates. They are training material only: cross-validation scores candidate crops alone.
"""

from __future__ import annotations

import math

import numpy as np
from vesselscope.annotations import EllipseAnnotation

MIN_REGION_PX = 20  # smaller specks are annotation noise, not structures


def region_ellipses(regions: np.ndarray) -> list[EllipseAnnotation]:
    """One ellipse per labelled region (1..N) with the region's centroid and second moments."""
    ellipses = []
    for number in range(1, int(regions.max(initial=0)) + 1):
        rows, cols = np.nonzero(regions == number)
        if len(rows) < MIN_REGION_PX:
            continue
        covariance = np.cov(np.stack([cols, rows]).astype(np.float64))
        values, vectors = np.linalg.eigh(covariance)  # ascending
        # A filled ellipse of semi-axis s has variance s^2 / 4 along that axis.
        a, b = (2.0 * math.sqrt(max(v, 0.25)) for v in values[::-1])
        angle = math.degrees(math.atan2(vectors[1, 1], vectors[0, 1]))
        ellipses.append(EllipseAnnotation(float(cols.mean()), float(rows.mean()), a, b, angle))
    return ellipses


def jittered(
    ellipse: EllipseAnnotation, rng: np.random.Generator, copies: int
) -> list[EllipseAnnotation]:
    """`ellipse` and `copies` variants: centre moved up to 15% of b, axes scaled 0.85-1.15."""
    variants = [ellipse]
    for _ in range(copies):
        dx, dy = rng.uniform(-0.15, 0.15, 2) * ellipse.b
        sa, sb = rng.uniform(0.85, 1.15, 2)
        variants.append(
            EllipseAnnotation(
                ellipse.cx + dx,
                ellipse.cy + dy,
                ellipse.a * sa,
                ellipse.b * sb,
                ellipse.angle_deg + float(rng.uniform(-10, 10)),
            )
        )
    return variants
