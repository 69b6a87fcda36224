import numpy as np
import pytest

from vesselscope import open_source
from vesselscope.cli import main


def test_info_without_a_source_describes_the_built_in_demo_cine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VESSELSCOPE_CACHE", str(tmp_path))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "demo-femoral.mha (MetaImageSource)" in out
    assert "frames:    60" in out and "0.0750 x 0.0750 mm" in out


def test_convert_re_encodes_and_keeps_pixels_spacing_and_timing(tmp_path, capsys):
    source_uri = "sim://forearm?seed=3&frames=4&size=64,80"
    out = tmp_path / "cine.dcm"
    assert main(["convert", source_uri, str(out), "--spacing", "0.1"]) == 0
    assert "wrote" in capsys.readouterr().out
    original, converted = open_source(source_uri), open_source(out)
    assert len(converted) == 4 and converted.spacing_mm == (0.1, 0.1)
    assert converted.fps == pytest.approx(original.fps)
    for a, b in zip(original, converted, strict=True):
        assert np.array_equal(a.pixels, b.pixels)


def test_demo_without_a_display_replays_the_demo_cine_headless(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VESSELSCOPE_CACHE", str(tmp_path))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "no display: replaying the demo cine" in out
    assert "replayed 60 frames" in out and "vessels per frame" in out


@pytest.mark.parametrize(
    ("option", "named"),
    [
        (["--model", "{tmp}/missing.onnx"], "missing.onnx"),
        (["--model", "{tmp}/lonely.onnx"], "lonely.card.json"),  # a model without its card
        (["--device", "7:7"], "'7:7'"),
    ],
)
def test_a_bad_model_or_device_is_one_line_naming_it(tmp_path, capsys, option, named):
    (tmp_path / "lonely.onnx").write_bytes(b"not a network")
    source = "sim://femoral?frames=2&size=96,96"
    argv = ["replay", source, *(o.format(tmp=tmp_path) for o in option)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("vesselscope: error:") and named in err
    assert "Traceback" not in err
