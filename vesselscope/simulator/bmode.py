"""B-mode image formation: scatterers -> pulse-echo PSF -> envelope -> TGC -> log compression.

We work on the complex baseband (IQ) signal: the echo of the Gabor pulse demodulated at the
centre frequency leaves the pulse's Gaussian envelope and a random phase per scatterer, so the
envelope is just |IQ| and no Hilbert transform is needed. The RF carrier itself is never sampled:
its half wavelength (0.077 mm at 10 MHz) is about one pixel and would only alias.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vesselscope.simulator.presets import Probe

COHERENT_REF_MM = 0.1  # coherent reflectivity is per mm of thickness; see textures.py
LATERAL_BANDS = 8  # rows are cut into this many depth bands, each with its own beam width
FWHM_TO_SIGMA = 1 / (2 * math.sqrt(2 * math.log(2)))
COMPOUNDING = 1.2  # intensity averaging width, in PSF widths
CLUTTER_DEPTH_MM = 15.0  # reverberation clutter fades over this depth
HAZE_LEVEL = 10 ** (-15 / 10)  # side-lobe and slice-thickness energy relative to the main lobe
HAZE_CAP = 10 ** (6 / 10)  # intensity over which an echo adds no more haze (see _haze)
HAZE_WIDTH_MM = (0.8, 2.0)  # (axial, lateral) sigma of that haze
GREY_GAMMA = 2.0  # the grey map: dark levels pressed towards black, bright ones spread out
WHITE_DB = 38.0  # echo level shown as white, in dB over unit-echogenicity tissue


def gaussian_kernel(fwhm_px: float) -> np.ndarray:
    """Gaussian PSF profile with unit energy (sum of squares 1): speckle keeps unit variance."""
    sigma = max(fwhm_px * FWHM_TO_SIGMA, 0.3)
    half = max(int(math.ceil(3 * sigma)), 1)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    return (kernel / np.sqrt((kernel**2).sum())).astype(np.float32)


def _cumulative_rows(values: np.ndarray) -> np.ndarray:
    """Sum over the rows above each pixel plus half its own (a row loop beats np.cumsum 5x)."""
    total = values * 0.5
    for row in range(1, values.shape[0]):
        total[row] += total[row - 1] + values[row - 1] * 0.5
    return total


def _smoothing_kernel(fwhm_px: float) -> np.ndarray:
    kernel = gaussian_kernel(fwhm_px) ** 2  # unit sum: smoothing keeps the mean intensity
    return kernel / kernel.sum()


class Imager:
    """Turns the per-pixel tissue maps of one frame into an 8-bit B-mode image."""

    def __init__(
        self, probe: Probe, spacing: float, shape: tuple[int, int], pool_seed: int | list[int]
    ) -> None:
        self.probe, self.spacing, self.shape = probe, spacing, shape
        rows, cols = shape
        depth_cm = np.arange(rows, dtype=np.float32)[:, None] * spacing / 10
        self.axial = gaussian_kernel(probe.axial_fwhm_mm / spacing).reshape(-1, 1)
        edges = np.linspace(0, rows, LATERAL_BANDS + 1).round().astype(int)
        self.bands = []
        for start, stop in zip(edges[:-1], edges[1:], strict=True):
            z = (start + stop) / 2 * spacing
            widening = math.sqrt(1 + ((z - probe.focus_mm) / probe.depth_of_field_mm) ** 2)
            fwhm = probe.lateral_fwhm_mm * widening / spacing
            self.bands.append((start, stop, gaussian_kernel(fwhm).reshape(1, -1)))
        # TGC assumes a uniform tissue; the real attenuation map differs from it (bright bands
        # behind vessels, dark ones behind bone), which is what enhancement and shadow are.
        tgc_db = 2 * probe.frequency_mhz * probe.tgc_db_cm_mhz * depth_cm + probe.gain_db
        self.tgc = (10 ** (tgc_db / 20)).astype(np.float32)
        self.compound_y = _smoothing_kernel(COMPOUNDING * probe.axial_fwhm_mm / spacing)
        self.compound_x = _smoothing_kernel(COMPOUNDING * probe.lateral_fwhm_mm / spacing)
        depth_mm = np.arange(rows, dtype=np.float32)[:, None] * spacing
        # Clutter is set relative to unattenuated tissue, so it is divided by the TGC gain.
        clutter = 10 ** (probe.clutter_db / 20) * np.exp(-depth_mm / CLUTTER_DEPTH_MM) / self.tgc
        self.clutter = clutter.astype(np.float32)
        self.noise = 10 ** (probe.noise_db / 20)
        pool = np.random.default_rng(pool_seed).standard_normal((2, 2 * rows, 2 * cols), np.float32)
        self.pool = pool * np.float32(math.sqrt(0.5))
        self.loss_per_row = 2 * probe.frequency_mhz * spacing / 10 / 20 * math.log(10)

    def iq(
        self, props: np.ndarray, static: np.ndarray, memory: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Complex echo (rows, cols, 2) after attenuation, clutter, receiver noise and the PSF.

        Works plane by plane (real, imaginary): numpy is several times faster on long rows of
        one plane than on interleaved pairs.
        """
        # Scatterer density is already in the static field (anatomy.py); blood renews fully.
        amplitude, _, attenuation, coherent = cv2.split(props)
        attenuated = np.exp(-self.loss_per_row * _cumulative_rows(attenuation))
        kept = memory * amplitude * attenuated  # share of the static scatterer field
        renewed = np.sqrt(1 - memory * memory) * amplitude * attenuated
        reflected = coherent * attenuated * np.float32(self.spacing / COHERENT_REF_MM)
        planes = []
        for static_part, fresh, clutter, noise in zip(
            cv2.split(static), *(self._random_field(rng) for _ in range(3)), strict=True
        ):
            # After the tissue, before TGC: reverberation clutter from the superficial layers
            # (a diffuse echo that fills anechoic lumens, strongest near the skin) and noise.
            plane = static_part * kept
            plane += fresh * renewed
            plane += clutter * self.clutter
            plane += noise * self.noise
            planes.append(plane)
        planes[0] += reflected
        echo = cv2.merge(planes)
        echo = cv2.filter2D(echo, -1, self.axial, borderType=cv2.BORDER_REFLECT)
        for start, stop, lateral in self.bands:
            echo[start:stop] = cv2.filter2D(
                echo[start:stop], -1, lateral, borderType=cv2.BORDER_REFLECT
            )
        return echo

    def _random_field(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A fresh unit-variance complex white field for this frame, as (real, imag) planes.

        Drawing 2 x rows x cols normals per use would dominate the frame time, so each use takes
        a window of a pool drawn once, at an offset and orientation drawn from the frame's rng:
        different windows share no pixel pairing, so they are uncorrelated pixel for pixel.
        """
        rows, cols = self.shape
        top, left = rng.integers(0, rows), rng.integers(0, cols)
        flip_rows, flip_cols = rng.choice((1, -1)), rng.choice((1, -1))
        window = self.pool[:, top : top + rows, left : left + cols]
        return window[0, ::flip_rows, ::flip_cols], window[1, ::flip_rows, ::flip_cols]

    def envelope(self, iq: np.ndarray) -> np.ndarray:
        """Echo amplitude after TGC: Rayleigh-distributed in homogeneous tissue."""
        return cv2.magnitude(iq[..., 0], iq[..., 1]) * self.tgc

    def _haze(self, intensity: np.ndarray) -> np.ndarray:
        """Side lobes and slice thickness: a faint, wide echo haze that keeps anechoic lumens
        and shadows from being pure black. Computed at quarter resolution; it is smooth."""
        rows, cols = intensity.shape
        # Capped: the haze stands for diffuse tissue seen through the side lobes; letting the few
        # specular reflectors (fascia, bone) add theirs in full makes them glow unlike B-mode.
        capped = np.minimum(intensity, np.float32(HAZE_CAP))
        small = cv2.resize(
            capped, (max(cols // 4, 1), max(rows // 4, 1)), interpolation=cv2.INTER_AREA
        )
        sigma_x = HAZE_WIDTH_MM[1] / self.spacing / 4
        sigma_y = HAZE_WIDTH_MM[0] / self.spacing / 4
        small = cv2.GaussianBlur(small, (0, 0), sigmaX=sigma_x, sigmaY=sigma_y)
        return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR) * HAZE_LEVEL

    def display(self, envelope: np.ndarray) -> np.ndarray:
        """Compounding, then log compression into the dynamic range, as the scanner's grey map.

        Scanners average echoes from several steering angles (spatial compounding) and filter
        speckle; averaging intensity over a fraction of a speckle stands in for both and fills
        the deep speckle nulls that raw log-compressed envelopes show.
        """
        intensity = envelope * envelope
        intensity = intensity + self._haze(intensity)
        intensity = cv2.sepFilter2D(intensity, -1, self.compound_x, self.compound_y)
        db = 10 * np.log10(intensity + 1e-24)
        level = np.clip((db - WHITE_DB) / self.probe.dynamic_range_db + 1, 0, 1)
        return (255 * level**GREY_GAMMA).astype(np.uint8)
