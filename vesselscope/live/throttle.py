"""Warnings about a stream that repeat at frame rate, logged once per kind per interval.

A device that sends an unsupported message 30 times a second must say so, but must not fill the
log: the first occurrence of each kind is a warning, repeats within the interval are counted and
summed into the next warning.
"""

from __future__ import annotations

import logging
import time


class ThrottledLog:
    def __init__(self, logger: logging.Logger, interval_s: float = 10.0) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, kind: str, message: str) -> None:
        """Log `message` unless a warning of `kind` was logged less than interval_s ago."""
        now = time.monotonic()
        last = self._last.get(kind)
        if last is not None and now - last < self._interval_s:
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            return
        repeats = self._suppressed.pop(kind, 0)
        if repeats:
            message += f" ({repeats} more like it since the last warning)"
        self._last[kind] = now
        self._logger.warning(message)
