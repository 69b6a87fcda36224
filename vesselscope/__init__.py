"""VesselScope: real-time blood vessel detection in ultrasound."""

from vesselscope.errors import SourceError, SpacingUnknownWarning, is_user_error
from vesselscope.frame import Frame
from vesselscope.sources import Source, open_source

__version__ = "0.1.0"

__all__ = [
    "Frame",
    "Source",
    "SourceError",
    "SpacingUnknownWarning",
    "__version__",
    "is_user_error",
    "open_source",
]
