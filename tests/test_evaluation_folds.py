"""evaluate --fold-models: every image scored by the cross-validation model that held it out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.training_factory import write_usgra_folder
from vesselscope.classifier import (
    Fold,
    FoldManifest,
    FoldManifestError,
    default_model_path,
    load_fold_manifest,
    save_fold_manifest,
)
from vesselscope.cli import main
from vesselscope.detection.detector import DetectorSettings
from vesselscope.detection.results import FrameResult, Vessel
from vesselscope.errors import SourceError
from vesselscope.evaluation import Evaluation, Truth, evaluate
from vesselscope.evaluation.folds import FoldDetectors
from vesselscope.sources import open_source

SETTINGS = DetectorSettings(device="numpy", track=False)


def _fold_model(folder: Path, name: str) -> str:
    """A copy of the shipped model and its card under another name (the card names its file)."""
    shipped = default_model_path()
    shutil.copyfile(shipped, folder / f"{name}.onnx")
    card = json.loads(shipped.with_suffix(".card.json").read_text())
    card["model"] = f"{name}.onnx"
    (folder / f"{name}.card.json").write_text(json.dumps(card))
    return f"{name}.onnx"


def _manifest(folder: Path, *held_out: tuple[str, ...]) -> Path:
    """Fold n: a copy of the shipped model at threshold 0.8 (fold 1) or 0.3 (fold 2)."""
    folder.mkdir(exist_ok=True)
    folds = tuple(
        Fold(_fold_model(folder, f"fold{n + 1}"), (0.8, 0.3)[n], images)
        for n, images in enumerate(held_out)
    )
    return save_fold_manifest(folder / "folds.json", FoldManifest(folds, {"note": "test"}))


@pytest.fixture
def stills(tmp_path: Path) -> Path:
    return write_usgra_folder(tmp_path / "usgra", count=3)


def test_each_frame_is_scored_by_the_model_and_threshold_of_its_fold(tmp_path, stills):
    path = _manifest(tmp_path / "folds", ("0000.png", "0002.png"), ("0001.png",))
    folds = FoldDetectors(path, SETTINGS)
    assert [d.classifier.model_path.name for d in folds.detectors] == ["fold1.onnx", "fold2.onnx"]
    with open_source(stills / "images", spacing_mm=0.075) as source:
        _, results = evaluate(source, Truth(stills / "masks", mask_label=2), folds)
    assert [results[i].threshold for i in range(3)] == [0.8, 0.3, 0.8]
    summary = folds.summary()
    assert [f["frames_scored"] for f in summary["folds"]] == [2, 1]
    assert [f["images_held_out"] for f in summary["folds"]] == [2, 1]


def test_a_frame_no_fold_held_out_is_an_error_naming_its_file(tmp_path, stills):
    path = _manifest(tmp_path / "folds", ("0000.png",), ("0001.png",))
    folds = FoldDetectors(path, SETTINGS)
    truth = Truth(stills / "masks", mask_label=2)
    with (
        open_source(stills / "images", spacing_mm=0.075) as source,
        pytest.raises(SourceError, match=r"0002\.png: frame 2 is held out by no fold"),
    ):
        evaluate(source, truth, folds)


def test_manifest_faults_are_named(tmp_path):
    path = _manifest(tmp_path / "folds", ("0000.png", "0001.png"), ("0001.png",))
    with pytest.raises(FoldManifestError, match=r"0001\.png is held out by both fold 1 and fold 2"):
        load_fold_manifest(path)
    (tmp_path / "folds" / "fold2.onnx").unlink()
    with pytest.raises(FoldManifestError, match="fold 2's model fold2.onnx is not beside it"):
        load_fold_manifest(path)
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(FoldManifestError, match="not a vesselscope-fold-models file"):
        load_fold_manifest(path)


def test_crops_are_judged_at_the_threshold_of_their_own_frame():
    evaluation = Evaluation()
    candidate = Vessel(50, 50, 5, 5, 0.0, 0.5, (0.1, 0.1))  # P(vessel) 0.5, no vessel there
    for index, threshold in enumerate((0.8, 0.3)):  # rejected (right), then accepted (wrong)
        result = FrameResult(index, 0.0, (), (candidate,), threshold, {"total": 1.0})
        evaluation.add(result, [], (0.1, 0.1))
    summary = evaluation.summary()
    assert summary["crop_accuracy"] == 0.5 and summary["threshold"] == [0.3, 0.8]


def test_evaluate_command_with_fold_models_reports_them(tmp_path, stills, capsys):
    path = _manifest(tmp_path / "folds", ("0000.png", "0002.png"), ("0001.png",))
    args = ["evaluate", str(stills / "images"), "--truth", str(stills / "masks")]
    args += ["--spacing", "0.075", "--device", "numpy", "--fold-models", str(path)]
    assert main([*args, "--report", str(tmp_path / "report")]) == 0
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert metrics["fold_models"]["manifest"] == str(path)
    assert [f["frames_scored"] for f in metrics["fold_models"]["folds"]] == [2, 1]
    assert "fold 2: fold2.onnx at threshold 0.3 scored 1 frames" in capsys.readouterr().out
    assert main([*args, "--model", str(default_model_path())]) == 2
    assert "--fold-models and --model exclude each other" in capsys.readouterr().err
    path = _manifest(tmp_path / "folds", ("0000.png",), ("0001.png",))
    assert main(args) == 2
    assert "0002.png: frame 2 is held out by no fold" in capsys.readouterr().err


def test_stills_without_a_frame_rate_are_detected_one_by_one_and_said_so(tmp_path, stills, capsys):
    """Tracked, the usgra-seg stills scored F1 0.00 (a tracker confirms nothing in unrelated
    images), while the viewer already detected them one by one."""
    args = ["evaluate", str(stills / "images"), "--truth", str(stills / "masks")]
    args += ["--spacing", "0.075", "--device", "numpy", "--report", str(tmp_path / "report")]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "holds stills without a frame rate: each is detected on its own" in captured.err
    assert "tracking on:" not in captured.out
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert metrics["tracking"] is False and metrics["top_k"] == 8
    jsonl = tmp_path / "r.jsonl"
    replay = ["replay", str(stills / "images"), "--spacing", "0.075", "--device", "numpy"]
    assert main([*replay, "--json", str(jsonl)]) == 0
    assert "without tracking" in capsys.readouterr().err
    # each vessel found stands alone: the states of tracking (followed, predicted) never occur
    states = {
        v["state"] for line in jsonl.read_text().splitlines() for v in json.loads(line)["vessels"]
    }
    assert states == {"detected"}
