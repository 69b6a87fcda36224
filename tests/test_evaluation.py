import json

import numpy as np
import pytest
from PIL import Image

from vesselscope.annotations import Annotations, EllipseAnnotation, save_annotations
from vesselscope.detection.results import FrameResult, Vessel
from vesselscope.evaluation.matching import match_frame
from vesselscope.evaluation.metrics import Evaluation
from vesselscope.evaluation.report import write_report
from vesselscope.evaluation.truth import Truth, ellipse_mask, read_label_mask, regions_of

SPACING = (0.1, 0.1)


def _truth_vessels(*ellipses, shape=(100, 100)):
    annotations = Annotations(spacing_mm=SPACING, frames={0: list(ellipses)})
    return annotations, shape


def _vessel(cx, cy, a, b, score=0.9, label="unknown"):
    return Vessel(cx, cy, a, b, 0.0, score, SPACING, label=label)


def test_optimal_assignment_in_mm_and_shape_errors(tmp_path):
    truth_file = tmp_path / "t.json"
    save_annotations(
        truth_file,
        Annotations(
            spacing_mm=SPACING,
            frames={0: [EllipseAnnotation(30, 30, 10, 8), EllipseAnnotation(60, 30, 10, 10)]},
        ),
    )
    truths = Truth(truth_file).vessels(0, (100, 100))
    detections = [_vessel(58, 30, 10, 10), _vessel(33, 34, 11, 8), _vessel(90, 90, 5, 5)]
    result = match_frame(detections, truths, SPACING, max_distance_mm=2.0)
    errors = sorted(round(m.centre_error_mm, 3) for m in result.matches)
    assert errors == [0.2, 0.5]  # (2 px) and (3, 4) px -> 5 px, at 0.1 mm per pixel
    assert [d.cx for d in result.false_positives] == [90]
    assert result.missed == []
    first = next(m for m in result.matches if m.truth.ellipse.cx == 30)
    assert first.a_error_mm == pytest.approx(0.1) and first.b_error_mm == pytest.approx(0.0)
    assert 0.55 < first.dice < 0.8  # offset by 5 px on a 10 x 8 px ellipse
    far = match_frame([_vessel(30, 55, 10, 8)], truths[:1], SPACING, max_distance_mm=2.0)
    assert far.matches == [] and len(far.missed) == 1  # 2.5 mm away: not a match


def test_palette_masks_give_their_indices_and_components(tmp_path):
    labels = np.zeros((40, 50), np.uint8)
    labels[5:15, 5:20] = 2  # a vessel
    labels[25:35, 30:45] = 1  # a nerve: not a vessel
    labels[30:33, 5:7] = 2  # a 6-pixel speck: below the 20-pixel minimum
    image = Image.fromarray(labels, mode="P")
    image.putpalette([0, 0, 0, 255, 255, 0, 0, 128, 0] + [0] * 759)
    image.save(tmp_path / "0001.png")
    read = read_label_mask(tmp_path / "0001.png")
    assert np.array_equal(read, labels)
    (region,) = regions_of(read == 2)
    assert region.region.sum() == 150
    assert region.ellipse.cx == pytest.approx(12) and region.ellipse.cy == pytest.approx(9.5)
    truth = Truth(tmp_path, mask_label=2)
    assert truth.frame_count == 1 and len(truth.vessels(0, (40, 50))) == 1


def test_ellipse_raster_has_the_expected_area():
    mask = ellipse_mask(EllipseAnnotation(50, 50, 20, 10, 30), (100, 100))
    assert mask.sum() == pytest.approx(np.pi * 200, rel=0.03)


def _result(index, vessels, candidates):
    return FrameResult(index, index / 30, tuple(vessels), tuple(candidates), 0.5, {"total": 5.0})


def test_evaluation_counts_crop_accuracy_artery_vein_and_writes_an_offline_report(tmp_path):
    truth_file = tmp_path / "t.json"
    save_annotations(
        truth_file,
        Annotations(
            spacing_mm=SPACING,
            frames={
                0: [EllipseAnnotation(30, 30, 10, 10, label="artery")],
                1: [EllipseAnnotation(30, 30, 10, 10, label="artery")],
            },
        ),
    )
    truth = Truth(truth_file)
    hit = _vessel(31, 30, 10, 10, 0.9, label="artery")
    wrong_label = _vessel(31, 30, 10, 10, 0.9, label="vein")
    false_alarm = _vessel(80, 80, 5, 5, 0.7)
    rejected_miss = _vessel(30, 30, 10, 10, 0.2)
    evaluation = Evaluation(max_distance_mm=2.0)
    evaluation.add(_result(0, [hit], [hit, false_alarm]), truth.vessels(0, (100, 100)), SPACING)
    evaluation.add(
        _result(1, [wrong_label, false_alarm], [rejected_miss, false_alarm]),
        truth.vessels(1, (100, 100)),
        SPACING,
    )
    summary = evaluation.summary()
    assert (summary["true_positives"], summary["false_positives"], summary["missed"]) == (2, 1, 0)
    assert summary["precision"] == pytest.approx(2 / 3) and summary["recall"] == 1.0
    assert summary["crop_accuracy"] == pytest.approx(1 / 4)  # only the hit is right
    assert summary["artery_vein_accuracy"] == 0.5
    sweep = summary["precision_recall_by_threshold"]
    assert sweep["0.00"]["recall"] == 1.0 and sweep["0.95"]["recall"] == 0.0
    # nothing detected at 0.95: no precision to claim (it read 1.0), and an F1 of 0
    assert sweep["0.95"]["precision"] is None and sweep["0.95"]["f1"] == 0.0
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "worst_4.png").write_bytes(b"of an earlier report")
    (tmp_path / "report" / "worst_case.png").write_bytes(b"the user's own")
    page = write_report(tmp_path / "report", evaluation, summary, [])
    text = page.read_text()
    assert "data:image/png;base64," in text and 'src="http' not in text
    assert json.loads((tmp_path / "report" / "metrics.json").read_text())["f1"] == summary["f1"]
    assert not (tmp_path / "report" / "worst_4.png").exists()
    assert (tmp_path / "report" / "worst_case.png").exists()
    nothing = Evaluation(max_distance_mm=2.0)
    nothing.add(_result(0, [], []), [], SPACING)  # no vessel, none detected
    assert [nothing.summary()[k] for k in ("precision", "recall", "f1")] == [None, None, None]
    assert (
        "<th>precision</th><td>n/a</td>"
        in write_report(tmp_path / "empty", nothing, nothing.summary(), []).read_text()
    )


def test_the_report_overlay_draws_an_outline_not_confirmed_this_frame_thinner():
    from vesselscope.evaluation.overlay import COLOURS, render_overlay
    from vesselscope.frame import Frame

    frame = Frame(np.zeros((200, 200), np.uint8), SPACING, 0, 0.0, "test")

    def drawn(state):
        vessel = Vessel(100.0, 100.0, 40, 30, 0.0, 0.9, SPACING, 1, "artery", 0.8, state=state)
        image = render_overlay(frame, FrameResult(0, 0.0, (vessel,))).astype(float)
        # ink in the artery's colour on the lower half of the outline, below the label
        return float((image[110:] @ np.array(COLOURS["artery"], float)).sum())

    assert 0 < drawn("followed") < 0.8 * drawn("detected")
    assert drawn("predicted") == drawn("followed")


def test_an_outline_far_off_the_image_is_left_out_not_an_export_error():
    """A track predicted over a long gap in a stream once stood at x = -4.8e9: OpenCV refused
    it and the export of that frame failed."""
    from vesselscope.evaluation.overlay import render_overlay
    from vesselscope.frame import Frame

    frame = Frame(np.zeros((200, 200), np.uint8), SPACING, 0, 0.0, "test")
    far = Vessel(-4.8e9, -1.2e9, 40, 30, 0.0, 0.9, SPACING, 3, "vein", 0.8, state="predicted")
    lost = Vessel(float("nan"), 50.0, 40, 30, 0.0, 0.9, SPACING, 4, "vein", 0.8)
    near = Vessel(100.0, 100.0, 40, 30, 0.0, 0.9, SPACING, 1, "artery", 0.8)
    image = render_overlay(frame, FrameResult(0, 0.0, (far, lost, near), (far,)))
    assert image[100, 60:141].any()  # the vessel on the image is drawn


class _OneVesselDetector:
    """Reports one vessel at (30, 30) in every frame, so what is scored is easy to count."""

    class search:  # noqa: N801 - stands in for the detector's CandidateSearch
        @staticmethod
        def plan_for(frame):
            return type("Plan", (), {"spacing_mm": SPACING})

    def __init__(self):
        self.processed = []

    def warm_up(self, frame):
        pass

    def process(self, frame):
        self.processed.append(frame.index)
        vessel = _vessel(30, 30, 8, 8)
        return FrameResult(frame.index, 0.0, (vessel,), (vessel,), 0.5, {"total": 1.0})


def _frames(count):
    from vesselscope.frame import Frame

    return [Frame(np.zeros((100, 100), np.uint8), SPACING, i, i / 30, "") for i in range(count)]


def test_frames_an_annotation_file_leaves_out_are_not_scored_as_frames_without_vessels(tmp_path):
    from vesselscope.evaluation.run import evaluate

    truth_file = tmp_path / "every_third.json"
    annotated = {i: [EllipseAnnotation(30, 30, 8, 8)] for i in range(0, 9, 3)}
    annotated[6] = []  # annotated, and holding no vessel: its detection is a false positive
    save_annotations(truth_file, Annotations(spacing_mm=SPACING, frames=annotated))
    detector = _OneVesselDetector()
    evaluation, results = evaluate(_frames(9), Truth(truth_file), lambda _: detector)
    summary = evaluation.summary()
    assert detector.processed == list(range(9))  # a tracker needs every frame
    assert (summary["frames"], summary["frames_not_annotated"]) == (3, 6)
    assert (summary["true_positives"], summary["false_positives"], summary["missed"]) == (2, 1, 0)
    assert sorted(results) == [0, 3, 6]
    assert len(evaluation.timings["total"]) == 9  # latency counts every frame processed


def test_truth_that_cannot_be_the_recordings_is_refused_or_said(tmp_path):
    import warnings

    from vesselscope.errors import SourceError
    from vesselscope.evaluation.run import evaluate

    truth_file = tmp_path / "t.json"
    frames = {0: [EllipseAnnotation(30, 30, 8, 8)], 999: []}  # 999: past a 9-frame recording
    save_annotations(truth_file, Annotations(spacing_mm=SPACING, frames=frames))
    with pytest.warns(UserWarning, match=r"1 annotated frame\(s\) lie outside the recording's 9"):
        evaluate(_frames(9), Truth(truth_file), lambda _: _OneVesselDetector())
    lost = tmp_path / "lost.json"  # every metric n/a, and the run said it passed
    save_annotations(lost, Annotations(spacing_mm=SPACING, frames={999: []}))
    with pytest.raises(SourceError, match="annotates none of the recording's 9 frames"):
        evaluate(_frames(9), Truth(lost), lambda _: _OneVesselDetector())
    text = truth_file.read_text().replace('"index": 999', '"index": 0')
    truth_file.write_text(text)  # frame 0 twice: which is the truth?
    with pytest.raises(SourceError, match="frame 0 is listed twice"):
        Truth(truth_file)
    masks = tmp_path / "masks"
    masks.mkdir()
    labels = np.zeros((64, 64), np.uint8)
    labels[10:30, 10:30] = 2
    Image.fromarray(labels).save(masks / "0000.png")  # grey labels: a vessel labelled 2
    with (
        warnings.catch_warnings(),
        pytest.raises(SourceError, match=r"no mask holds label 7 \(labels in the masks: 0, 2\)"),
    ):
        warnings.simplefilter("ignore")
        evaluate(_frames(1), Truth(masks, mask_label=7), lambda _: _OneVesselDetector())


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")
def test_masks_named_like_the_images_must_pair_by_name(tmp_path):
    from vesselscope.errors import SourceError
    from vesselscope.evaluation.run import evaluate
    from vesselscope.sources.image_folder import ImageFolderSource

    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for number in range(3):
        Image.fromarray(np.zeros((100, 100), np.uint8)).save(tmp_path / f"images/{number:04d}.png")
        Image.fromarray(np.zeros((100, 100), np.uint8)).save(
            tmp_path / f"masks/{number + 1:04d}.png"
        )
    source = ImageFolderSource(tmp_path / "images")
    with pytest.raises(SourceError, match="image 0000.png would be scored against mask 0001.png"):
        evaluate(source, Truth(tmp_path / "masks"), lambda _: _OneVesselDetector())
    (tmp_path / "masks/0003.png").rename(tmp_path / "masks/0000.png")  # now every name pairs
    evaluation, _ = evaluate(source, Truth(tmp_path / "masks"), lambda _: _OneVesselDetector())
    assert evaluation.summary()["false_positives"] == 3


def test_an_export_draws_the_layers_the_viewer_shows_and_names_vessels_as_it_does():
    from dataclasses import replace

    from vesselscope.evaluation.overlay import OverlayLayers, render_overlay, vessel_text
    from vesselscope.frame import Frame

    frame = Frame(np.full((120, 160), 60, np.uint8), SPACING, 0, 0.0, "")
    vessel = replace(_vessel(60, 60, 20, 14), track_id=3)
    result = FrameResult(0, 0.0, (vessel,), (vessel,), 0.5)
    plain = render_overlay(frame, None)
    assert vessel_text(vessel, track_ids=True) == "#3 Vessel 0.90"  # "Vessel", as on screen
    assert np.array_equal(render_overlay(frame, result, layers=OverlayLayers(vessels=False)), plain)
    with_ids = render_overlay(frame, result)
    without = render_overlay(frame, result, layers=OverlayLayers(track_ids=False))
    assert not np.array_equal(with_ids, without)  # the "#3 " is drawn only when asked
    assert not np.array_equal(without, plain)


def test_an_exported_label_has_its_dark_outline_around_its_letters_not_beside_them():
    """Drawn thicker, the outline's letters were spaced wider than the coloured ones, so that
    "1.00" read "1.000" (QA)."""
    from vesselscope.evaluation.overlay import _label

    image = np.full((200, 600, 3), 128, np.uint8)
    _label(image, "#3 Vessel 1.00", _vessel(100, 100, 10, 10), (40, 190, 255), [])
    coloured = np.nonzero((image[..., 2] > 160).any(axis=0))[0]
    darkened = np.nonzero((image.max(axis=2) < 100).any(axis=0))[0]
    assert darkened.min() >= coloured.min() - 2 and darkened.max() <= coloured.max() + 2


def test_exported_labels_of_vessels_side_by_side_do_not_write_over_each_other():
    from vesselscope.evaluation.overlay import _label_place, _overlaps

    taken: list = []
    boxes = []
    for cx in (100, 112, 124):  # three vessels whose labels would start 12 px apart
        x, y = _label_place((512, 512), (90, 13), _vessel(cx, 200, 20, 20), taken)
        boxes.append((x, y - 13, 90, 13))
        taken.append((x, y - 13, 90, 15))
    assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert boxes[0][:2] == (114, 173)  # the first stays beside its outline


def test_pixels_taller_than_wide_are_exported_square_so_a_round_vessel_stays_round():
    from vesselscope.evaluation.overlay import square_pixels

    image = np.zeros((20, 40, 3), np.uint8)  # 0.1 mm rows, 0.05 mm columns: 2 x 2 mm
    square, spacing = square_pixels(image, (0.1, 0.05))
    assert square.shape == (40, 40, 3) and spacing == (0.05, 0.05)
    same, kept = square_pixels(image, (0.075, 0.075))
    assert same is image and kept == (0.075, 0.075)
    assert square_pixels(image, None)[0] is image  # no spacing: nothing to go by


def test_semi_axis_errors_on_pixels_taller_than_wide_are_measured_along_each_axis():
    spacing = (0.1, 0.05)  # a round 10 mm vessel: 100 px across the columns, 50 down the rows
    truth = regions_of(ellipse_mask(EllipseAnnotation(100, 60, 100, 50), (120, 200)))
    detected = Vessel(100, 60, 100, 50, 0.0, 0.9, spacing)
    (match,) = match_frame([detected], truth, spacing, max_distance_mm=2.0).matches
    assert match.a_error_mm < 0.1 and match.b_error_mm < 0.1  # 5 mm each way, both
