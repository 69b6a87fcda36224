"""NumPy reference of opencl/pyramid.cl and opencl/gradient.cl: binning, smoothing, gradient.

Written for reading, and in the kernels' order of float32 operations, so that the two agree to
rounding (the tests compare them).

Dead pixels. Many scanners leave black borders around the image area; the step from tissue to
black would look like the wall of a huge lumen. So every image travels with a "live" plane
(1 where the pixel is >= DEAD_LEVEL), smoothing is normalised by the smoothed live plane (dead
pixels neither darken nor brighten their neighbours), and the gradient is zero wherever a
difference would reach into mostly dead ground.
"""

from __future__ import annotations

import numpy as np

DEAD_LEVEL = 0.5  # below this a pixel is outside the scanner's image area
LIVE_ENOUGH = 0.5  # smoothed live share needed for a value, a gradient or a centre to count


def live_image(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pixels with dead ones zeroed, live plane), both float32: the input of the pyramid."""
    live = (image >= np.float32(DEAD_LEVEL)).astype(np.float32)
    return image * live, live


def bin_image(image: np.ndarray, bin_rows: int, bin_cols: int) -> np.ndarray:
    """Mean of each bin_rows x bin_cols block (float32); a partial block at the end is dropped."""
    rows, cols = image.shape[0] // bin_rows, image.shape[1] // bin_cols
    blocks = image[: rows * bin_rows, : cols * bin_cols].reshape(rows, bin_rows, cols, bin_cols)
    total = np.zeros((rows, cols), np.float32)
    for i in range(bin_rows):  # the kernel's summation order
        for j in range(bin_cols):
            total = total + blocks[:, i, :, j]
    return total * np.float32(1.0 / (bin_rows * bin_cols))


def smooth(image: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Separable convolution with `taps` (odd length), rows first, edges clamped."""
    radius = len(taps) // 2
    rows, cols = image.shape
    padded = np.pad(image, ((0, 0), (radius, radius)), mode="edge")
    across = np.zeros_like(image)
    for t, weight in enumerate(taps):
        across = across + weight * padded[:, t : t + cols]
    padded = np.pad(across, ((radius, radius), (0, 0)), mode="edge")
    down = np.zeros_like(image)
    for t, weight in enumerate(taps):
        down = down + weight * padded[t : t + rows, :]
    return down


def gradient_images(
    values: np.ndarray,
    live: np.ndarray,
    taps: np.ndarray,
    gain: float,
    pad: int,
    cols_padded: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Padded (intensity, gx, gy, live) of one level from its binned values and live plane.

    intensity: normalised smoothing, edges replicated into the padding. gx, gy: central
    differences times `gain` (a smoothed step reads as its height), zero outside the image and
    next to dead ground. live: the binned live share, zero outside (centres need LIVE_ENOUGH).
    Output shape: (pad + rows + pad, pad + cols_padded + pad).
    """
    rows, cols = values.shape
    weight = smooth(live, taps)
    ok = weight >= np.float32(LIVE_ENOUGH)
    smoothed = np.where(ok, smooth(values, taps) / np.where(ok, weight, np.float32(1)), 0)
    smoothed = smoothed.astype(np.float32)
    clamped = np.pad(smoothed, 1, mode="edge")
    usable = np.pad(ok, 1, mode="edge")
    gain32 = np.float32(gain)
    gx = (clamped[1:-1, 2:] - clamped[1:-1, :-2]) * gain32
    gy = (clamped[2:, 1:-1] - clamped[:-2, 1:-1]) * gain32
    gx = np.where(usable[1:-1, 2:] & usable[1:-1, :-2], gx, np.float32(0))
    gy = np.where(usable[2:, 1:-1] & usable[:-2, 1:-1], gy, np.float32(0))
    widths = ((pad, pad), (pad, pad + cols_padded - cols))
    return (
        np.pad(smoothed, widths, mode="edge"),
        np.pad(gx, widths),
        np.pad(gy, widths),
        np.pad(live, widths),
    )
