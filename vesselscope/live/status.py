"""The state of a live stream, observable by polling or by callback, without Qt."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

logger = logging.getLogger(__name__)


class StreamState(Enum):
    CONNECTING = "connecting"  # not reached yet, or reached and waiting for the first image
    LIVE = "live"  # images are arriving
    STALLED = "stalled"  # connected, but no image for longer than the stall time
    DISCONNECTED = "disconnected"  # the link was lost (or the source closed); retrying


@dataclass(frozen=True)
class StreamStatus:
    """state, a sentence for the user saying why, and when it began (time.monotonic())."""

    state: StreamState
    reason: str
    since: float

    def __str__(self) -> str:
        return f"{self.state.value}: {self.reason}"


Listener = Callable[[StreamStatus], None]


class StatusBoard:
    """Holds the current StreamStatus; thread-safe; tells listeners of every change.

    Listeners run in the thread that made the change (a receiver thread), so a GUI wraps them
    into a queued signal; a listener that raises is logged and never stops the stream.
    """

    def __init__(self, origin: str) -> None:
        self._origin = origin
        self._changed = threading.Condition()
        self._status = StreamStatus(StreamState.CONNECTING, "starting", time.monotonic())
        self._listeners: list[Listener] = []

    @property
    def status(self) -> StreamStatus:
        with self._changed:
            return self._status

    @property
    def state(self) -> StreamState:
        return self.status.state

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(status)` on each change; returns a function that removes it."""
        with self._changed:
            self._listeners.append(listener)
        return lambda: self._remove(listener)

    def _remove(self, listener: Listener) -> None:
        with self._changed:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def set(
        self,
        state: StreamState,
        reason: str,
        *,
        when: Callable[[StreamStatus], bool] | None = None,
    ) -> bool:
        """Change to `state`, if `when(current status)` holds (when given).

        Returns whether anything changed. `when` runs under the lock, so a watchdog's
        check-and-set cannot overwrite a newer state that the receiver set meanwhile.
        """
        with self._changed:
            current = self._status
            if when is not None and not when(current):
                return False
            if current.state == state and current.reason == reason:
                return False
            since = current.since if current.state == state else time.monotonic()
            self._status = StreamStatus(state, reason, since)
            self._changed.notify_all()
            listeners = list(self._listeners)
            status = self._status
        if state != current.state:
            logger.info("%s: %s", self._origin, status)
        for listener in listeners:
            try:
                listener(status)
            except Exception:
                logger.exception("%s: a stream status listener failed", self._origin)
        return True

    def wait_for(self, state: StreamState, timeout: float) -> bool:
        """Block until the state is `state` or `timeout` seconds pass; True if it got there."""
        with self._changed:
            return self._changed.wait_for(lambda: self._status.state == state, timeout)
