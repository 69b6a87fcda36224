"""Commands from the GUI thread to the worker: the newest of each kind wins.

The GUI thread only posts and never waits; the worker takes everything pending at once. A user
dragging the scrub slider posts dozens of seeks a second: the worker sees only the latest, so
it never works through a backlog of positions nobody is looking at any more.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields

from vesselscope.detection.detector import DetectorSettings


@dataclass
class Commands:
    stop: bool = False
    open: tuple[str, float | None] | None = None  # path or URI, spacing override in mm
    detector: DetectorSettings | None = None
    playback: tuple[bool, float, bool] | None = None  # playing, speed, loop
    seek: int | None = None
    freeze: bool | None = None
    record: str | None = None  # a .mhd path to start recording to; "" stops

    @property
    def empty(self) -> bool:
        return self == Commands()


class Inbox:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending = Commands()

    def post(self, **commands: object) -> None:
        names = {f.name for f in fields(Commands)}
        unknown = set(commands) - names
        if unknown:
            raise TypeError(f"unknown worker command(s): {', '.join(sorted(unknown))}")
        with self._cond:
            if "open" in commands:  # positions and play states belong to the old source
                self._pending.seek = self._pending.playback = None
            for name, value in commands.items():
                setattr(self._pending, name, value)
            self._cond.notify_all()

    def take(self, timeout: float | None) -> Commands:
        """Everything posted so far; waits up to `timeout` s (None: forever) if nothing is."""
        with self._cond:
            if self._pending.empty and (timeout is None or timeout > 0):
                self._cond.wait(timeout)
            taken, self._pending = self._pending, Commands()
            return taken
