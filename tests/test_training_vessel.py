"""vesselscope-train vessel: training, resume, export to ONNX with a card, DDP with 2 processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

SKIP = "the training package needs torch (pip install -e ./training)"
torch = pytest.importorskip("torch", reason=SKIP)
pytest.importorskip("vesselscope_train", reason="the training package is not installed")

from vesselscope_train import export  # noqa: E402
from vesselscope_train.cli import main  # noqa: E402
from vesselscope_train.distributed import Context  # noqa: E402
from vesselscope_train.export import write_model  # noqa: E402
from vesselscope_train.metrics import crop_metrics  # noqa: E402
from vesselscope_train.trainer import TrainConfig, fit, predict  # noqa: E402
from vesselscope_train.vessel import train_vessel  # noqa: E402

from tests.training_factory import disc_crop, write_crop_dataset  # noqa: E402
from vesselscope.classifier import (  # noqa: E402
    ModelCardError,
    VesselClassifier,
    file_sha256,
    load_fold_manifest,
    load_model_card,
)

TINY = TrainConfig(epochs=2, batch_size=8, seed=3)


def _crops(n: int = 24, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 2
    return np.stack([disc_crop(rng, size, bool(v)) for v in labels]), labels


def test_resumed_training_ends_with_the_weights_of_an_uninterrupted_run(tmp_path):
    crops, labels = _crops()
    straight = fit(crops, labels, TINY, Context(), tag="t", progress=False)
    first = TrainConfig(**{**TINY.__dict__, "epochs": 1})
    fit(crops, labels, first, Context(), tag="t", checkpoint_dir=tmp_path, progress=False)
    # the checkpoint of a 1-epoch run does not match a 2-epoch config: refused, naming what differs
    with pytest.raises(ValueError, match="cannot resume: its epochs is 1, this run's 2 \\("):
        fit(crops, labels, TINY, Context(), tag="t", checkpoint_dir=tmp_path, resume=True)
    state = torch.load(tmp_path / "t.pt", weights_only=True)
    state["config"] = TINY.__dict__  # same run, stopped after its first epoch
    torch.save({**state, "processes": 2}, tmp_path / "t.pt")  # ... but under torchrun
    with pytest.raises(ValueError, match="cannot resume: its processes is 2, this run's is 1"):
        fit(crops, labels, TINY, Context(), tag="t", checkpoint_dir=tmp_path, resume=True)
    torch.save(state, tmp_path / "t.pt")
    resumed = fit(
        crops,
        labels,
        TINY,
        Context(),
        tag="t",
        checkpoint_dir=tmp_path,
        resume=True,
        progress=False,
    )
    assert len(resumed.losses) == 2 and resumed.losses[0] == straight.losses[0]
    for a, b in zip(
        straight.model.state_dict().values(), resumed.model.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_onnx_runtime_equals_torch_within_1e5_and_card_checks_out(tmp_path):
    crops, labels = _crops()
    trained = fit(crops, labels, TINY, Context(), tag="t", progress=False)
    model_path, card_path = write_model(
        tmp_path, trained, margin_px=50.0, threshold=0.5, details={"training": {"data": "tiny"}}
    )
    card = load_model_card(card_path)
    assert card.sha256 == file_sha256(model_path.read_bytes())
    assert (card.input_size, card.classes) == (32, ("background", "vessel"))
    assert card.details["training"] == {"data": "tiny"}
    classifier = VesselClassifier(model_path)
    assert classifier.provider == "CPUExecutionProvider" or "CUDA" in classifier.provider
    expected = predict(trained, crops, torch.device("cpu"))
    np.testing.assert_allclose(classifier.classify_crops(crops), expected, rtol=0, atol=1e-5)


def test_vessel_command_under_torchrun_with_two_cpu_processes(tmp_path):
    data = write_crop_dataset(tmp_path / "data")
    out = tmp_path / "models"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "error::DeprecationWarning"}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "vesselscope_train",
        "vessel",
        "--data",
        str(data),
        "--out",
        str(out),
        "--epochs",
        "1",
        "--folds",
        "2",
        "--batch-size",
        "8",
        "--no-progress",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    card = json.loads((out / "vessel_classifier.card.json").read_text())
    assert card["training"]["processes"] == 2
    cv = card["cross_validation"]
    assert cv["folds"] == 2 and {"real", "simulated"} <= set(cv)
    assert cv["real"]["crops"] == 36 and cv["real"]["groups"] == 6
    assert card["training"]["ambiguous_crops_excluded"] == 1
    assert sorted(p.name for p in (data / "checkpoints").iterdir()) == [
        "cv2-fold1.pt",
        "cv2-fold2.pt",
        "final.pt",
    ]
    assert "cross-validated real crops: accuracy" in result.stdout
    VesselClassifier(out / "vessel_classifier.onnx")  # the runtime accepts what was exported


def test_resume_skips_finished_runs_and_rewrites_the_model(tmp_path, capsys):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    args = [
        "vessel",
        "--data",
        str(data),
        "--out",
        str(tmp_path / "m"),
        "--epochs",
        "1",
        "--folds",
        "0",
        "--batch-size",
        "8",
        "--real-repeats",
        "2",
        "--no-progress",
    ]
    assert main(args) == 0
    checkpoint = data / "checkpoints" / "final.pt"
    written = checkpoint.stat().st_mtime_ns
    assert main([*args, "--resume"]) == 0
    assert checkpoint.stat().st_mtime_ns == written  # nothing left to train
    card = json.loads((tmp_path / "m" / "vessel_classifier.card.json").read_text())
    assert card["cross_validation"] is None
    assert card["training"]["command"].startswith("vesselscope-train vessel --data ")
    assert "--resume" not in card["training"]["command"]
    assert card["training"]["config"]["real_candidate_repeats"] == 2
    assert "vesselscope_commit" in card["training"]  # which code trained it
    assert "--real-repeats 2" in card["training"]["command"]


def test_export_folds_writes_each_fold_model_and_the_real_images_it_held_out(tmp_path, capsys):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    folds = tmp_path / "folds"
    args = ["vessel", "--data", str(data), "--out", str(tmp_path / "m"), "--epochs", "1"]
    args += ["--folds", "2", "--batch-size", "8", "--no-progress", "--export-folds", str(folds)]
    assert main(args) == 0
    manifest = load_fold_manifest(folds / "folds.json")
    card = json.loads((tmp_path / "m" / "vessel_classifier.card.json").read_text())
    assert "--export-folds" not in card["training"]["command"]  # it does not change the model
    assert [f.threshold for f in manifest.folds] == card["cross_validation"]["fold_thresholds"]
    held_out = [set(f.images) for f in manifest.folds]
    assert held_out[0].isdisjoint(held_out[1]) and all(held_out)
    # real crops only: the simulated cines are not images anyone evaluates by file name
    assert held_out[0] | held_out[1] == {f"real-{g:03d}.png" for g in range(6)}
    for number, fold in enumerate(manifest.folds, start=1):
        assert fold.model == f"fold{number}.onnx"
        classifier = VesselClassifier(folds / fold.model)  # the runtime accepts its card
        assert classifier.threshold == fold.threshold
        assert classifier.card.details["cross_validation"]["fold"] == number
        assert "--export-folds" in classifier.card.details["training"]["command"]
    assert "wrote 2 fold models" in capsys.readouterr().out


def test_export_folds_without_cross_validation_is_refused(tmp_path, capsys):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    args = ["vessel", "--data", str(data), "--folds", "0", "--export-folds", str(tmp_path / "f")]
    assert main(args) == 2
    assert "--export-folds needs cross-validation" in capsys.readouterr().err


def test_export_folds_of_simulated_crops_alone_is_refused_before_training(tmp_path, capsys):
    """Its folds.json would list no image, and evaluate --fold-models could score none (QA)."""
    from vesselscope_train.dataset import load_dataset, save_dataset

    data = load_dataset(write_crop_dataset(tmp_path / "data", per_group=2))
    simulated = save_dataset(tmp_path / "sim", data.subset(data.column("domain") == "simulated"))
    args = ["vessel", "--data", str(simulated), "--out", str(tmp_path / "m"), "--folds", "2"]
    assert main([*args, "--no-progress", "--export-folds", str(tmp_path / "f")]) == 2
    assert "holds no real images" in capsys.readouterr().err
    assert not (tmp_path / "m" / "vessel_classifier.onnx").exists()


@pytest.mark.parametrize(
    ("option", "refused"),
    [
        (["--batch-size", "0"], "argument --batch-size: must be at least 1"),
        (["--epochs", "0"], "argument --epochs: must be at least 1"),
        (["--threshold", "nan"], "argument --threshold: must be from 0.0 to 1.0"),
        (["--lr", "1e6"], "argument --lr: must be more than 0.0 and at most 10.0"),
        (["--lr", "0"], "argument --lr: must be more than 0.0"),
        (["--lr", "inf"], "argument --lr: must be more than 0.0"),
        (["--seed", "-1"], "argument --seed: must be from 0 to 4294967295, got -1"),
        (["--seed", str(2**64)], "argument --seed: must be from 0 to 4294967295"),
        (["--out", "{tmp}/taken.txt"], "argument --out: {tmp}/taken.txt is a file"),
    ],
)
def test_impossible_settings_are_refused_before_any_training(tmp_path, capsys, option, refused):
    (tmp_path / "taken.txt").write_text("a file in the way")
    args = ["vessel", "--data", str(tmp_path), *(o.format(tmp=tmp_path) for o in option)]
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert refused.format(tmp=tmp_path) in capsys.readouterr().err


def test_a_damaged_dataset_or_checkpoint_is_one_line_naming_it(tmp_path, capsys):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    args = ["vessel", "--data", str(data), "--out", str(tmp_path / "m"), "--epochs", "1"]
    args += ["--folds", "0", "--batch-size", "8", "--no-progress"]
    assert main(args) == 0
    (data / "checkpoints" / "final.pt").write_bytes(b"garbage")
    assert main([*args, "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vesselscope-train: error:") and "final.pt: cannot resume" in err
    (data / "crops.npz").write_bytes(b"garbage")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "crops.npz: not a crop dataset" in err and "Traceback" not in err


def test_a_card_with_a_figure_that_could_not_be_measured_stays_strict_json(tmp_path):
    crops, labels = _crops()
    trained = fit(crops, labels, TINY, Context(), tag="t", progress=False)
    details = {"cross_validation": {"precision": float("nan"), "recall": 0.0}}
    _, card_path = write_model(tmp_path, trained, margin_px=50.0, threshold=0.5, details=details)
    card = json.loads(card_path.read_text(), parse_constant=lambda name: pytest.fail(name))
    assert card["cross_validation"] == {"precision": None, "recall": 0.0}
    card["decision_threshold"] = 1.5  # a card the runtime would never accept a vessel with
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelCardError, match="decision_threshold 1.5 is not a probability"):
        load_model_card(card_path)


def test_a_diverged_run_stops_naming_the_epoch_and_exports_nothing(tmp_path):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    diverging = TrainConfig(epochs=1, batch_size=8, lr=1e6)  # AdamW's weights turn NaN at once
    with pytest.raises(ValueError, match=r"cv2-fold1 diverged in epoch 1 of 1 .* lower --lr"):
        train_vessel(
            data,
            tmp_path / "m",
            diverging,
            folds=2,
            threshold=None,
            checkpoint_dir=tmp_path / "checkpoints",
            resume=False,
            progress=False,
            command="vesselscope-train vessel",
            export_folds=tmp_path / "folds",
        )
    # no model, no fold model, and no checkpoint a --resume would carry on from
    assert not list(tmp_path.glob("*/*.onnx")) and not list(tmp_path.glob("checkpoints/*"))


def test_a_network_with_nan_weights_is_neither_exported_nor_scored(tmp_path):
    crops, labels = _crops()
    trained = fit(crops, labels, TINY, Context(), tag="t", progress=False)
    with torch.no_grad():
        next(trained.model.parameters()).fill_(float("nan"))
    with pytest.raises(ValueError, match="weights are not finite"):
        write_model(tmp_path, trained, margin_px=50.0, threshold=0.5, details={})
    assert not list(tmp_path.iterdir())
    scores = predict(trained, crops, torch.device("cpu"))
    with pytest.raises(ValueError, match="no finite P\\(vessel\\): the model diverged"):
        crop_metrics(labels, scores, 0.5)


@pytest.mark.parametrize("option", ["--out", "--export-folds", "--checkpoint-dir"])
def test_an_output_under_a_file_is_refused_before_any_training(tmp_path, capsys, option):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    (tmp_path / "afile").write_text("a file where a folder should be")
    blocked = tmp_path / "afile" / "sub"
    args = ["vessel", "--data", str(data), "--out", str(tmp_path / "m"), "--epochs", "1"]
    args += ["--folds", "2", "--batch-size", "8", "--no-progress", option, str(blocked)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"error: {option} {blocked}: cannot write there (Not a directory)" in err
    # refused before the first epoch: no checkpoint, and no final model without its folds
    assert not list(tmp_path.glob("**/*.pt")) and not list(tmp_path.glob("**/*.onnx"))


def test_resume_says_whether_it_found_a_checkpoint(tmp_path, capsys):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    args = ["vessel", "--data", str(data), "--out", str(tmp_path / "m"), "--epochs", "2"]
    args += ["--folds", "0", "--batch-size", "8", "--no-progress", "--resume"]
    checkpoints = data / "checkpoints"
    assert main(args) == 0
    assert f"no checkpoint for final in {checkpoints}: starting afresh" in capsys.readouterr().out
    state = torch.load(checkpoints / "final.pt", weights_only=True)
    state["losses"] = state["losses"][:1]  # as if stopped after the first epoch
    torch.save(state, checkpoints / "final.pt")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"resuming final from epoch 2 of 2 ({checkpoints / 'final.pt'})" in out


def test_sigterm_stops_training_like_ctrl_c_with_the_resume_hint(tmp_path):
    data = write_crop_dataset(tmp_path / "data", per_group=2)
    command = [sys.executable, "-m", "vesselscope_train", "vessel", "--data", str(data)]
    command += ["--out", str(tmp_path / "m"), "--folds", "0", "--epochs", "100000"]
    command += ["--batch-size", "8", "--no-progress", "--resume"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        assert "starting afresh" in run.stdout.readline()  # training is under way
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=60)
    assert run.returncode == 143
    assert "Traceback" not in err
    hint = "vesselscope-train: interrupted (rerun with --resume to continue)"
    assert err.splitlines()[-1] == hint


def _pair_matches_or_has_no_card(folder) -> bool:
    card = folder / "vessel_classifier.card.json"
    model = folder / "vessel_classifier.onnx"
    return not card.exists() or load_model_card(card).sha256 == file_sha256(model.read_bytes())


@pytest.mark.parametrize("killed_at", ["writing the card", "moving the card in"])
def test_a_model_export_killed_midway_never_leaves_a_new_model_beside_the_old_card(
    tmp_path, monkeypatch, killed_at
):
    crops, labels = _crops()
    first = fit(crops, labels, TINY, Context(), tag="t", progress=False)
    write_model(tmp_path, first, margin_px=50.0, threshold=0.5, details={})
    second = fit(crops, labels, TrainConfig(epochs=1, batch_size=8), Context(), tag="t")
    replace = os.replace

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as SIGTERM or Ctrl+C there

    if killed_at == "writing the card":
        monkeypatch.setattr(export, "save_model_card", killed)
    else:
        monkeypatch.setattr(
            os, "replace", lambda a, b: killed() if str(b).endswith(".json") else replace(a, b)
        )
    with pytest.raises(KeyboardInterrupt):
        write_model(tmp_path, second, margin_px=50.0, threshold=0.5, details={})
    assert _pair_matches_or_has_no_card(tmp_path)
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary left behind
