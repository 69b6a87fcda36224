"""The built-in demo cine: simulated on first use into the user's cache, then reused.

A stamp file records how the cine was made; a different simulator version (or demo setting)
makes it stale and it is simulated again. Every file is written under a temporary name and
renamed into place, and the stamp goes last, so a process that sees a valid stamp also sees the
whole cine and its truth file, even while another process is writing the same demo.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

from vesselscope.simulator.cine import SIMULATOR_VERSION, truth_path, write_simulation

# 5 s, the length of the evaluation cines: artery and vein are told apart by their pulse over at
# least 1.5 s of a track, and a looping cine starts its tracks again on each pass, so a 2 s demo
# (60 frames, until 2026-11-26) never showed a label that was not asked ("Vessel (vein?)").
DEMO = {"preset": "femoral", "frames": 150, "seed": 7, "size": [512, 512], "spacing_mm": 0.075}
DEMO_NAME = "demo-femoral.mha"


def cache_dir() -> Path:
    """$VESSELSCOPE_CACHE, or ~/.cache/vesselscope."""
    configured = os.environ.get("VESSELSCOPE_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "vesselscope"


def demo_cine_path() -> Path:
    """Path of the demo cine (.mha, femoral, 150 frames); its truth file is truth_path() of it."""
    folder = cache_dir()
    cine = folder / DEMO_NAME
    stamp = folder / (DEMO_NAME + ".json")
    expected = {"simulator_version": SIMULATOR_VERSION, **DEMO}
    stamped = _read_stamp(stamp)
    # The stamp also records the cine's size: a cached file cut short or changed since is
    # simulated again rather than played in part.
    if (
        isinstance(stamped, dict)
        and {k: v for k, v in stamped.items() if k != "bytes"} == expected
        and cine.exists()
        and stamped.get("bytes") == cine.stat().st_size
        and truth_path(cine).exists()
    ):
        return cine
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_scratch(folder)
    # A private scratch folder in the cache keeps the final file names (the truth file records
    # the cine's name) and sits on the same file system, so the renames below are atomic.
    scratch = folder / f".demo-{uuid.uuid4().hex[:12]}"
    scratch.mkdir()
    try:
        written, truth = write_simulation(
            scratch / DEMO_NAME,
            DEMO["preset"],
            frames=DEMO["frames"],
            seed=DEMO["seed"],
            size=tuple(DEMO["size"]),
            spacing_mm=DEMO["spacing_mm"],
        )
        size = os.path.getsize(written)
        os.replace(written, cine)
        os.replace(truth, truth_path(cine))
        (scratch / "stamp.json").write_text(json.dumps({**expected, "bytes": size}))
        os.replace(scratch / "stamp.json", stamp)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return cine


def _read_stamp(stamp: Path) -> dict | None:
    try:
        return json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None


def _remove_stale_scratch(folder: Path) -> None:
    """Scratch folders of a simulation killed part-way (an hour old: none still in use)."""
    for scratch in folder.glob(".demo-*"):
        try:
            if time.time() - scratch.stat().st_mtime > 3600:
                shutil.rmtree(scratch, ignore_errors=True)
        except OSError:
            continue
