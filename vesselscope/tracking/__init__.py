"""Tracking over time: Kalman-filtered vessels with stable ids and artery/vein labels."""

from vesselscope.tracking.tracker import TrackerSettings, VesselTracker

__all__ = ["TrackerSettings", "VesselTracker"]
