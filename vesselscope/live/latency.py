"""Glass-to-glass latency: from a frame's timestamp to the moment its result exists.

Live frames carry the sender's clock (seconds since 1970), so the figure is true on one machine
or with synchronised clocks (PTP/NTP); across unsynchronised machines it is offset by their
clock difference. Samples live in a fixed ring, so a meter running for hours uses constant memory.
"""

from __future__ import annotations

import time

import numpy as np

DEFAULT_PERCENTILES = (50.0, 95.0, 99.0)


class LatencyMeter:
    def __init__(self, keep: int = 20_000) -> None:
        self._ring = np.zeros(keep, dtype=np.float64)  # milliseconds, the newest `keep` samples
        self.count = 0

    def record(self, frame_timestamp_s: float, done_s: float | None = None) -> float:
        """Note one result; `done_s` defaults to now (time.time()). Returns the latency in ms."""
        done = time.time() if done_s is None else done_s
        latency_ms = (done - frame_timestamp_s) * 1000.0
        self._ring[self.count % len(self._ring)] = latency_ms
        self.count += 1
        return latency_ms

    def percentiles(self, which: tuple[float, ...] = DEFAULT_PERCENTILES) -> dict[float, float]:
        """{percentile: ms} over the kept samples; empty when nothing was recorded."""
        if self.count == 0:
            return {}
        samples = self._ring[: min(self.count, len(self._ring))]
        return dict(zip(which, (float(v) for v in np.percentile(samples, which)), strict=True))

    def summary(self) -> str:
        figures = self.percentiles()
        if not figures:
            return "latency: no frames"
        parts = ", ".join(f"p{p:g} {ms:.1f} ms" for p, ms in figures.items())
        return f"latency {parts} (over the last {min(self.count, len(self._ring))} frames)"
