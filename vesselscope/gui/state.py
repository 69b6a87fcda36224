"""ViewerState: what the viewer shows, in one plain object that widgets observe.

Widgets bind one control to one field: they set the field on user input and redraw when
`subscribe` tells them a field changed. There is no Qt here; the state lives in the GUI thread
and the worker never touches it (the controller copies the worker's deliveries into it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

from vesselscope.annotations import Annotations
from vesselscope.detection.results import FrameResult
from vesselscope.frame import Frame, Spacing
from vesselscope.gui.annotation_history import AnnotationHistory
from vesselscope.gui.calipers import Caliper

Listener = Callable[[str], None]


@dataclass(frozen=True)
class SourceInfo:
    """What the worker found on opening a source."""

    path: str
    frame_count: int | None  # None: a live stream, which has no length
    fps: float | None
    spacing_mm: Spacing | None
    # what the user gave (--spacing, File > Pixel spacing), for reopening
    spacing_override: float | Spacing | None = None

    @property
    def live(self) -> bool:
        return self.frame_count is None


@dataclass(frozen=True)
class Stats:
    """The status bar's figures, measured by the worker when it delivered a frame."""

    fps_in: float  # frames the source offered per second
    fps_out: float  # frames detected and delivered per second
    dropped: int  # frames skipped since the source was opened (never silently)
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DetectorInfo:
    device: str  # the candidate search's backend (OpenCL device or the NumPy reference)
    provider: str  # the ONNX Runtime execution provider, or "none (no model)"
    model: str | None  # the model file loaded; None for the shipped default
    threshold: float


@dataclass(eq=False)
class ViewerState:
    source: SourceInfo | None = None
    frame: Frame | None = None
    result: FrameResult | None = None
    index: int = 0  # frame of a recording, or position in the frozen cine buffer of a stream
    buffered: int = 0  # frames in the cine buffer of a live stream
    playing: bool = False
    speed: float = 1.0
    loop: bool = True
    frozen: bool = False
    recording: str | None = None  # the sequence being recorded, or None
    stream: str = "idle"  # a live source's state: connecting, live, stalled, disconnected
    stream_reason: str = ""
    show_vessels: bool = True
    show_rejected: bool = False
    show_track_ids: bool = True
    tool: str = "pan"  # pan, distance, ellipse (calipers) or annotate
    calipers: list[Caliper] = field(default_factory=list)
    annotations: Annotations = field(default_factory=Annotations)
    annotation_label: str = "artery"  # given to newly drawn ellipses
    annotation_history: AnnotationHistory = field(default_factory=AnnotationHistory)
    selection: int | None = None  # the selected ellipse of the frame on screen
    preset: str = "general"
    threshold: float | None = None  # None: the model card's
    model: str | None = None  # None: the shipped model
    detector: DetectorInfo | None = None
    stats: Stats | None = None
    error: str = ""  # the latest error, shown until the next success

    def __post_init__(self) -> None:
        object.__setattr__(self, "_listeners", [])

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(field_name)` after each change; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def notify(self, name: str) -> None:
        """Tell listeners that `name` changed in place (a caliper added, an ellipse moved)."""
        for listener in list(getattr(self, "_listeners", ())):  # none yet while __init__ runs
            listener(name)

    def update(self, **values: object) -> None:
        """Set several fields, then notify: listeners never see half of an update."""
        changed = [name for name, value in values.items() if self._set(name, value)]
        for name in changed:
            self.notify(name)

    def __setattr__(self, name: str, value: object) -> None:
        if self._set(name, value):
            self.notify(name)

    def _set(self, name: str, value: object) -> bool:
        if name not in _FIELDS:
            raise AttributeError(f"ViewerState has no field {name!r}")
        old = getattr(self, name, _UNSET)
        object.__setattr__(self, name, value)
        if old is value:
            return False
        # Values are compared only when plain: comparing frames would compare their pixels.
        plain = isinstance(value, (bool, int, float, str)) and type(old) is type(value)
        return not (plain and old == value)


_UNSET = object()
_FIELDS = {f.name for f in fields(ViewerState)}
