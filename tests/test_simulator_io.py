"""The simulator's contracts: determinism, streaming, files, the sim:// source, CLI and demo."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vesselscope.annotations import load_annotations
from vesselscope.cli import main
from vesselscope.errors import SourceError
from vesselscope.simulator import (
    PRESETS,
    Simulation,
    demo_cine_path,
    simulate_cine,
    truth_path,
    write_simulation,
)
from vesselscope.simulator import demo as demo_module
from vesselscope.simulator.geometry import scale_ellipse
from vesselscope.simulator.motion import pulse_wave
from vesselscope.sources import open_source

SMALL = (64, 80)


def test_same_seed_same_cine_other_seed_other_cine():
    first = list(simulate_cine("carotid", frames=3, seed=11, size=SMALL))
    again = list(simulate_cine("carotid", frames=3, seed=11, size=SMALL))
    other = list(simulate_cine("carotid", frames=3, seed=12, size=SMALL))
    for (frame, truth), (frame2, truth2) in zip(first, again, strict=True):
        assert np.array_equal(frame.pixels, frame2.pixels) and truth == truth2
    assert not np.array_equal(first[0][0].pixels, other[0][0].pixels)
    assert first[0][1] != other[0][1]


def test_frames_do_not_depend_on_reading_order():
    sim = Simulation("forearm", seed=3, size=SMALL)
    backwards = {i: sim.render(i) for i in (7, 2, 5)}
    fresh = Simulation("forearm", seed=3, size=SMALL)
    for index in (2, 5, 7):
        frame, truth = fresh.render(index)
        assert np.array_equal(frame.pixels, backwards[index][0].pixels)
        assert truth == backwards[index][1]


def test_frames_carry_spacing_time_and_index():
    frames = list(simulate_cine("femoral", frames=4, seed=1, size=(100, 60), fps=20.0))
    frame, truth = frames[3]
    assert frame.shape == (100, 60) and frame.pixels.dtype == np.uint8
    assert frame.spacing_mm == pytest.approx((0.4, 0.4))  # 40 mm preset depth over 100 rows
    assert frame.index == 3 and frame.timestamp_s == pytest.approx(0.15)
    assert all(v.track in (1, 2) and v.label in ("artery", "vein") for v in truth)
    custom = next(simulate_cine("femoral", frames=1, seed=1, size=(100, 60), spacing_mm=0.2))
    assert custom[0].spacing_mm == (0.2, 0.2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"frames": 0},
        {"size": (8, 8)},
        {"spacing_mm": -1.0},
        {"fps": 0.0},
        {"seed": -1},
        {"preset": "kidney"},
    ],
)
def test_bad_arguments_raise_value_error(kwargs):
    arguments = {"preset": "femoral", "frames": 1, "seed": 1, "size": SMALL, **kwargs}
    with pytest.raises(ValueError):
        next(simulate_cine(arguments.pop("preset"), **arguments))


def test_truth_path_beside_the_output(tmp_path):
    assert truth_path(tmp_path / "cine.mha") == tmp_path / "cine.truth.json"
    assert truth_path(tmp_path / "frames") == tmp_path / "frames.truth.json"
    assert truth_path("out/clip.mp4").name == "clip.truth.json"


def test_write_simulation_writes_cine_and_truth(tmp_path):
    pytest.importorskip("vesselscope.writers.image_folder")
    cine, truth = write_simulation(tmp_path / "frames", "forearm", 4, 2, SMALL, None, 25.0)
    assert truth == tmp_path / "frames.truth.json"
    with open_source(cine) as source:
        assert len(source) == 4
        expected = list(simulate_cine("forearm", frames=4, seed=2, size=SMALL, fps=25.0))
        assert np.array_equal(source[1].pixels, expected[1][0].pixels)
    annotations = load_annotations(truth)
    assert annotations.spacing_mm == pytest.approx((20 / 64, 20 / 64))
    assert sorted(annotations.frames) == [0, 1, 2, 3]
    assert annotations.vessels(2) == expected[2][1]


def test_write_simulation_to_metaimage(tmp_path):
    pytest.importorskip("vesselscope.writers.metaimage")
    cine, truth = write_simulation(tmp_path / "cine.mha", "femoral", 3, 5, SMALL, None, 30.0)
    with open_source(cine) as source:
        assert len(source) == 3 and source.spacing_mm == pytest.approx((40 / 64, 40 / 64))
    assert truth.name == "cine.truth.json" and load_annotations(truth).source == "cine.mha"


def test_sim_uri_is_a_seekable_source():
    uri = "sim://carotid?seed=4&frames=6&size=64,48&fps=25"
    with open_source(uri) as source:
        assert len(source) == 6 and source.fps == 25.0 and source.seekable
        assert source.spacing_mm == pytest.approx((35 / 64, 35 / 64))
        late = source[5]
        frames = list(source)
        assert np.array_equal(late.pixels, frames[5].pixels) and late.shape == (64, 48)
        assert late.origin == uri
        simulated = list(simulate_cine("carotid", frames=6, seed=4, size=(64, 48), fps=25))
        assert source.truth(5) == simulated[5][1]
        with pytest.raises(IndexError):
            source[6]


@pytest.mark.parametrize(
    "uri", ["sim://kidney", "sim://femoral?frames=0", "sim://femoral?size=a,b", "sim://femoral?x=1"]
)
def test_bad_sim_uri_names_the_problem(uri):
    with pytest.raises(SourceError, match="sim://"):
        open_source(uri)


def test_a_sim_uri_option_that_is_no_number_is_named_in_words():
    with pytest.raises(SourceError, match="seed must be a whole number, got 'x'"):
        open_source("sim://femoral?seed=x")
    with pytest.raises(SourceError, match="fps must be a number, got 'fast'"):
        open_source("sim://femoral?fps=fast")


def test_cli_simulate_writes_both_files(tmp_path, capsys):
    pytest.importorskip("vesselscope.writers.image_folder")
    out = tmp_path / "clip"
    # rows and columns as in a sim:// URI: 64,48 is 64x48
    argv = ["simulate", str(out), "--preset", "forearm", "--frames", "2", "--size", "64,48"]
    assert main([*argv, "--seed", "3", "--fps", "15", "--spacing", "0.3"]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "clip.truth.json" in printed
    assert load_annotations(tmp_path / "clip.truth.json").spacing_mm == (0.3, 0.3)
    assert "2 frames of 48 x 64 px" in printed  # width x height, as info says it


@pytest.mark.parametrize(
    "bad",
    [
        ["--size", "big"],
        ["--size", "4x"],
        ["--frames", "0"],
        ["--preset", "x"],
        ["--fps", "-1"],
        ["--seed", "-2"],
    ],
)
def test_cli_bad_arguments_are_usage_errors(tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", str(tmp_path / "x.mha"), *bad])
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_demo_cine_is_made_once_and_remade_when_stale(tmp_path, monkeypatch):
    pytest.importorskip("vesselscope.writers.metaimage")
    monkeypatch.setenv("VESSELSCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(demo_module.DEMO, "frames", 2)
    monkeypatch.setitem(demo_module.DEMO, "size", [48, 48])
    path = demo_cine_path()
    assert path.parent == tmp_path / "cache" and path.suffix == ".mha"
    assert truth_path(path).exists()
    made = path.stat().st_mtime_ns
    assert demo_cine_path() == path and path.stat().st_mtime_ns == made
    stamp = path.with_name(path.name + ".json")
    stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "simulator_version": -1}))
    demo_cine_path()
    assert json.loads(stamp.read_text())["simulator_version"] != -1
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # a cached cine cut short is simulated again
    assert demo_cine_path() == path and path.read_bytes() == whole


def test_presets_are_in_millimetres_and_plausible():
    assert {"femoral", "carotid", "forearm"} <= set(PRESETS)
    femoral = PRESETS["femoral"]
    artery = next(v for v in femoral.vessels if v.label == "artery")
    assert 8 <= artery.width_mm <= 10
    radial = next(v for v in PRESETS["forearm"].vessels if v.label == "artery")
    assert 2 <= radial.width_mm <= 3
    for preset in PRESETS.values():
        assert 60 <= preset.motion.heart_rate_bpm <= 90
        assert any(v.label == "vein" for v in preset.vessels)


def test_pulse_wave_is_periodic_between_zero_and_one():
    phase = np.linspace(0, 3, 3001)
    wave = pulse_wave(phase)
    assert wave.min() >= 0 and wave.max() == pytest.approx(1, abs=0.01)
    assert np.allclose(pulse_wave(phase + 1), wave)


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.5, 20),
    b=st.floats(0.5, 20),
    angle=st.floats(-89, 89),
    sy=st.floats(0.3, 1.5),
)
def test_scaled_ellipse_keeps_the_area_law(a, b, angle, sy):
    new_a, new_b, new_angle = scale_ellipse(a, b, angle, sy)
    assert new_a * new_b == pytest.approx(a * b * sy, rel=1e-6)
    assert -90 <= new_angle < 90
    if sy == 1:
        assert {round(new_a, 6), round(new_b, 6)} == {round(a, 6), round(b, 6)}
    assert math.isfinite(new_a) and math.isfinite(new_b)
