"""RecordingPlayer: how the worker consumes a recording: on request, or paced while playing.

Seek, step and play at the recording's frame rate times a speed. When detection is slower than
that, the frame due now is shown and the ones in between are counted as dropped, so playback
keeps to the recording's clock and the user sees how much was skipped.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from vesselscope.detection.results import FrameResult
from vesselscope.errors import SourceError
from vesselscope.gui.inbox import Commands
from vesselscope.gui.pacing import Pacer
from vesselscope.sources.base import DEFAULT_FPS, Source

if TYPE_CHECKING:
    from vesselscope.gui.session import Session


# How far back a frame stepped to may be taken on from the last frame shown before it: playback
# skips a few frames at a time when detection is slower than the cine.
CATCH_UP_FRAMES = 30


class RecordingPlayer:
    def __init__(self, session: Session, source: Source) -> None:
        self.session, self.source = session, source
        self.count = len(source)
        self.fps = source.fps or DEFAULT_FPS
        self.last = -1  # the frame on screen
        self.tracked = -1  # the last frame the detector took, whose tracks it holds
        # What was shown for each frame since the detector's settings last changed: a frame
        # stepped back to while paused shows what it showed before, tracks and labels kept,
        # instead of tracks rebuilt from a few frames (new ids, artery/vein not yet told).
        self.shown: dict[int, FrameResult | None] = {}
        self.playing, self.speed, self.loop = False, 1.0, True
        self.pacer = Pacer(self.fps)
        self._seek: int | None = 0  # show the first frame as soon as the recording opens

    def apply(self, commands: Commands) -> None:
        if commands.playback is not None:
            self._set_playback(*commands.playback)
        if commands.seek is not None:
            self._seek = min(max(commands.seek, 0), self.count - 1)
        if commands.record:
            raise SourceError(self.source.path, "only live streams are recorded; export instead")

    def _set_playback(self, playing: bool, speed: float, loop: bool) -> None:
        self.loop = loop
        if playing and (not self.playing or speed != self.speed):
            self.pacer = Pacer(self.fps, speed)
            self.pacer.start(max(self.last, 0), time.monotonic())
            self.session.rate_in.reset()
            if not self.playing and self.last >= self.count - 1:
                self._seek = 0  # play at the end starts again from the beginning
        self.playing, self.speed = playing, speed

    def wait_s(self) -> float | None:
        if self._seek is not None:
            return 0.0
        if not self.playing:
            return None
        return max(0.0, self.pacer.time_of(self.last + 1) - time.monotonic())

    def step(self) -> None:
        now = time.monotonic()
        if self._seek is not None:
            index, self._seek = self._seek, None
            self._show(index)
            self.pacer.start(index, now)
            return
        if not self.playing or (due := self.pacer.due(now)) <= self.last:
            return
        if due >= self.count:
            if self.loop:
                passed = self.count - 1 - self.last  # the end of the cine, unseen
                self.session.dropped += passed
                self.session.rate_in.tick(passed, now)
                self.pacer.start(0, now)
                due = 0
            elif self.last < self.count - 1:
                due = self.count - 1  # the last frame is always shown before stopping
            else:
                self.halt()
                self.session.sink.report_pause("end of the recording")
                return
        skipped = max(0, due - self.last - 1)
        self.session.dropped += skipped
        self.session.rate_in.tick(skipped + 1, now)
        # Frames skipped to keep pace (detection slower than the cine) are no jump: the tracks
        # carry on, as they do over a live stream's dropped frames. Rebuilding them would
        # detect the frames before again, fall further behind and never keep a track.
        self._show(due, keep_tracks=due > self.last)

    def _show(self, index: int, keep_tracks: bool = False) -> None:
        # While paused, a frame shown before shows what it showed, whichever way it is stepped
        # onto: detected again from the frame stepped from (one playback had skipped), its
        # label could differ from the one shown before.
        if not self.playing and index in self.shown:
            self.last = index
            self.session.show(self.source[index], self.shown[index])
            return
        if index != self.tracked + 1 and not keep_tracks:
            resume = self._resume_point(index)
            if resume is not None and self.session.rewind_tracks(resume):
                # A frame playback skipped, stepped to: taken on from the tracks of the frame
                # shown before it, so ids and labels stay those shown (rebuilt, as after a
                # jump, every step renumbered the vessels and forgot their labels).
                start = resume
            else:
                # A jump: tracks from another moment would mislead, and new ones are shown only
                # once confirmed over a few frames, so rebuild them from the frames just before.
                start = max(0, index - self.session.track_warmup())
                # Rebuilt from the first frame (the cine looped, or was rewound), they are
                # numbered from #1 again, as on the first pass and in a replay or an export:
                # looping, the demo's two vessels had become #5 and #6 by its third pass.
                self.session.reset_tracks(renumber=start == 0)
            for earlier in range(start, index):
                try:
                    self.session.detect(self.source[earlier])
                except SourceError as exc:  # a bad neighbour costs the warm-up, not the frame
                    self.session.reset_tracks()
                    self.session.sink.report_notice(f"{exc} (tracks start at frame {index + 1})")
        frame = self.source[index]
        self.last = self.tracked = index
        self.shown[index] = self.session.deliver(frame)

    def _resume_point(self, index: int) -> int | None:
        """The last frame shown before `index` when that is the frame before it, or when
        playback skipped `index` (shown frames on either side, at most CATCH_UP_FRAMES apart);
        else None (a jump)."""
        before = [shown for shown in self.shown if shown < index]
        after = [shown for shown in self.shown if shown > index]
        if not before:
            return None
        if max(before) == index - 1 or (after and min(after) - max(before) <= CATCH_UP_FRAMES):
            return max(before)
        return None

    def refresh(self, keep_tracks: bool) -> None:
        """Detect the frame on screen again (new settings) unless playback will anyway.

        keep_tracks: only the threshold moved, so a paused frame is taken again from the tracks
        it was first taken with (ids and artery/vein labels kept); otherwise the tracks were
        made under other settings and are rebuilt."""
        self.shown.clear()
        paused_here = not self.playing and self.last >= 0 and self._seek is None
        if paused_here and keep_tracks and self.session.rewind_tracks(self.last):
            self.tracked = self.last - 1  # the frame on screen is the detector's next
        else:
            self.tracked = -1
        if paused_here:
            self._seek = self.last

    def halt(self) -> None:
        self.playing = False

    def extra_dropped(self) -> int:
        return 0

    def close(self) -> None:
        self.source.close()
