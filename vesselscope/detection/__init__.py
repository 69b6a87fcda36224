"""Detection: frames in, FrameResults out (candidate search -> classifier -> tracker)."""

from vesselscope.detection.results import FrameResult, Vessel

__all__ = ["FrameResult", "Vessel"]
