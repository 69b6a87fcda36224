"""EventLoopMonitor: how long the GUI thread's event loop is blocked, measured, not assumed.

A precise timer asks to fire every `interval_ms`; each late firing means the event loop was busy
(painting, a slot, the GIL held by another thread) for the delay. The longest delay is what a
user feels as a stutter; clicks and key presses wait at most that long.
"""

from __future__ import annotations

import time

import numpy as np
from PyQt6.QtCore import QObject, Qt, QTimer


class EventLoopMonitor(QObject):
    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._beat)
        self._last: float | None = None
        self.delays_ms: list[float] = []

    def start(self) -> None:
        self.delays_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.delays_ms.append(max(0.0, (now - self._last) * 1e3 - self.interval_ms))
        self._last = now

    def summary(self) -> dict[str, float]:
        """Blocked time per heartbeat in ms: max, p99, p95, median; and the beats counted."""
        if not self.delays_ms:
            return {"beats": 0}
        delays = np.asarray(self.delays_ms)
        p50, p95, p99 = np.percentile(delays, [50, 95, 99])
        return {
            "beats": len(delays),
            "max_ms": float(delays.max()),
            "p99_ms": float(p99),
            "p95_ms": float(p95),
            "p50_ms": float(p50),
        }
