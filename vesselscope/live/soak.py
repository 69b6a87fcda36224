"""Soak run: `vesselscope serve` -> igtl:// source -> a processing step, for minutes on end.

    python -m vesselscope.live.soak --minutes 10 --fps 30

Reports frames received, processed and dropped, reconnects and stalls, glass-to-glass latency
percentiles (frame timestamp, stamped by the server as it sends, to the processed result) and the
consumer's resident memory after warm-up and at the end. The step is the vessel candidate search
when it is available ("candidates"), else a fixed 10 ms stand-in ("sleep").
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from vesselscope.frame import Frame
from vesselscope.live.feed import FrameFeed
from vesselscope.live.latency import LatencyMeter
from vesselscope.live.serve_process import serve_process
from vesselscope.live.status import StreamState, StreamStatus
from vesselscope.sources import open_source

Step = Callable[[Frame], object]


@dataclass
class SoakReport:
    seconds: float
    step: str
    received: int
    processed: int
    dropped: int
    reconnects: int
    stalls: int
    latency_ms: dict[float, float]
    rss_warm_mb: float
    rss_end_mb: float

    @property
    def growth_percent(self) -> float:
        return 100.0 * (self.rss_end_mb - self.rss_warm_mb) / self.rss_warm_mb

    def __str__(self) -> str:
        latency = ", ".join(f"p{p:g} {ms:.1f} ms" for p, ms in self.latency_ms.items())
        return "\n".join([
            f"soak: {self.seconds:.0f} s, step: {self.step}",
            f"frames received {self.received}, processed {self.processed}, "
            f"dropped {self.dropped}, reconnects {self.reconnects}, stalls {self.stalls}",
            f"glass-to-glass latency: {latency or 'no frames'}",
            f"memory (RSS): {self.rss_warm_mb:.1f} MB after warm-up, {self.rss_end_mb:.1f} MB "
            f"at the end ({self.growth_percent:+.2f} %)",
        ])  # fmt: skip


def rss_mb() -> float:
    """This process's resident memory now (Linux /proc; elsewhere the peak, which only grows)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_step(name: str) -> tuple[str, Step]:
    """("candidates", search) when the candidate search runs here, else a 10 ms stand-in."""
    if name in ("auto", "candidates"):
        try:
            from vesselscope.candidates import CandidateSearch

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                search = CandidateSearch("general")
            notes = "; ".join(str(w.message).split(";")[0] for w in caught)
            return f"candidates ({notes or 'OpenCL'})", search.search
        except Exception as exc:
            if name == "candidates":
                raise
            print(f"candidate search unavailable ({exc}); using the 10 ms stand-in")
    return "sleep (fixed 10 ms stand-in)", lambda frame: time.sleep(0.010)


def soak(
    seconds: float, fps: float, step: str = "auto", size: int = 256, warmup_s: float = 10.0
) -> SoakReport:
    step_name, process = make_step(step)
    uri = f"sim://femoral?seed=1&frames=300&size={size},{size}"
    stalls = 0

    def count_stalls(status: StreamStatus) -> None:
        nonlocal stalls
        stalls += status.state is StreamState.STALLED

    meter, processed, rss_warm = LatencyMeter(), 0, None
    with serve_process(uri, "--fps", str(fps), "--loop") as server:
        source = open_source(f"igtl://127.0.0.1:{server.port}")
        source.add_status_listener(count_stalls)
        start = time.monotonic()
        next_note = start + 60
        with FrameFeed(source, "latest") as feed:
            while (now := time.monotonic()) - start < seconds:
                if rss_warm is None and now - start >= warmup_s:
                    rss_warm = rss_mb()
                if now >= next_note:
                    next_note += 60
                    print(f"{now - start:4.0f} s: {processed} processed, {feed.dropped} dropped, "
                          f"{rss_mb():.1f} MB, {meter.summary()}", flush=True)  # fmt: skip
                frame = feed.get(timeout=0.5)
                if frame is None:
                    continue
                process(frame)
                meter.record(frame.timestamp_s)
                processed += 1
            counters, rss_end = source.counters(), rss_mb()
    return SoakReport(
        seconds=seconds,
        step=step_name,
        received=counters.received,
        processed=processed,
        dropped=counters.dropped,
        reconnects=counters.reconnects,
        stalls=stalls,
        latency_ms=meter.percentiles(),
        rss_warm_mb=rss_warm or rss_mb(),
        rss_end_mb=rss_end,
    )


def main(argv: list[str] | None = None) -> None:
    # a soak tool, but its impossible values get a usage line, not a server that never starts
    from vesselscope.commands.arg_types import within

    parser = argparse.ArgumentParser(prog="python -m vesselscope.live.soak", description=__doc__)
    parser.add_argument("--minutes", type=within(float, 0.01, 24 * 60), default=10.0)
    parser.add_argument("--fps", type=within(float, 1.0, 240.0), default=30.0)
    parser.add_argument("--step", choices=["auto", "candidates", "sleep"], default="auto")
    parser.add_argument(
        "--size", type=within(int, 32, 2048), default=256, help="image rows and columns (256)"
    )
    parser.add_argument(
        "--warmup", type=within(float, 0.0, 3600.0), default=10.0, help="seconds before memory (10)"
    )
    args = parser.parse_args(argv)
    print(soak(args.minutes * 60, args.fps, args.step, args.size, args.warmup), flush=True)


if __name__ == "__main__":
    main()
