"""Augmentation for training crops: what broke the earlier ellipse-only method, on purpose.

Works on a batch of grey crops in [0, 1] (N, 1, H, W), each sample drawing its own parameters
from the given generator (so an epoch's augmentation is reproducible on resume):
- gain and depth-gain (TGC) changes, and contrast (a gamma on the log-compressed image);
- speckle: multiplicative, spatially correlated noise, plus a little receiver noise;
- reverberation: horizontal bright bands repeating with depth, as under the probe face;
- horizontal flips (never vertical: shadows and enhancement fall below structures);
- small scale changes and shifts (the candidate search's ellipses are never exact).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _uniform(n: int, low: float, high: float, g: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=g)


def _chance(n: int, p: float, g: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=g) < p


def geometry(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    n = x.shape[0]
    scale = torch.exp(_uniform(n, math.log(0.88), math.log(1.12), g))
    flip = torch.where(_chance(n, 0.5, g), -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = flip / scale
    theta[:, 1, 1] = 1.0 / scale
    theta[:, :, 2] = _uniform(2 * n, -0.06, 0.06, g).view(n, 2)  # shifts up to 3% of the side
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def intensity(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    n, _, h, _ = x.shape
    depth = torch.linspace(-0.5, 0.5, h).view(1, 1, h, 1)
    gain = torch.exp(_uniform(n, -0.5, 0.4, g)).view(n, 1, 1, 1)
    tgc = 1.0 + _uniform(n, -0.5, 0.5, g).view(n, 1, 1, 1) * depth
    gamma = torch.exp(_uniform(n, -0.35, 0.35, g)).view(n, 1, 1, 1)
    return (x.clamp(0, 1) ** gamma * gain * tgc).clamp(0, 1)


def speckle(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    n = x.shape[0]
    noise = torch.randn(x.shape, generator=g)
    noise = F.avg_pool2d(noise, 3, stride=1, padding=1) * 3.0  # correlated over ~3 px, unit sd
    strength = _uniform(n, 0.0, 0.35, g).view(n, 1, 1, 1) * _chance(n, 0.7, g).view(n, 1, 1, 1)
    receiver = 0.02 * torch.randn(x.shape, generator=g)
    return (x * (1.0 + strength * noise) + receiver).clamp(0, 1)


def reverberation(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    n, _, h, _ = x.shape
    rows = torch.arange(h, dtype=torch.float32).view(1, h)
    period = _uniform(n, 4.0, 12.0, g).view(n, 1)
    start = _uniform(n, 0.0, h * 0.5, g).view(n, 1)
    phase = torch.remainder(rows - start, period) / period  # 0 on each band
    band = torch.exp(-((torch.minimum(phase, 1 - phase) * period) ** 2) / 2.0)
    decay = torch.exp(-(rows - start).clamp(min=0) / (h * 0.3)) * (rows >= start)
    amplitude = _uniform(n, 0.05, 0.3, g).view(n, 1) * _chance(n, 0.3, g).view(n, 1)
    bands = (amplitude * band * decay).view(n, 1, h, 1)
    return (x + bands).clamp(0, 1)


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A randomly altered copy of the batch `x` (N, 1, H, W) in [0, 1]."""
    return speckle(reverberation(intensity(geometry(x, g), g), g), g)
