"""Simple image statistics to compare simulated frames with real B-mode images.

The same three measures run on both: the grey-level histogram of the image area, the speckle
size (autocorrelation FWHM in pixels, axial and lateral) and the vessel contrast (mean lumen
against a band of tissue around it). `python -m vesselscope.simulator.compare DATA` prints the
table used in docs/simulator.md; DATA is a folder laid out like usgra-seg (images/, masks/).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PATCH = 64  # speckle patches, px: several speckles across, small enough to be homogeneous
BAND_PX = 6  # width of the tissue band around a lumen for the contrast measure
# usgra-seg masks are palette PNGs with the VOC colours; OpenCV decodes them to BGR.
VESSEL_BGR = (0, 128, 0)


@dataclass(frozen=True)
class ImageStats:
    mean: float
    std: float
    p5: float
    p50: float
    p95: float
    dark_fraction: float  # share of the image area below grey 16
    speckle_axial_px: float
    speckle_lateral_px: float
    lumen_mean: float  # nan when the image has no vessel
    band_mean: float
    contrast: float  # (band - lumen) / band, the candidate search's wall test


def image_area(image: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns inside the scanner's image area (real images carry black borders)."""
    live = image > 4
    rows = np.flatnonzero(live.mean(axis=1) > 0.05)
    cols = np.flatnonzero(live.mean(axis=0) > 0.05)
    if rows.size == 0 or cols.size == 0:
        return slice(0, image.shape[0]), slice(0, image.shape[1])
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _half_width(profile: np.ndarray) -> float:
    """Lag (px, interpolated) where a normalised autocorrelation profile first drops to 0.5."""
    below = np.flatnonzero(profile < 0.5)
    if below.size == 0:
        return float(profile.size)
    k = below[0]
    return float(k - 1 + (profile[k - 1] - 0.5) / (profile[k - 1] - profile[k]))


def speckle_size(image: np.ndarray, exclude: np.ndarray | None = None) -> tuple[float, float]:
    """Median autocorrelation FWHM (axial, lateral) in px over patches of textured tissue.

    Patches that are dark (noise floor, shadow, lumen) or touch `exclude` are skipped, so the
    measure describes tissue speckle rather than anatomy.
    """
    values = image.astype(np.float32)
    axial, lateral = [], []
    for r in range(0, values.shape[0] - PATCH + 1, PATCH // 2):
        for c in range(0, values.shape[1] - PATCH + 1, PATCH // 2):
            patch = values[r : r + PATCH, c : c + PATCH]
            if patch.mean() < 25 or (
                exclude is not None and exclude[r : r + PATCH, c : c + PATCH].any()
            ):
                continue
            centred = patch - patch.mean()
            spectrum = np.fft.fft2(centred, s=(2 * PATCH, 2 * PATCH))
            corr = np.fft.ifft2(np.abs(spectrum) ** 2).real
            corr /= corr[0, 0]
            axial.append(2 * _half_width(corr[:PATCH, 0]))
            lateral.append(2 * _half_width(corr[0, :PATCH]))
    if not axial:
        return float("nan"), float("nan")
    return float(np.median(axial)), float(np.median(lateral))


def vessel_contrast(image: np.ndarray, vessels: np.ndarray) -> tuple[float, float]:
    """Mean grey of the lumens (eroded 2 px off the edge) and of a BAND_PX ring around them."""
    mask = vessels.astype(np.uint8)
    if not mask.any():
        return float("nan"), float("nan")
    lumen = cv2.erode(mask, np.ones((5, 5), np.uint8)).astype(bool)
    near = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    far = cv2.dilate(mask, np.ones((2 * BAND_PX + 3,) * 2, np.uint8))
    band = (far > near) & (image > 0)  # not the black border
    lumen = lumen if lumen.any() else mask.astype(bool)
    return float(image[lumen].mean()), float(image[band].mean())


def image_stats(image: np.ndarray, vessels: np.ndarray | None = None) -> ImageStats:
    """Statistics of one 8-bit B-mode image; `vessels` is a boolean lumen mask or None."""
    rows, cols = image_area(image)
    area = image[rows, cols]
    inside = vessels[rows, cols] if vessels is not None else None
    axial, lateral = speckle_size(area, exclude=inside)
    lumen, band = vessel_contrast(area, inside) if inside is not None else (np.nan, np.nan)
    p5, p50, p95 = np.percentile(area, [5, 50, 95])
    return ImageStats(
        mean=float(area.mean()),
        std=float(area.std()),
        p5=float(p5),
        p50=float(p50),
        p95=float(p95),
        dark_fraction=float((area < 16).mean()),
        speckle_axial_px=axial,
        speckle_lateral_px=lateral,
        lumen_mean=lumen,
        band_mean=band,
        contrast=(band - lumen) / band if band > 0 else float("nan"),
    )


def load_labelled(folder: Path, every: int = 1):
    """Yield (grey image, vessel mask) pairs from a usgra-seg style folder (every n-th)."""
    for path in sorted((folder / "images").glob("*.png"))[::every]:
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        mask = cv2.imread(str(folder / "masks" / path.name), cv2.IMREAD_COLOR)
        if image is None or mask is None:
            continue
        yield image, np.all(mask == VESSEL_BGR, axis=-1)


def simulated(preset: str, seeds=(1, 2, 3, 4), frames=(0, 45, 90), size=(512, 512)):
    """Yield (image, lumen mask) pairs of simulated frames, masks drawn from the truth."""
    from vesselscope.simulator.cine import Simulation  # not needed to measure real images

    for seed in seeds:
        simulation = Simulation(preset, seed=seed, size=size)
        for index in frames:
            frame, truth = simulation.render(index)
            mask = np.zeros(frame.shape, np.uint8)
            for v in truth:
                cv2.ellipse(mask, ((v.cx, v.cy), (2 * v.a, 2 * v.b), v.angle_deg), 1, -1)
            yield frame.pixels, mask.astype(bool)


def median_stats(pairs) -> tuple[ImageStats, int]:
    """Per-field median of image_stats over (image, mask) pairs, and how many there were."""
    rows = [image_stats(image, mask) for image, mask in pairs]
    fields = ImageStats.__dataclass_fields__
    columns = {name: np.array([getattr(r, name) for r in rows], float) for name in fields}
    return ImageStats(**{k: _median(v) for k, v in columns.items()}), len(rows)


def _median(values: np.ndarray) -> float:
    """Median of the finite values; nan (and no warning) when there are none."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


COLUMNS = (
    ("mean", "mean grey", "{:.0f}"),
    ("std", "std", "{:.0f}"),
    ("p5", "p5", "{:.0f}"),
    ("p50", "p50", "{:.0f}"),
    ("p95", "p95", "{:.0f}"),
    ("dark_fraction", "grey<16", "{:.0%}"),
    ("speckle_axial_px", "speckle ax px", "{:.1f}"),
    ("speckle_lateral_px", "speckle lat px", "{:.1f}"),
    ("lumen_mean", "lumen", "{:.0f}"),
    ("band_mean", "band", "{:.0f}"),
    ("contrast", "contrast", "{:.2f}"),
)


def table(rows: list[tuple[str, ImageStats, int]]) -> str:
    """A Markdown table: one row per image set, medians over its images."""
    head = "| images | n | " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    rule = "|---|---|" + "---|" * len(COLUMNS)
    body = [
        f"| {name} | {n} | "
        + " | ".join(fmt.format(getattr(stats, key)) for key, _, fmt in COLUMNS)
        + " |"
        for name, stats, n in rows
    ]
    return "\n".join([head, rule, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder with images/ and masks/ (usgra-seg)")
    parser.add_argument("--presets", nargs="*", default=["femoral", "carotid", "forearm"])
    args = parser.parse_args(argv)
    rows = [("real (usgra-seg)", *median_stats(load_labelled(args.data)))]
    rows += [(f"simulated {p}", *median_stats(simulated(p))) for p in args.presets]
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
