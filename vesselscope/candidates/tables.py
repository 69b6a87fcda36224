"""Ellipse outline samples as integer offset tables: the layout that makes the search fast.

Every centre of a level tests the same shapes, so the sample positions relative to the centre
are the same everywhere: computed once per (level, shape) and rounded to whole pixels, they
become plain loads at `centre + offset` from an edge-padded image, with no interpolation and no
bounds checks in the kernel (measured on PoCL: ~10x faster than bilinear reads with clamping).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def outline(
    a: float, b: float, angle_deg: float, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y of n points evenly spaced in the ellipse parameter, and the outward unit normals.

    Angle as cv2.ellipse: semi-axis `a` points along angle_deg from +x towards +y (down).
    """
    t = 2.0 * np.pi * np.arange(n) / n
    cos_t, sin_t = np.cos(t), np.sin(t)
    cos_a, sin_a = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    x = a * cos_t * cos_a - b * sin_t * sin_a
    y = a * cos_t * sin_a + b * sin_t * cos_a
    # gradient of the implicit equation (u/a)^2 + (v/b)^2 = 1, rotated back to x, y
    nu, nv = cos_t / a, sin_t / b
    nx = nu * cos_a - nv * sin_a
    ny = nu * sin_a + nv * cos_a
    norm = np.hypot(nx, ny)
    return x, y, nx / norm, ny / norm


@dataclass(frozen=True)
class ShapeTables:
    """Sample tables of K shapes with N samples each, relative to the centre, in level pixels."""

    shapes: np.ndarray  # (K, 3) float64: a, b, angle_deg in level px
    dy: np.ndarray  # (K, N) int32 outline offsets
    dx: np.ndarray
    nx: np.ndarray  # (K, N) float32 outward unit normals
    ny: np.ndarray
    out_dy: np.ndarray  # (K, N) int32: ring just outside the wall
    out_dx: np.ndarray
    in_dy: np.ndarray  # (K, N) int32: ring inside the lumen (half size)
    in_dx: np.ndarray

    @property
    def count(self) -> int:
        return int(self.shapes.shape[0])

    @property
    def samples(self) -> int:
        return int(self.dy.shape[1])

    @property
    def reach(self) -> int:
        """Largest |offset| in any table: how much padding the images need."""
        rings = (self.dy, self.dx, self.out_dy, self.out_dx, self.in_dy, self.in_dx)
        return int(max(np.abs(r).max() for r in rings))

    def outline_reach(self) -> np.ndarray:
        """(K,) int32: each shape's largest outline offset along rows or columns."""
        return np.maximum(np.abs(self.dy), np.abs(self.dx)).max(axis=1).astype(np.int32)

    def beyond_edges(self) -> np.ndarray:
        """(K, 4, reach + 1) int32: for each shape, how many outline samples lie past an edge
        to the left, right, top and bottom that is m pixels from the centre (m = 0..reach)."""
        m = np.arange(self.outline_reach().max() + 1)[None, None, :]
        dx, dy = self.dx[:, :, None], self.dy[:, :, None]
        sides = (dx < -m, dx > m, dy < -m, dy > m)
        return np.ascontiguousarray(np.stack([s.sum(axis=1) for s in sides], axis=1), np.int32)

    def steps(self) -> np.ndarray:
        """(K, N, 2) int32 outline offsets (dx, dy): the layout of an int2 table."""
        return np.ascontiguousarray(np.stack([self.dx, self.dy], axis=-1).astype(np.int32))

    def flat_offsets(self, which: str, stride: int) -> np.ndarray:
        """Offsets into a row-major image of row length `stride` ("outline", "out", "in")."""
        dy, dx = {
            "outline": (self.dy, self.dx),
            "out": (self.out_dy, self.out_dx),
            "in": (self.in_dy, self.in_dx),
        }[which]
        return np.ascontiguousarray((dy * stride + dx).astype(np.int32))

    def normals(self) -> np.ndarray:
        """(K, N, 2) float32: the layout of a float2 table."""
        return np.ascontiguousarray(np.stack([self.nx, self.ny], axis=-1).astype(np.float32))


def build_tables(shapes: np.ndarray, samples: int, wall_px: float) -> ShapeTables:
    """Tables for `shapes` (K, 3: a, b, angle_deg in level px); the wall ring sits wall_px out."""
    keys = ("dy", "dx", "nx", "ny", "oy", "ox", "iy", "ix")
    rings: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    for a, b, angle in shapes:
        x, y, nx, ny = outline(a, b, angle, samples)
        ox, oy, _, _ = outline(a + wall_px, b + wall_px, angle, samples)
        ix, iy, _, _ = outline(a / 2, b / 2, angle, samples)
        for key, value in (("dy", y), ("dx", x), ("oy", oy), ("ox", ox), ("iy", iy), ("ix", ix)):
            rings[key].append(np.rint(value).astype(np.int32))
        rings["nx"].append(nx.astype(np.float32))
        rings["ny"].append(ny.astype(np.float32))
    table = {k: np.stack(v) for k, v in rings.items()}
    return ShapeTables(
        shapes=np.asarray(shapes, dtype=np.float64),
        dy=table["dy"],
        dx=table["dx"],
        nx=table["nx"],
        ny=table["ny"],
        out_dy=table["oy"],
        out_dx=table["ox"],
        in_dy=table["iy"],
        in_dx=table["ix"],
    )
