"""StreamPlayer: how the worker consumes a live stream: as it comes, newest frame first.

Each step takes every frame the stream delivered since the last one, records them all when
asked, and detects only the newest (newest frame wins), counting the others as dropped, so the
picture never lags behind the probe. The stream's state reaches the sink the moment it changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.gui.inbox import Commands
from vesselscope.live import FrameFeed, LiveSource
from vesselscope.sources.base import Source
from vesselscope.writers.recorder import SequenceRecorder

if TYPE_CHECKING:
    from vesselscope.gui.session import Session

POLL_S = 0.02  # how long a stream's worker waits for a frame before looking at its commands
# Frames a stream may deliver while one is being detected; beyond this the oldest are dropped
# (and counted) by the feed, so a stalled detector cannot fill memory.
STREAM_BUFFER = 64


class StreamPlayer:
    def __init__(self, session: Session, source: Source) -> None:
        self.session, self.source = session, source
        self.frozen = False
        self.recorder: SequenceRecorder | None = None
        self._first_file: Path | None = None  # the recording's first file, which names the rest
        sink = session.sink
        self._remove_listener = None
        if isinstance(source, LiveSource):
            # Called in the receiver thread at the moment the state changes; the sink queues it.
            self._remove_listener = source.add_status_listener(
                lambda status: sink.report_stream(status.state.value, status.reason)
            )
            sink.report_stream(source.status.state.value, source.status.reason)
        # "every" with a deep buffer, drained below: newest frame wins for detection, yet a
        # recording gets every frame, which the one-slot "latest" feed would have discarded.
        self.feed: FrameFeed | None = FrameFeed(source, "every", buffer=STREAM_BUFFER)

    def apply(self, commands: Commands) -> None:
        if commands.freeze is not None:
            self.frozen = commands.freeze
        if commands.record is not None:
            self._record(commands.record)

    def wait_s(self) -> float | None:
        return 0.0 if self.feed is not None else None

    def step(self) -> None:
        if self.feed is None:
            return
        frame = self.feed.get(timeout=POLL_S)
        if frame is None:
            if self.feed.ended:
                self.halt()
                self.session.sink.report_stream("ended", "the stream ended")
            return
        frames = [frame]
        while (newer := self.feed.get(timeout=0)) is not None:
            frames.append(newer)
        self.session.rate_in.tick(len(frames))
        if self.recorder is not None:
            self._append(frames)
        if self.frozen:
            return  # the frozen view scrolls the GUI's cine buffer; nothing is dropped
        self.session.dropped += len(frames) - 1
        self.session.deliver(frames[-1])

    def _record(self, path: str, continued: bool = False) -> None:
        if self.recorder is not None:
            recorder, self.recorder = self.recorder, None
            self.session.sink.report_recording("")
            recorder.close()
        if not continued:
            self._first_file = None
        if path:
            self.recorder = SequenceRecorder(path, fps_hint=self.source.fps)
            self.session.sink.report_recording(path)

    def _append(self, frames: list[Frame]) -> None:
        try:
            for frame in frames:
                if not self.recorder.fits(frame):
                    self._continue_recording(frame)
                self.recorder.append(frame)
        except SourceError as exc:
            # Stop recording (the header keeps the frames written) but not the stream.
            self._record("")
            self.session.sink.report_failure(f"recording stopped: {exc}")

    def _continue_recording(self, frame: Frame) -> None:
        """The scanner's depth or size changed: a sequence holds one size, so the recording
        goes on in a new file beside the first rather than stopping (it used to, and nothing
        after the change was kept)."""
        first = self._first_file = self._first_file or self.recorder.path
        number = 2  # NAME-2.mhd, NAME-3.mhd...: numbered from the first file, not the last
        while (path := first.with_name(f"{first.stem}-{number}.mhd")).exists():
            number += 1
        self._record(str(path), continued=True)
        rows, cols = frame.shape
        notice = f"Recording goes on in {path.name}: image now {cols}x{rows}"
        self.session.sink.report_notice(notice)

    def refresh(self, keep_tracks: bool) -> None:
        """Nothing to do: the next frame of the stream shows the new settings."""

    def halt(self) -> None:
        if self.feed is not None:
            feed, self.feed = self.feed, None
            feed.close()
            self.session.dropped += feed.dropped  # keep the count the feed held

    def extra_dropped(self) -> int:
        return self.feed.dropped if self.feed is not None else 0

    def close(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
        try:
            self._record("")
        finally:
            self.halt()
