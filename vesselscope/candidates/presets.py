"""Per-anatomy parameters of the candidate search, in millimetres (converted per frame).

Radii are mean lumen radii sqrt(a * b): a flattened vessel of the same area has the same radius,
so one radius list serves every flattening. Values come from the method's femoral defaults
(../shared/reference/vessel-detection-method.md), the simulator's anatomy and the usgra-seg masks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CandidatePreset:
    name: str
    radius_mm: tuple[float, float]  # smallest and largest mean lumen radius searched
    # minor/major axis ratios tried; 1.0 is the circle. Real lumens are 0.4-0.95.
    flattenings: tuple[float, ...] = (1.0, 0.72, 0.52)
    # A shape whose minor semi-axis is under this many pixels of its own level is searched one
    # level finer (plan.build_plan); 0 never moves one.
    min_minor_px: float = 0.0
    # Score factor of those moved shapes. A finer level resolves a bright wall more sharply, so
    # its steps run higher than at the level a shape came from: below 1, a flat fit there does
    # not outscore a round fit of the same vessel at its own level.
    finer_level_weight: float = 1.0
    # Orientation step (cv2.ellipse convention) of the shapes down to 0.72 flat; flatter ones
    # get finer steps in proportion (plan.angle_step).
    angle_step_deg: float = 45.0
    radii_per_octave: int = 3
    skin_mm: float = 3.0  # no centre shallower than this (skin, reverberation)
    max_depth: float = 1.0  # no centre deeper than this share of the image depth
    # Each outline sample's edge step counts up to this many grey levels (0-255 input): a
    # bright fascia line then cannot outvote a whole outline of moderate evidence.
    edge_cap: float = 10.0
    # A shape's score is multiplied by (mean radius in mm)^size_prior. Small dark gaps between
    # bright fascia lines fit small ellipses as well as lumens fit large ones; on usgra-seg the
    # top-10 recall was ~0.6 without this prior and ~0.87 with 0.5 (0.35 and 0.75 did worse).
    size_prior: float = 0.5
    # An outline running off the image reads no edge there. Below 1, one with at least this
    # share of its samples in view is scored by those alone, so a vessel cut by the image's edge
    # is not outranked by whole outlines of weaker evidence; 1 scores every outline over all its
    # samples.
    min_in_view: float = 1.0
    min_fitness: float = 1.0  # the score below which no candidate is kept (see Candidate)
    # (outside - inside) / outside of the smoothed intensity; the method's wall test
    min_wall_contrast: float = 0.2
    wall_mm: float = 0.4  # how far outside the outline the wall is sampled
    # greedy suppression: a centre inside an accepted ellipse scaled by this is dropped
    nms_enlarge: float = 1.5
    # smoothing of the full-resolution gradient for the shape refinement (on simulated cines
    # 0.2 mm gave the smallest radius error of 0.15, 0.2 and 0.3 mm)
    refine_sigma_mm: float = 0.2
    # how many of the best candidates the detector classifies per frame (the method's 8)
    classified: int = 8

    def __post_init__(self) -> None:
        low, high = self.radius_mm
        problem = None
        if not 0 < low <= high:
            problem = f"radius_mm must be 0 < min <= max, got {self.radius_mm}"
        elif not self.flattenings or not all(0.2 <= s <= 1.0 for s in self.flattenings):
            problem = f"flattenings must be in [0.2, 1], got {self.flattenings}"
        elif not 0 < self.max_depth <= 1:
            problem = f"max_depth must be in (0, 1], got {self.max_depth}"
        elif not 0 < self.angle_step_deg <= 90:
            problem = f"angle_step_deg must be in (0, 90], got {self.angle_step_deg}"
        elif self.min_minor_px < 0 or not 0 < self.finer_level_weight <= 1:
            problem = (
                f"min_minor_px must be >= 0 and finer_level_weight in (0, 1], got "
                f"{self.min_minor_px} and {self.finer_level_weight}"
            )
        elif not 0 < self.min_in_view <= 1:
            problem = f"min_in_view must be in (0, 1], got {self.min_in_view}"
        elif self.classified < 1:
            problem = f"classified must be >= 1, got {self.classified}"
        elif self.radii_per_octave < 1:
            problem = f"radii_per_octave must be >= 1, got {self.radii_per_octave}"
        if problem:
            raise ValueError(f"candidate preset {self.name!r}: {problem}")


# The shapes of a vein pressed flat, shared by the presets of veins a probe presses (see the
# carotid's, whose jugular they were chosen for, and the femoral's).
PRESSED_VEIN_SHAPES = dict(
    flattenings=(1.0, 0.72, 0.52, 0.38, 0.27), min_minor_px=2.0, finer_level_weight=0.9
)

PRESETS: dict[str, CandidatePreset] = {
    p.name: p
    for p in (
        # Wide net for unknown anatomy: 1-7 mm covers forearm arteries to femoral veins. Vessels
        # cut by the image's edge are scored by their outline in view: on usgra-seg (0.075 mm/px)
        # top-10 recall 206 -> 212 of 238 (even-numbered images 105 -> 109 of 116, odd 101 ->
        # 103 of 122) and cross-validated detection F1 0.600 -> 0.608. The anatomy presets keep
        # whole outlines: on their simulated validation cines, large fits running off the image
        # over plain tissue were lifted into the classified set and some accepted (F1 carotid
        # 204 0.99 -> 0.97, forearm 201 0.95 -> 0.94).
        CandidatePreset("general", radius_mm=(1.0, 7.0), min_in_view=0.75),
        # The method's own ranges (impl.: r up to 6 mm, skin 5 mm, 85% depth), widened to veins,
        # with the shapes of a pressed vein: compressing the femoral vein is how it is told from
        # the artery, and pressed to a quarter of its width it was fitted at one end, 2-4.6 mm
        # off its centre. Detection F1 on simulated femoral cines: validation seeds 201-208
        # mean 0.989 -> 0.995 (202, 203, 204, 206, 207 up, 208 0.993 -> 0.980); seeds 3-8 mean
        # 0.950 -> 0.974 (3 0.91 -> 1.00, 4 0.96 -> 1.00, 5 0.85 -> 0.86, 8 0.998 -> 0.993);
        # test seeds 101 and 102 1.00 before and after; seed 1, where QA saw it, 0.90 -> 1.00.
        # Candidate stage on this 2-core CPU p50 6.7-7.8 -> 8.1-8.3 ms (3.2 M samples, not 1.0).
        CandidatePreset(
            "femoral", radius_mm=(2.5, 7.0), skin_mm=5.0, max_depth=0.85, **PRESSED_VEIN_SHAPES
        ),
        # Common carotid 3-4 mm radius; the jugular beside it is larger and flatter, often
        # pressed to a fifth of its width and tilted. A 0.38 shape raised the detector's mean
        # F1 on validation cines (simulated seeds 201-202) from 0.89 to 0.94; 0.27, with the
        # finer orientation steps of flat shapes, fits the pressed jugular whole: carotid F1
        # 0.90 -> 0.99 on seed 201, mean 0.84 -> 0.91 on seeds 203-206 (with those steps but
        # no 0.27, the jugular's partial fits were accepted: 0.78 on seed 201). The thinnest
        # searched one level finer fit the jugular whole where it was outlined in part: F1 on
        # seeds 203 / 205 0.81 / 0.86 -> 0.88 / 0.92, the other eight validation cines 0.99
        # before and after. At their full score (weight 1) they reached 0.93 / 0.96, but a flat
        # fit outscored the round artery, which was then called a vein (artery/vein accuracy
        # 1.00 -> 0.49 on seed 201). A weight of 0.95 still mislabelled it on seed 206 (0.50);
        # 0.85 gained less.
        CandidatePreset(
            "carotid",
            radius_mm=(2.0, 6.0),
            **PRESSED_VEIN_SHAPES,
            skin_mm=4.0,
            max_depth=0.9,
        ),
        # The carotid preset's shapes, for the same pressed jugular (carotid validation cines
        # 201 / 202 with this preset: F1 0.79 / 0.89 without the 0.27 shape, 0.99 / 0.99 with;
        # the thinnest one level finer, as in the carotid preset: 203 / 205 0.83 / 0.90 -> 0.88 /
        # 0.92, the other four 0.99 before and after).
        CandidatePreset(
            "jugular",
            radius_mm=(2.0, 8.0),
            **PRESSED_VEIN_SHAPES,
            skin_mm=3.0,
            max_depth=0.9,
        ),
        # Radial/ulnar arteries and their venae comitantes: 0.4-2.5 mm, close to the skin. No
        # size prior: here the lumens are the small things (simulated forearm recall 0.51 ->
        # 0.88 at K=10 without it). Without it the small dark gaps between fascia lines rank
        # as high as the small veins, so 12 are classified: F1 on the validation cines (seeds
        # 201 / 202) 0.73 / 0.92 -> 0.77 / 0.92. With 12 for every preset, femoral 202 fell
        # from 0.99 to 0.93 and carotid 203-206 from 0.90 to 0.84 (mean). Its veins are pressed
        # to a third of their width and less: the carotid's flat shapes, the thinnest searched
        # one level finer, fit them whole instead of in parts (validation F1 0.93 / 0.99 ->
        # 0.95 / 0.99; 0.94 / 0.99 with those shapes on their own levels). The moved shapes keep
        # their full score here: with the carotid's 0.9, F1 was the same, but the radial artery,
        # whose label is borderline, was called a vein in 31 frames of seed 201 (artery/vein
        # accuracy 1.00 -> 0.89).
        CandidatePreset(
            "forearm",
            radius_mm=(0.4, 2.5),
            flattenings=PRESSED_VEIN_SHAPES["flattenings"],
            min_minor_px=2.0,
            skin_mm=1.0,
            wall_mm=0.2,
            size_prior=0.0,
            classified=12,
        ),
    )
}


def get_preset(preset: str | CandidatePreset) -> CandidatePreset:
    if isinstance(preset, CandidatePreset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ValueError(f"unknown candidate preset {preset!r} (known: {known})") from None
