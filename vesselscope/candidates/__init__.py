"""Stage 1 of the vessel detector: ellipse-fitting candidate search (OpenCL, NumPy reference).

CandidateSearch("femoral").search(frame) returns at most top_k Candidates, best first, on a GPU
if there is one, else the CPU OpenCL device, else (with one warning) the NumPy reference.
"""

from vesselscope.candidates.candidate import Candidate
from vesselscope.candidates.presets import PRESETS, CandidatePreset
from vesselscope.candidates.recall import Recall, frame_recall
from vesselscope.candidates.search import CandidateSearch, OpenCLFallbackWarning

__all__ = [
    "PRESETS",
    "Candidate",
    "CandidatePreset",
    "CandidateSearch",
    "OpenCLFallbackWarning",
    "Recall",
    "frame_recall",
]
