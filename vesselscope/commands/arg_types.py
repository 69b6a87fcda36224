"""Argument types that refuse impossible values when the command line is parsed, before work."""

from __future__ import annotations

import argparse
from collections.abc import Callable

# Ultrasound pixels are some micrometres to a few millimetres; beyond this a value is a typo
# (metres, or a pixel count), not a spacing.
SPACING_MM = (0.001, 10.0)


def within(kind: type, low: float, high: float) -> Callable[[str], float]:
    """A number of `kind` from `low` to `high` (NaN is refused: it lies in no range)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {text}")
        return value

    return parse


spacing_mm = within(float, *SPACING_MM)
