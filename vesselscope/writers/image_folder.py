"""Export a cine as numbered PNG files (lossless) plus a sidecar with its geometry."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import cv2

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources.color import to_uint8
from vesselscope.writers.geometry import fps_from_timestamps, write_sidecar


def write_image_folder(path: Path, frames: Iterable[Frame], *, fps: float | None = None) -> Path:
    """Write frame_0000.png, frame_0001.png... and sidecar.json into the folder `path`.

    Each picture is a file of its own, so frames may differ in size (a folder of stills). If
    the frames fail part-way, the pictures written so far are removed again, and the folder if
    this made it.
    """
    folder = Path(path)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    spacing = None
    timestamps: list[float] = []
    written: list[Path] = []
    try:
        for number, frame in enumerate(frames):
            spacing = frame.spacing_mm
            timestamps.append(frame.timestamp_s)
            if frame.color is not None:
                image = cv2.cvtColor(frame.color, cv2.COLOR_RGB2BGR)
            else:
                image = to_uint8(frame.pixels)
            target = folder / f"frame_{number:04d}.png"
            written.append(target)  # before it exists: a signal may come while it is written
            if not cv2.imwrite(str(target), image):
                raise SourceError(target, "could not write PNG")
        if not written:
            raise SourceError(folder, "no frames to write")
    except BaseException:  # Ctrl+C and SIGTERM (see cli.Terminated) too
        if made:  # everything in it is ours
            shutil.rmtree(folder, ignore_errors=True)
        for picture in written:
            picture.unlink(missing_ok=True)
        raise
    write_sidecar(folder / "sidecar.json", spacing, fps or fps_from_timestamps(timestamps))
    return folder
