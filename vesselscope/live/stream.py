"""LiveSource: the common half of every live source (state, counters, threads, stall watch).

A live source is not seekable and has no length: frames arrive, a receiver thread hands each to
the mailbox of the FrameFeed that started it, and a watchdog turns silence into STALLED. The
subclass implements `_receive()`, the receiver thread's body, with the `_link_up`, `_deliver`
and `_link_down` calls below; it must return soon after `_stopping()` becomes true.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from abc import abstractmethod
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.live.mailbox import Mailbox
from vesselscope.live.status import Listener, StatusBoard, StreamState, StreamStatus
from vesselscope.sources.base import Source

logger = logging.getLogger(__name__)

DEFAULT_STALL_S = 0.5
# A slow stream (a scanner sending 1.5 images a second) is stalled only after this many of its
# usual intervals without an image (the median of the last STALL_INTERVALS), when that is
# longer than the stall time: at a fixed 0.5 s such a stream flipped between stalled and live
# 24 times in 8 s, an alarm that cries wolf.
STALL_PERIODS = 3
STALL_INTERVALS = 9
# Between a stream's first image and its second, its rate is not known yet: this long at least,
# so that a slow stream is not called stalled once right after it connects.
FIRST_INTERVAL_S = 2.0
JOIN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class StreamCounters:
    received: int  # frames decoded from the stream
    dropped: int  # frames replaced by a newer one before the consumer took them
    reconnects: int  # links re-established after a loss
    ignored: int  # messages skipped: other types or devices, malformed, oversized


class Backoff:
    """Retry delays that double from `first` up to `limit`; reset after a success."""

    def __init__(self, first: float = 0.1, limit: float = 2.0) -> None:
        self.first, self.limit = first, limit
        self._next = first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.limit)
        return delay

    def reset(self) -> None:
        self._next = self.first


class LiveSource(Source):
    seekable = False

    def __init__(self, path: str, stall_s: float = DEFAULT_STALL_S) -> None:
        if not 0.01 <= stall_s <= 60:
            raise SourceError(path, f"stall time must be 0.01 to 60 s, got {stall_s}")
        self.path = path
        self.stall_s = stall_s
        self.board = StatusBoard(path)
        self._received = self._reconnects = self._ignored = 0
        self._was_up = False  # a link has been up before: a loss is DISCONNECTED, not CONNECTING
        self._up_since: float | None = None  # monotonic time of link-up or last frame; None: down
        self._last_frame: float | None = None  # monotonic time of the last frame on this link
        self._intervals: deque[float] = deque(maxlen=STALL_INTERVALS)
        self._mailbox: Mailbox | None = None
        self._backoff = Backoff()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- what consumers use -------------------------------------------------------------------
    @property
    def status(self) -> StreamStatus:
        return self.board.status

    @property
    def state(self) -> StreamState:
        return self.board.state

    def add_status_listener(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(status)` from the receiver thread on each change; returns a remover."""
        return self.board.add_listener(listener)

    def counters(self) -> StreamCounters:
        dropped = self._mailbox.dropped if self._mailbox is not None else 0
        return StreamCounters(self._received, dropped, self._reconnects, self._ignored)

    def start(self, mailbox: Mailbox) -> None:
        """Begin receiving into `mailbox` (FrameFeed calls this; a source starts once)."""
        if self._mailbox is not None:
            raise SourceError(self.path, "a live source feeds one consumer; it is already started")
        self._mailbox = mailbox
        for target, name in ((self._receive_guarded, "receive"), (self._watch, "watch")):
            thread = threading.Thread(target=target, name=f"{name} {self.path}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(JOIN_TIMEOUT_S)
            if thread.is_alive():
                logger.warning("%s: %s thread did not stop in time", self.path, thread.name)
        if self._mailbox is not None:
            self._mailbox.close()
        self.board.set(StreamState.DISCONNECTED, "closed")

    def __iter__(self) -> Iterator[Frame]:
        from vesselscope.live.feed import FrameFeed  # feed builds on this module

        feed = FrameFeed(self, "every")
        try:
            yield from feed
        finally:
            feed.close()

    def __len__(self) -> int:
        raise TypeError(f"{self.path} is a live stream: it has no length")

    def read(self, index: int) -> Frame:
        return self._read(index)  # no bounds to check: there is no frame count

    def _read(self, index: int) -> Frame:
        raise SourceError(self.path, "a live stream cannot seek; consume it through FrameFeed")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}, {self.status})"

    # -- what subclasses call from the receiver thread ----------------------------------------
    @abstractmethod
    def _receive(self) -> None:
        """Connect, read and deliver frames, reconnect on loss; return when stopping."""

    def _stopping(self) -> bool:
        return self._stop.is_set()

    def _pause(self, seconds: float) -> bool:
        """Sleep unless closed meanwhile; returns True when the source is stopping."""
        return self._stop.wait(seconds)

    def _link_up(self, reason: str) -> None:
        if self._was_up:
            self._reconnects += 1
        self._was_up = True
        self._up_since = time.monotonic()
        self.board.set(StreamState.CONNECTING, reason)

    def _link_down(self, reason: str) -> None:
        self._up_since = self._last_frame = None
        if not self._stopping():
            state = StreamState.DISCONNECTED if self._was_up else StreamState.CONNECTING
            self.board.set(state, reason)

    def _retry(self, reason: str) -> bool:
        """Report the link down and wait the next backoff delay; True when stopping."""
        delay = self._backoff.next()
        self._link_down(f"{reason}; retrying in {delay:.1f} s")
        return self._pause(delay)

    def stall_after_s(self) -> float:
        """Silence for longer than this is a stall: the stall time, or a slow stream's
        STALL_PERIODS usual intervals."""
        if not self._intervals:
            first_gap = self._last_frame is not None  # one image on this link so far
            return max(self.stall_s, FIRST_INTERVAL_S) if first_gap else self.stall_s
        usual = statistics.median(list(self._intervals))  # a copy: the receiver appends
        return max(self.stall_s, min(STALL_PERIODS * usual, 60.0))

    def _deliver(self, frame: Frame) -> None:
        self._received += 1
        now = time.monotonic()
        if self._last_frame is not None:
            self._intervals.append(now - self._last_frame)
        self._last_frame = self._up_since = now
        self._backoff.reset()  # only a link that gives frames counts as good
        self.board.set(StreamState.LIVE, "receiving images")
        if self._mailbox is not None:
            self._mailbox.put(self._finish(frame))

    def _ignore(self) -> None:
        self._ignored += 1

    def _receive_guarded(self) -> None:
        # A bug in a receiver must show as a state the user sees, not a silently dead thread.
        try:
            self._receive()
        except Exception as exc:
            logger.exception("%s: the receiver failed", self.path)
            self._up_since = None
            self.board.set(StreamState.DISCONNECTED, f"receiver failed: {exc}")
            if self._mailbox is not None:
                self._mailbox.close(exc)  # the consumer's get() raises it

    def stall_hint(self) -> str:
        """What a stalled source knows of why (images it skips, say); "" when nothing."""
        return ""

    def _watch(self) -> None:
        tick = min(0.05, self.stall_s / 5)
        while not self._stop.wait(tick):
            silent = f"connected, but no image for more than {self.stall_after_s():.2g} s"
            reason = silent + self.stall_hint()
            self.board.set(StreamState.STALLED, reason, when=self._is_silent)

    def _is_silent(self, current: StreamStatus) -> bool:
        since = self._up_since  # read under the board's lock: _deliver sets it before LIVE
        return (
            since is not None
            and current.state in (StreamState.LIVE, StreamState.CONNECTING)
            and time.monotonic() - since > self.stall_after_s()
        )
