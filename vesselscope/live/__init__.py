"""Live sources and how any source is consumed (see DESIGN.md: newest frame wins when live).

    from vesselscope.live import FrameFeed, LatencyMeter
    from vesselscope.sources import open_source

    source = open_source("igtl://127.0.0.1:18944")      # or capture://0?crop=...&spacing=...
    source.add_status_listener(print)                      # connecting / live / stalled / ...
    with FrameFeed(source, "latest") as feed:              # "every" for replay and evaluation
        for frame in feed:
            ...                                            # detect; feed.dropped counts skips

`vesselscope serve SOURCE` (ReplayServer) replays a recording as an OpenIGTLink server.
"""

from vesselscope.live.feed import POLICIES, FrameFeed, Policy
from vesselscope.live.latency import LatencyMeter
from vesselscope.live.status import StatusBoard, StreamState, StreamStatus
from vesselscope.live.stream import LiveSource, StreamCounters

__all__ = [
    "POLICIES",
    "FrameFeed",
    "LatencyMeter",
    "LiveSource",
    "Policy",
    "StatusBoard",
    "StreamCounters",
    "StreamState",
    "StreamStatus",
]
