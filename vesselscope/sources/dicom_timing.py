"""Frame rate and per-frame timestamps from a DICOM header's cine attributes.

Broken timing never makes a recording unreadable: a value that is absent, zero, negative or not a
number is treated as not stated, and the next source of timing is tried.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def frame_timing(ds: Any, frame_count: int) -> tuple[float | None, np.ndarray | None]:
    """(frames per second or None, per-frame timestamps in seconds or None).

    fps: Frame Time (0018,1063, ms), else the mean rate of the Frame Time Vector, else Cine Rate
    (0018,0040), else Recommended Display Frame Rate (0008,2144).
    Timestamps: the running sum of the Frame Time Vector (0018,1065), whose entries are the ms
    between consecutive frames (the first usually 0), when it has one entry per frame.
    """
    timestamps = _vector_timestamps(ds, frame_count)
    frame_time_ms = _positive(ds.get("FrameTime"))
    if frame_time_ms is not None:
        fps: float | None = 1000.0 / frame_time_ms
    else:
        fps = _mean_rate(timestamps)
        if fps is None:
            fps = _positive(ds.get("CineRate")) or _positive(ds.get("RecommendedDisplayFrameRate"))
    return fps, timestamps


def _vector_timestamps(ds: Any, frame_count: int) -> np.ndarray | None:
    raw = ds.get("FrameTimeVector")
    if raw is None:
        return None
    try:
        increments = np.array([float(v) for v in _as_list(raw)], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if len(increments) != frame_count or not np.all(np.isfinite(increments) & (increments >= 0)):
        return None
    return np.cumsum(increments) / 1000.0


def _mean_rate(timestamps: np.ndarray | None) -> float | None:
    if timestamps is None or len(timestamps) < 2:
        return None
    span = float(timestamps[-1] - timestamps[0])
    return (len(timestamps) - 1) / span if span > 0 else None


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _as_list(value: Any) -> list[Any]:
    # pydicom gives a multi-valued element as a MultiValue and a single value as a scalar.
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return [value]
    return list(value)
