"""VesselClassifier: the shipped model, one-batch classification, providers, refused cards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vesselscope import onnx_session
from vesselscope.annotations import EllipseAnnotation
from vesselscope.classifier import (
    ModelCardError,
    VesselClassifier,
    benchmark_classifier,
    card_path_for,
    default_model_path,
    file_sha256,
    load_model_card,
)
from vesselscope.onnx_session import PREFERRED_PROVIDERS

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def classifier() -> VesselClassifier:
    return VesselClassifier()


def _frame_and_ellipses(n: int) -> tuple[np.ndarray, list[EllipseAnnotation]]:
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 255, (200, 240)).astype(np.uint8)
    return pixels, [EllipseAnnotation(cx=30.0 + 20 * i, cy=100, a=12, b=8) for i in range(n)]


def _copy_shipped(tmp_path: Path) -> tuple[Path, dict]:
    model = tmp_path / "model.onnx"
    shutil.copyfile(default_model_path(), model)
    card = json.loads(card_path_for(default_model_path()).read_text())
    return model, card


def _write_card(model: Path, card: dict) -> None:
    card_path_for(model).write_text(json.dumps(card))


def test_shipped_model_is_package_data_and_the_top_level_models_link(classifier):
    assert default_model_path().is_relative_to(Path(__import__("vesselscope").__file__).parent)
    shipped = REPOSITORY / "models" / "vessel_classifier.onnx"
    assert shipped.is_file() and shipped.resolve() == default_model_path().resolve()
    assert default_model_path().stat().st_size < 5_000_000  # a few MB at most
    assert classifier.provider in PREFERRED_PROVIDERS
    assert 0 < classifier.threshold < 1


def test_shipped_card_carries_the_cross_validation_and_the_attribution():
    card = load_model_card(card_path_for(default_model_path()))
    cv = card.details["cross_validation"]
    for domain in ("real", "simulated"):
        assert {"accuracy", "precision", "recall", "crops", "groups"} <= set(cv[domain])
    real = card.details["training"]["data"]["real"]
    assert "T. M. K." in real["source"] and real["license"] == "CC-BY-4.0"


def test_all_candidates_of_a_frame_run_in_one_batch(classifier, monkeypatch):
    pixels, ellipses = _frame_and_ellipses(8)
    calls = []
    run = classifier._session.run

    def counting_run(names, feeds):
        calls.append(next(iter(feeds.values())).shape)
        return run(names, feeds)

    monkeypatch.setattr(classifier._session, "run", counting_run)
    p = classifier.classify(pixels, ellipses)
    assert calls == [(8, 1, classifier.input_size, classifier.input_size)]
    assert p.shape == (8,) and p.dtype == np.float32 and np.all((p >= 0) & (p <= 1))
    one_by_one = [classifier.classify(pixels, [e])[0] for e in ellipses]
    # Equal up to float32 rounding: on CUDA, cuDNN picks other kernels for a batch of 1 than of
    # 8 (1e-5 apart on an H200); a crop mixed up with another's would be off by far more.
    np.testing.assert_allclose(p, one_by_one, atol=1e-4)


def test_no_candidates_means_no_network_run(classifier):
    pixels, _ = _frame_and_ellipses(0)
    assert classifier.classify(pixels, []).shape == (0,)
    with pytest.raises(ValueError, match="crops must be"):
        classifier.classify_crops(np.zeros((2, 8, 8), np.uint8))


def test_benchmark_reports_percentiles_and_the_provider():
    result = benchmark_classifier(n_crops=8, runs=5, warmup=1)
    assert result["n_crops"] == 8 and result["provider"] in PREFERRED_PROVIDERS
    assert 0 < result["classify"]["p50_ms"] <= result["classify"]["p95_ms"]


@pytest.mark.parametrize("offered", [["CUDAExecutionProvider", "CPUExecutionProvider"], []])
def test_pip_cuda_libraries_are_loaded_once_and_only_for_a_gpu_build(monkeypatch, offered):
    calls = []
    monkeypatch.setattr(onnx_session.ort, "get_available_providers", lambda: offered)
    monkeypatch.setattr(onnx_session.ort, "preload_dlls", lambda: calls.append(1), raising=False)
    onnx_session._load_pip_cuda_libraries.cache_clear()
    try:
        for _ in range(2):  # CUDA where it starts; always the CPU behind it
            assert onnx_session.probe_providers()[-1] == "CPUExecutionProvider"
    finally:
        onnx_session._load_pip_cuda_libraries.cache_clear()
    assert len(calls) == (1 if offered else 0)


def test_a_card_for_another_file_is_refused_naming_sha256(tmp_path):
    model, card = _copy_shipped(tmp_path)
    _write_card(model, {**card, "sha256": "0" * 64})
    with pytest.raises(ModelCardError, match="sha256 mismatch"):
        VesselClassifier(model)


def test_a_card_with_another_input_size_is_refused_naming_it(tmp_path):
    model, card = _copy_shipped(tmp_path)
    card["input"]["shape"] = ["batch", 1, 48, 48]
    _write_card(model, card)
    with pytest.raises(ModelCardError, match=r"input size mismatch: the card says 1x48x48"):
        VesselClassifier(model)


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        (["background", "artery", "vessel"], r"classes mismatch: the card lists 3 classes"),
        (["vessel", "background"], r"classes mismatch: .* exported with \['background'"),
        (["background", "nerve"], r"have no 'vessel'"),
    ],
)
def test_a_card_with_other_classes_is_refused_naming_them(tmp_path, classes, message):
    model, card = _copy_shipped(tmp_path)
    _write_card(model, {**card, "classes": classes})
    with pytest.raises(ModelCardError, match=message):
        VesselClassifier(model)


def test_a_card_naming_another_output_is_refused(tmp_path):
    model, card = _copy_shipped(tmp_path)
    card["output"]["name"] = "logits"
    _write_card(model, card)
    with pytest.raises(ModelCardError, match="output mismatch"):
        VesselClassifier(model)


def test_a_network_with_a_fixed_batch_axis_is_refused(tmp_path):
    onnx = pytest.importorskip("onnx", reason="editing a network needs the onnx package")
    model, card = _copy_shipped(tmp_path)
    proto = onnx.load(model)
    proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1
    proto.graph.output[0].type.tensor_type.shape.dim[0].dim_value = 1
    onnx.save(proto, model)
    _write_card(model, {**card, "sha256": file_sha256(model.read_bytes())})
    with pytest.raises(ModelCardError, match="batch axis is fixed at 1"):
        VesselClassifier(model)


def test_a_network_answering_nan_is_refused_naming_the_file(tmp_path):
    onnx = pytest.importorskip("onnx", reason="editing a network needs the onnx package")
    from onnx import numpy_helper

    model, card = _copy_shipped(tmp_path)
    proto = onnx.load(model)
    weights = proto.graph.initializer[0]  # as a diverged training leaves them
    nan = np.full(numpy_helper.to_array(weights).shape, np.nan, np.float32)
    weights.CopyFrom(numpy_helper.from_array(nan, weights.name))
    onnx.save(proto, model)
    _write_card(model, {**card, "sha256": file_sha256(model.read_bytes())})
    with pytest.raises(ModelCardError, match=r"model\.onnx: the network's output is not finite"):
        VesselClassifier(model)


def test_missing_model_or_card_gives_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        VesselClassifier(tmp_path / "absent.onnx")
    model, _ = _copy_shipped(tmp_path)
    with pytest.raises(ModelCardError, match="cannot read the model card"):
        VesselClassifier(model)
    card_path_for(model).write_text('{"format": "something-else"}')
    with pytest.raises(ModelCardError, match="not a vesselscope-model-card"):
        VesselClassifier(model)
