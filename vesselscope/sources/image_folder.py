"""Numbered still images (frame_0001.png, 0002.png...) or one image, as a cine."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

from vesselscope.errors import SourceError
from vesselscope.frame import Frame
from vesselscope.sources.base import Source, warn_if_spacing_unknown
from vesselscope.sources.color import frame_pixels
from vesselscope.sources.image_decode import decode_image
from vesselscope.sources.sidecar import load_sidecar

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
# The last run of digits in the name is the frame number: "run2_frame_0013.png" -> 13.
_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


class ImageFolderSource(Source):
    """Frames ordered by the number in their names; a single image file is a one-frame cine.

    Frames may differ in size: a folder can hold independent stills from several scanners (as
    usgra-seg does), and each frame is decoded as it is. The sidecar's crop must fit every one.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        folder = Path(path)
        self.path = str(folder)
        self._files = order_frames(folder) if folder.is_dir() else [folder]
        self.frame_count = len(self._files)
        self._sidecar = load_sidecar(folder)
        self.fps = self._sidecar.fps
        self.spacing_mm = self._sidecar.spacing_mm
        first = self._first_readable()
        self._sidecar.check_crop_fits(self.path, *first.shape[:2])
        warn_if_spacing_unknown(self.path, self.spacing_mm)

    def _first_readable(self) -> np.ndarray:
        """The first image that decodes: one corrupt still does not close the whole folder
        (its frame fails alone when read); a folder of none that decode is refused."""
        failure: SourceError | None = None
        for file in self._files:
            try:
                return decode_image(file)
            except SourceError as exc:
                failure = failure or exc
        assert failure is not None  # order_frames never returns an empty list
        raise failure

    @property
    def files(self) -> list[Path]:
        return list(self._files)

    def _read(self, index: int) -> Frame:
        image = decode_image(self._files[index])
        self._sidecar.check_crop_fits(str(self._files[index]), *image.shape[:2])
        pixels, color = frame_pixels(self._sidecar.crop_image(image))
        return Frame(
            pixels=pixels,
            spacing_mm=self.spacing_mm,
            index=index,
            timestamp_s=self.timestamp_of(index),
            origin=str(self._files[index]),
            color=color,
        )


def order_frames(folder: Path) -> list[Path]:
    """Image files of one numbered series in the folder, by number; SourceError if none."""
    images = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if not images:
        raise SourceError(folder, "folder holds no image files (.png, .jpg, .bmp, .tif)")
    series: dict[tuple[str, str], list[tuple[int, Path]]] = defaultdict(list)
    for image in images:
        match = _NUMBER.match(image.stem)
        if match:
            series[(match.group(1), match.group(3) + image.suffix.lower())].append(
                (int(match.group(2)), image)
            )
    if not series:
        return sorted(images)  # no numbers at all: plain name order is all we have
    if len(series) > 1:
        names = ", ".join(f"{prefix}N{suffix}" for prefix, suffix in sorted(series))
        raise SourceError(folder, f"folder mixes several numbered series ({names}); keep one")
    (numbered,) = series.values()
    numbered.sort()
    for (number, first), (next_number, second) in zip(numbered, numbered[1:], strict=False):
        if number == next_number:
            raise SourceError(folder, f"{first.name} and {second.name} have the same number")
    return [path for _, path in numbered]


def image_sizes(files: list[Path]) -> list[tuple[int, int]]:
    """(width, height) of each readable image, from its header alone (fast over hundreds of
    stills); an unreadable one is left out here and reported when its frame is read."""
    from PIL import Image, UnidentifiedImageError

    sizes = []
    for path in files:
        try:
            with Image.open(path) as image:
                sizes.append(image.size)
        except (OSError, UnidentifiedImageError):
            continue
    return sizes


def independent_stills(source: Source) -> bool:
    """One image, or a folder of stills without a frame rate: pictures, not a cine, so there is
    nothing to track (a tracker would confirm nothing, or join unrelated images). The viewer
    and the commands all detect these one by one."""
    return len(source) == 1 or (isinstance(source, ImageFolderSource) and source.fps is None)
