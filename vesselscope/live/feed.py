"""FrameFeed: the one way to consume any source, live or recorded, every frame or the latest.

    feed = FrameFeed(open_source("igtl://127.0.0.1:18944"), "latest")
    for frame in feed:            # ends when a recording ends or the feed is closed
        ...
    frame = feed.get(timeout=0.05)  # or poll: None means nothing new yet

policy "every": each frame once, in order; a recording is read ahead by a few frames in a
thread and waits for the consumer (replay, evaluation, export).
policy "latest": the consumer always gets the newest frame; older unread ones are dropped and
counted so latency never builds up (viewer, live detection). A recording is played at its frame
rate, so it behaves like the live stream it stands in for.

A live source cannot be paused, so under "every" it keeps up to `buffer` frames and drops the
oldest beyond that rather than falling ever further behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Literal

from vesselscope.frame import Frame
from vesselscope.live.mailbox import Mailbox
from vesselscope.live.stream import JOIN_TIMEOUT_S, LiveSource
from vesselscope.sources.base import DEFAULT_FPS, Source

Policy = Literal["every", "latest"]
POLICIES = ("every", "latest")
_POLL_S = 0.1  # how often a blocked iterator checks whether the feed has ended


class FrameFeed:
    def __init__(self, source: Source, policy: Policy = "every", *, buffer: int = 8) -> None:
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
        self.source = source
        self.policy = policy
        live = isinstance(source, LiveSource)
        if policy == "latest":
            self._mailbox = Mailbox(1, "drop_oldest")
        else:
            self._mailbox = Mailbox(buffer, "drop_oldest" if live else "block")
        self._closing = threading.Event()
        self._pump_thread: threading.Thread | None = None
        if live:
            source.start(self._mailbox)
        else:
            self._pump_thread = threading.Thread(
                target=self._pump, name=f"feed {source.path}", daemon=True
            )
            self._pump_thread.start()

    def get(self, timeout: float | None = None) -> Frame | None:
        """The next frame under the policy; None after `timeout` s or when the feed has ended.

        A reading error of the source (SourceError) is raised here, in the consumer's thread.
        """
        return self._mailbox.get(timeout)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            frame = self._mailbox.get(_POLL_S)
            if frame is not None:
                yield frame
            elif self._mailbox.ended:
                return

    @property
    def dropped(self) -> int:
        """Frames that a newer frame replaced before the consumer took them."""
        return self._mailbox.dropped

    @property
    def delivered(self) -> int:
        return self._mailbox.delivered

    @property
    def ended(self) -> bool:
        """True once the source has no more frames (a recording's end, or closed)."""
        return self._mailbox.ended

    def close(self) -> None:
        """Stop producing; a live source is closed too, since its receiver is the producer."""
        self._closing.set()
        if isinstance(self.source, LiveSource):
            self.source.close()  # stops its receiver first, then closes our mailbox
        self._mailbox.close()
        if self._pump_thread is not None:
            self._pump_thread.join(JOIN_TIMEOUT_S)

    def __enter__(self) -> FrameFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pump(self) -> None:
        paced = self.policy == "latest"
        interval = 1.0 / (self.source.fps or DEFAULT_FPS)
        start = time.monotonic()
        try:
            for count, frame in enumerate(self.source):
                wait = start + count * interval - time.monotonic()
                if paced and wait > 0 and self._closing.wait(wait):
                    break
                if not self._mailbox.put(frame):
                    break
        except Exception as exc:  # reaches the consumer through get()
            self._mailbox.close(exc)
        else:
            self._mailbox.close()
