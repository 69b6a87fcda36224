"""Hand-over of frames from a producer thread to a consumer: bounded, closable, counting drops.

One class, two behaviours when it is full: `block` (replay: every frame, in order, the producer
waits) or `drop_oldest` (live: the producer never waits, the oldest waiting frame is discarded and
counted). Capacity 1 with drop_oldest is the "newest frame wins" slot of live consumption.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Literal

from vesselscope.frame import Frame

WhenFull = Literal["block", "drop_oldest"]


class Mailbox:
    def __init__(self, capacity: int, when_full: WhenFull) -> None:
        if capacity < 1:
            raise ValueError(f"mailbox capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.when_full = when_full
        self.dropped = 0  # frames discarded unseen because a newer one arrived
        self.delivered = 0
        self._frames: deque[Frame] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._error: BaseException | None = None

    def put(self, frame: Frame) -> bool:
        """Offer a frame; returns False once the mailbox is closed (the producer should stop)."""
        with self._cond:
            if self.when_full == "block":
                self._cond.wait_for(lambda: self._closed or len(self._frames) < self.capacity)
            if self._closed:
                return False
            if len(self._frames) >= self.capacity:
                self._frames.popleft()
                self.dropped += 1
            self._frames.append(frame)
            self._cond.notify_all()
            return True

    def get(self, timeout: float | None = None) -> Frame | None:
        """The next frame, or None after `timeout` seconds or once closed and empty.

        A producer's error (see close) is raised here, after the frames that came before it.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._frames:
                if self._closed:
                    if self._error is not None:
                        error, self._error = self._error, None
                        raise error
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            frame = self._frames.popleft()
            self.delivered += 1
            self._cond.notify_all()
            return frame

    def close(self, error: BaseException | None = None) -> None:
        """No more frames: wakes both sides; `error` (the producer's failure) reaches get()."""
        with self._cond:
            if not self._closed:
                self._closed = True
                self._error = error
            self._cond.notify_all()

    @property
    def ended(self) -> bool:
        """Closed and drained: get() will never return a frame again."""
        with self._cond:
            return self._closed and not self._frames
