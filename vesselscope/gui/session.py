"""Session: the worker thread's half of the viewer: the open source, its detector, its player.

No Qt here: the worker (worker.py) runs a Session in its thread and turns what it reports to
its Sink into signals. Every failure is reported to the sink, with the file or stream named;
nothing is swallowed and nothing raised here can stop the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from vesselscope.detection.detector import Detector, DetectorSettings
from vesselscope.detection.results import FrameResult
from vesselscope.frame import Frame, Spacing
from vesselscope.gui.inbox import Commands
from vesselscope.gui.pacing import RateMeter
from vesselscope.gui.recording_player import RecordingPlayer
from vesselscope.gui.reporting import collecting_warnings, describe_error
from vesselscope.gui.state import DetectorInfo, SourceInfo, Stats
from vesselscope.gui.stream_player import StreamPlayer
from vesselscope.sources import open_source
from vesselscope.sources.image_folder import independent_stills

DEMO = "demo:"  # opens the built-in demo cine, simulated on first use (seconds): in the worker
T = TypeVar("T")
# Tracks kept from before each of the last frames detected (see rewind_tracks): 30 s of a
# 30 fps cine, about 10 kB each with two vessels tracked.
KEPT_SNAPSHOTS = 900


class Sink(Protocol):
    """Where a Session reports; every method may be called from the worker thread."""

    def deliver(self, frame: Frame, result: FrameResult | None, stats: Stats) -> None: ...
    def opened_source(self, info: SourceInfo) -> None: ...
    def report_failure(self, message: str) -> None: ...
    def report_notice(self, message: str) -> None: ...
    def report_detector(self, info: DetectorInfo) -> None: ...
    def report_stream(self, state: str, reason: str) -> None: ...
    def report_pause(self, reason: str) -> None: ...
    def report_recording(self, path: str) -> None: ...


class Player(Protocol):
    """How a source is consumed: RecordingPlayer or StreamPlayer."""

    def apply(self, commands: Commands) -> None: ...
    def wait_s(self) -> float | None: ...
    def step(self) -> None: ...
    def refresh(self, keep_tracks: bool) -> None: ...
    def halt(self) -> None: ...
    def extra_dropped(self) -> int: ...
    def close(self) -> None: ...


class Session:
    def __init__(
        self, sink: Sink, make_detector: Callable[[DetectorSettings], Detector] = Detector
    ) -> None:
        self.sink = sink
        self._make_detector = make_detector
        self.requested = self.settings = DetectorSettings()  # asked for; in use
        # independent pictures (one image, or a folder of stills without a frame rate): nothing
        # to track, and a tracker would confirm nothing, or join unrelated images
        self.still = False
        self.detector: Detector | None = None
        self.player: Player | None = None
        self.rate_in, self.rate_out = RateMeter(), RateMeter()
        self.dropped = 0
        self._broken = False  # the detector could not be built with the current settings
        self._told_spacing = False  # the user knows this source's frames have no spacing
        # frame index -> the tracks before the detector took it, for the last frames of this
        # source given to it (see rewind_tracks): a paused frame is taken again with a new
        # threshold from the tracks it was first taken with, and a frame playback skipped is
        # taken from those of the frame shown before it
        self._before: dict[int, object] = {}

    def apply(self, commands: Commands) -> None:
        if commands.open is not None:
            self.open(*commands.open)
        if commands.detector is not None:
            self.configure(commands.detector)
        if self.player is not None:
            self.guard(self.player.apply, commands)

    def wait_s(self) -> float | None:
        """How long the worker may sleep waiting for commands; None: until one comes."""
        return None if self.player is None else self.player.wait_s()

    def step(self) -> None:
        if self.player is not None and self.guard(self.player.step) is _FAILED:
            self.player.halt()
            self.sink.report_pause("stopped by an error")

    def open(self, path: str, spacing_mm: float | Spacing | None) -> None:
        def load() -> Any:
            from vesselscope.simulator import demo_cine_path

            target = str(demo_cine_path()) if path == DEMO else path
            return open_source(target, spacing_mm=spacing_mm)

        said: list[str] = []  # what opening warned of (a recording cut off), said once it is open
        source = self.guard(load, notices=said)
        if source is _FAILED:
            return  # the source on screen, if any, stays open: a bad file costs nothing
        self.close()
        self._before.clear()
        if self.detector is not None:
            # another source's tracks would be predicted over this one, and its vessels
            # numbered on from the last one's
            self.detector.reset(renumber=True)
        self.rate_in.reset()
        self.rate_out.reset()
        self.dropped, self._told_spacing = 0, False
        live = not source.seekable
        count = None if live else len(source)
        info = SourceInfo(source.path, count, source.fps, source.spacing_mm, spacing_mm)
        self.sink.opened_source(info)
        for message in said:  # after "Opened ...", which would otherwise hide them at once
            self.sink.report_notice(message)
        player = self.guard(StreamPlayer if live else RecordingPlayer, self, source)
        if player is _FAILED:
            self.guard(source.close)
            return
        self.player = player
        still = not live and independent_stills(source)
        if self.still != still:
            self.still = still
            if self.detector is not None:
                self._use()

    def configure(self, settings: DetectorSettings) -> None:
        """Use new detector settings; a model that fails its card check leaves the old one."""
        self._broken, self.requested = False, settings
        kept = self._use()
        if self.player is not None:
            self.player.refresh(keep_tracks=kept)

    def detect(self, frame: Frame) -> FrameResult | None:
        """The detector's result for `frame`; None when it cannot run (said once, elsewhere)."""
        self._before.pop(frame.index, None)  # unknown unless taken below, then the newest
        if self.detector is None and not self._broken:
            self._use()
            self._broken = self.detector is None  # do not retry (and re-report) every frame
        if self.detector is None:
            return None
        if frame.spacing_mm is None and self.settings.default_spacing_mm is None:
            if not self._told_spacing:  # once per source, on its first frame without spacing
                self._told_spacing = True
                self.sink.report_notice(
                    f"{frame.origin}: no pixel spacing, so no detection, and calipers read in "
                    "pixels (give it with --spacing or File > Pixel spacing)"
                )
            return None
        self._before[frame.index] = self.detector.tracks_snapshot()
        while len(self._before) > KEPT_SNAPSHOTS:
            del self._before[next(iter(self._before))]  # the oldest taken
        return self.detector.process(frame)

    def rewind_tracks(self, index: int) -> bool:
        """Put the tracks back as they were before frame `index` was last detected, if that is
        known; whether they were."""
        if self.detector is None or index not in self._before:
            return False
        self.detector.restore_tracks(self._before[index])
        return True

    def _use(self) -> bool:
        """Whether the detector, and so its tracks, were kept (only the threshold moved)."""
        settings = replace(self.requested, track=False) if self.still else self.requested
        same_but_threshold = replace(settings, threshold=None) == replace(
            self.settings, threshold=None
        )
        if self.detector is not None and same_but_threshold:
            # Only the decision threshold moved: keep the loaded model and the tracks.
            threshold = settings.threshold
            self.detector.threshold = (
                threshold if threshold is not None else _card_threshold(self.detector)
            )
            self.settings = settings
            self._report_detector()
            return True
        if (detector := self.guard(self._make_detector, settings)) is not _FAILED:
            self.detector, self.settings = detector, settings
            self._before.clear()
        self._report_detector()
        return False

    def reset_tracks(self, renumber: bool = False) -> None:
        if self.detector is not None:
            self.detector.reset(renumber)

    def track_warmup(self) -> int:
        """Frames the tracker must see before a vessel is confirmed and shown."""
        if not self.settings.track:
            return 0
        return max(0, self.settings.tracker.confirm_hits - 1)

    def deliver(self, frame: Frame) -> FrameResult | None:
        """Detect `frame` and show it; its result."""
        result = self.detect(frame)
        self.show(frame, result)
        return result

    def show(self, frame: Frame, result: FrameResult | None) -> None:
        """Show `frame` with a result already known (detected now, or earlier)."""
        self.rate_out.tick()
        extra = self.player.extra_dropped() if self.player is not None else 0
        timings = result.timings_ms if result is not None else {}
        stats = Stats(self.rate_in.rate(), self.rate_out.rate(), self.dropped + extra, timings)
        self.sink.deliver(frame, result, stats)

    def guard(
        self, call: Callable[..., T], *args: object, notices: list[str] | None = None
    ) -> T | object:
        """call(*args), reporting its warnings as notices (or adding them to `notices`, for the
        caller to report) and its failure as an error."""
        try:
            value, messages = collecting_warnings(call, *args)
        except Exception as exc:
            self.sink.report_failure(describe_error(exc))
            return _FAILED
        if notices is not None:
            notices.extend(messages)
        else:
            for message in messages:
                self.sink.report_notice(message)
        return value

    def close(self) -> None:
        if self.player is not None:
            player, self.player = self.player, None
            self.guard(player.close)

    def _report_detector(self) -> None:
        d, model = self.detector, self.settings.model
        if d is not None:
            model = str(model) if model is not None else None
            self.sink.report_detector(DetectorInfo(d.device, d.provider, model, d.threshold))


_FAILED = object()


def _card_threshold(detector: Detector) -> float:
    classifier = getattr(detector, "classifier", None)
    return classifier.threshold if classifier is not None else 0.5
