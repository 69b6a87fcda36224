"""Shared test setup: Qt runs offscreen; helpers to find the shared real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Must be set before any QApplication exists, or Qt aborts without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "usgra-seg"


@pytest.fixture(scope="session")
def usgra_seg() -> Path:
    """The real usgra-seg images (CC-BY 4.0, T. M. K.); skips when they are not beside the repo."""
    if not (SHARED_DATA / "images").is_dir():
        pytest.skip(f"real images not found at {SHARED_DATA}")
    return SHARED_DATA
