"""Ultrasound B-mode cine simulator with exact ground truth (docs/simulator.md).

Stream frames with their vessel ellipses: ``simulate_cine("femoral", frames=200, seed=1)``;
write a cine and its truth file: ``write_simulation("cine.mha", "femoral", 200, 1)``; open
``sim://femoral?seed=1&frames=200`` with ``open_source``; get the README's demo cine with
``demo_cine_path()``.
"""

from vesselscope.simulator.cine import (
    SIMULATOR_VERSION,
    Simulation,
    simulate_cine,
    truth_path,
    write_simulation,
)
from vesselscope.simulator.demo import demo_cine_path
from vesselscope.simulator.presets import PRESETS, Preset

__all__ = [
    "PRESETS",
    "SIMULATOR_VERSION",
    "Preset",
    "Simulation",
    "demo_cine_path",
    "simulate_cine",
    "truth_path",
    "write_simulation",
]
