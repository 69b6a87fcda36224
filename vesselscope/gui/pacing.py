"""Timing of playback and of the frame rates shown in the status bar (no Qt)."""

from __future__ import annotations

import time
from collections import deque


class Pacer:
    """Which frame of a recording is due now when playing at its frame rate times `speed`.

    The worker shows the due frame, not the next one: when detection is slower than the frame
    rate the frames in between are skipped (and counted as dropped), so playback keeps to the
    recording's clock instead of drifting ever further behind it.
    """

    def __init__(self, fps: float, speed: float = 1.0) -> None:
        if not (fps > 0 and speed > 0):
            raise ValueError(f"fps and speed must be positive, got {fps} and {speed}")
        self.rate = fps * speed  # frames per second of wall-clock time
        self._index = 0
        self._t0 = 0.0

    def start(self, index: int, now: float) -> None:
        """Frame `index` is on screen at time `now`."""
        self._index, self._t0 = index, now

    def due(self, now: float) -> int:
        return self._index + int((now - self._t0) * self.rate)

    def time_of(self, index: int) -> float:
        return self._t0 + (index - self._index) / self.rate


class RateMeter:
    """Events per second over the last `window_s` seconds."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()
        self._since = time.monotonic()

    def tick(self, count: int = 1, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._times.extend([now] * count)
        self._trim(now)

    def rate(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        self._trim(now)
        # Over the time measured so far while it is shorter than the window, so the figure is
        # right from the first second instead of creeping up to it.
        span = min(self.window_s, now - self._since)
        return len(self._times) / span if span > 0 else 0.0

    def reset(self, now: float | None = None) -> None:
        self._times.clear()
        self._since = time.monotonic() if now is None else now

    def _trim(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window_s:
            self._times.popleft()
