"""VesselNet: the method's small AlexNet-style grayscale classifier, vessel or not.

Like AlexNet, a large strided first convolution, then 3x3 convolutions with ReLU, three
max-pools and two dropout-regularised fully connected layers; local response normalisation after
the first two convolutions is optional (`lrn`): it made a training step about 7x slower on the
CPU for no gain we could measure. With 64x64 crops: about 0.28 M parameters (about 1.1 MB as
ONNX), a few ms for 8 crops on a CPU.
"""

from __future__ import annotations

import torch
from torch import nn

CLASSES = ("background", "vessel")
SIZE_STEP = 16  # the first convolution's stride 2 and three 2x2 pools halve the side 4 times


def check_input_size(size: int) -> int:
    """`size` if the network can take crops of that side, else ValueError saying why."""
    if size < SIZE_STEP or size % SIZE_STEP:
        raise ValueError(
            f"input size must be a positive multiple of {SIZE_STEP} (stride 2, three pools), "
            f"got {size}"
        )
    return size


class VesselNet(nn.Module):
    def __init__(
        self,
        size: int = 64,
        channels: tuple[int, int, int, int] = (32, 64, 96, 64),
        hidden: int = 128,
        dropout: float = 0.5,
        lrn: bool = False,
    ) -> None:
        super().__init__()
        check_input_size(size)
        c1, c2, c3, c4 = channels
        side = size // SIZE_STEP  # of the last feature maps

        def normalise() -> nn.Module:
            return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0) if lrn else nn.Identity()

        self.size = size
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 5, stride=2, padding=2), nn.ReLU(inplace=True), normalise(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(inplace=True), normalise(), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout), nn.Linear(c4 * side**2, hidden), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, len(CLASSES)),
        )  # fmt: skip

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        """Logits (N, 2) for normalised crops (N, 1, size, size)."""
        return self.classifier(self.features(crops))


class WithProbabilities(nn.Module):
    """What is exported and scored: class probabilities, averaged over the crop and its mirror.

    A mirrored crop is as plausible an ultrasound image as the crop itself (flips are part of the
    augmentation), so both views are judged and averaged: in cross-validation this gained 0.7
    points of real crop accuracy, for twice a network cost that stays at a few ms for 8 crops.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        mirrored = torch.flip(crops, dims=[3])
        return 0.5 * (
            torch.softmax(self.net(crops), dim=1) + torch.softmax(self.net(mirrored), dim=1)
        )
