import json

import numpy as np
import pytest

from vesselscope import open_source
from vesselscope.cli import main
from vesselscope.simulator.demo import DEMO


def test_info_without_a_source_describes_the_built_in_demo_cine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VESSELSCOPE_CACHE", str(tmp_path))
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "demo-femoral.mha (MetaImageSource)" in out
    assert f"frames:    {DEMO['frames']}" in out and "0.0750 x 0.0750 mm" in out


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
    assert f"replayed {DEMO['frames']} frames" in out and "vessels per frame" in out


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


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")
def test_a_still_without_spacing_is_refused_before_detection_with_the_option_to_give_it(
    tmp_path, capsys
):
    import cv2

    from vesselscope.annotations import Annotations, save_annotations

    cv2.imwrite(str(tmp_path / "0001.png"), np.full((64, 64), 90, np.uint8))
    save_annotations(tmp_path / "0001.truth.json", Annotations())  # a truth without spacing
    for command in ("replay", "evaluate"):
        assert main([command, str(tmp_path / "0001.png")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"vesselscope: error: {tmp_path / '0001.png'}: pixel spacing unknown")
        assert "--spacing MM" in err


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["replay", "--json", "{tmp}"], "is a folder"),
        (["replay", "--out", "{tmp}/taken.txt/cine.mp4"], "taken.txt is a file"),
        (["evaluate", "--report", "{tmp}/taken.txt"], "is a file; give a folder"),
        # as root, os.access said /proc was writable: the file names came in a traceback after
        (["replay", "--out", "/proc/cine.mp4"], "/proc/cine.mp4: cannot write in /proc"),
        (["evaluate", "--report", "/proc/report"], "/proc/report: cannot write in /proc"),
        (["convert", "/proc/cine.mha"], "/proc/cine.mha: cannot write in /proc"),
        (["convert", "{tmp}/cine.xyz"], "cannot write '.xyz'"),
        # frames among a folder's own would mix into one unreadable series
        (["convert", "{tmp}/frames"], "frames: holds frames already (1 file)"),
        # the results where the video's sidecar then went; a name with its own dot
        (["replay", "--out", "{tmp}/r.mp4", "--json", "{tmp}/r.json"], "is both the video's"),
        (["replay", "--out", "{tmp}/r.mkv"], "r.mkv: cannot encode video as '.mkv'"),
        (["evaluate", "--truth", "{tmp}/frames", "--report", "{tmp}/frames"], "is both the truth"),
    ],
)
def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(
    tmp_path, capsys, argv, named
):
    (tmp_path / "taken.txt").write_text("a file in the way")
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "frame_0001.png").write_bytes(b"an earlier frame")
    command = [argv[0], "sim://femoral?frames=2&size=96,96", *argv[1:]]
    assert main([part.format(tmp=tmp_path) for part in command]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("vesselscope: error:") and named in captured.err
    assert "replayed" not in captured.out and "precision" not in captured.out  # nothing ran
    assert "wrote" not in captured.out and "%" not in captured.err


@pytest.mark.parametrize(
    "option",
    [["--top-k", "0"], ["--threshold", "1.5"], ["--threshold", "nan"], ["--spacing", "1000"]],
)
def test_impossible_detector_options_are_refused_by_the_parser(capsys, option):
    with pytest.raises(SystemExit) as exit_:
        main(["replay", "sim://femoral?frames=2", *option])
    assert exit_.value.code == 2
    assert f"argument {option[0]}: must be from" in capsys.readouterr().err


def test_evaluate_on_a_simulated_uri_uses_the_simulator_s_own_truth(tmp_path, capsys):
    import json

    uri = "sim://femoral?frames=3&size=128,128&seed=2"
    assert main(["evaluate", uri, "--report", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert "frames                       3" in out and "frames_not_annotated         0" in out
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text())
    # what was measured travels with the figures
    assert (metrics["source"], metrics["truth"], metrics["preset"]) == (uri, uri, "general")
    assert metrics["model"].endswith("vessel_classifier.onnx") and metrics["spacing_mm"]


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")
def test_info_on_a_folder_of_stills_gives_their_sizes_and_no_made_up_duration(tmp_path, capsys):
    import cv2

    cv2.imwrite(str(tmp_path / "0001.png"), np.zeros((40, 50), np.uint8))
    cv2.imwrite(str(tmp_path / "0002.png"), np.zeros((60, 70), np.uint8))
    assert main(["info", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "size:      50 x 40 to 70 x 60 px (2 sizes)" in out
    assert "duration:  unknown (no frame rate)" in out


def test_replay_skips_an_unreadable_still_and_goes_on_with_the_others(tmp_path, capsys):
    import cv2

    for number in (1, 2, 3):
        cv2.imwrite(str(tmp_path / f"{number:04d}.png"), np.full((96, 96), 80, np.uint8))
    (tmp_path / "0001.png").write_text("not a picture")  # the first: the folder opens all the same
    with pytest.warns(UserWarning, match=r"0001.png: not a readable image.*frame 0 skipped"):
        assert main(["replay", str(tmp_path), "--spacing", "0.1", "--no-track"]) == 0
    out = capsys.readouterr().out
    assert "replayed 2 frames" in out and "1 unreadable frame(s) skipped" in out


def test_replay_results_of_stills_name_each_image_and_give_no_made_up_time(tmp_path, capsys):
    import cv2

    folder = tmp_path / "stills"
    folder.mkdir()
    for number in (3, 7):
        cv2.imwrite(str(folder / f"scan_{number:02d}.png"), np.full((96, 96), 80, np.uint8))
    lines = tmp_path / "r.jsonl"
    assert main(["replay", str(folder), "--spacing", "0.1", "--json", str(lines)]) == 0
    records = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [(r["frame"], r["image"], r["timestamp_s"]) for r in records] == [
        (0, "scan_03.png", None),
        (1, "scan_07.png", None),
    ]
    # a cine keeps its times and names no image
    assert main(["replay", "sim://femoral?frames=2&size=96,96", "--json", str(lines)]) == 0
    records = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [r["timestamp_s"] for r in records] == [0.0, pytest.approx(1 / 30, abs=1e-6)]
    assert not any("image" in r for r in records)


def test_the_viewer_without_a_display_says_so_in_one_line(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["view", "sim://femoral"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vesselscope: error: no display") and "replay" in err


def test_evaluate_of_the_built_in_demo_cine_uses_the_demo_s_preset(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VESSELSCOPE_CACHE", str(tmp_path))
    assert main(["evaluate"]) == 0  # as `vesselscope demo` detects it
    assert "preset                       femoral" in capsys.readouterr().out
    assert main(["evaluate", "--preset", "general"]) == 0  # unless told otherwise
    assert "preset                       general" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["bench", "nosuch.mha", "--stage", "classifier"], "drop nosuch.mha"),
        (["bench", "nosuch.mha", "--recall", "sim://femoral?frames=1"], "--recall measures DATA"),
        (["bench", "--recall", "{tmp}"], "--recall on images needs --spacing MM"),
    ],
)
def test_bench_says_what_it_does_not_use_rather_than_ignore_it(tmp_path, capsys, argv, said):
    assert main([part.format(tmp=tmp_path) for part in argv]) == 2
    assert said in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")
def test_serve_refuses_a_recording_without_spacing_and_an_impossible_device_name(tmp_path, capsys):
    import cv2

    cv2.imwrite(str(tmp_path / "0001.png"), np.full((32, 32), 80, np.uint8))
    assert main(["serve", str(tmp_path), "--port", "0"]) == 2  # receivers would measure 1 mm
    assert "pixel spacing unknown" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", str(tmp_path), "--device", "a name longer than twenty"])
    assert "1 to 20 printable ASCII characters" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::vesselscope.SpacingUnknownWarning")
def test_evaluate_takes_the_spacing_a_truth_was_drawn_at_when_the_stills_have_none(
    tmp_path, capsys
):
    import cv2

    from vesselscope.annotations import Annotations, save_annotations

    cv2.imwrite(str(tmp_path / "0001.png"), np.full((64, 64), 90, np.uint8))
    truth = Annotations(spacing_mm=(0.25, 0.25), frames={0: []})  # a frame without vessels
    save_annotations(tmp_path / "0001.truth.json", truth)
    assert main(["evaluate", str(tmp_path / "0001.png"), "--no-track"]) == 0
    captured = capsys.readouterr()
    assert "using the 0.25 x 0.25 mm of" in captured.err
    assert "spacing_mm                   (0.25, 0.25)" in captured.out


def test_two_cines_sharing_a_truth_file_are_told_apart(tmp_path, capsys):
    dcm, mp4 = str(tmp_path / "x.dcm"), str(tmp_path / "x.mp4")
    assert main(["simulate", dcm, "--frames", "2", "--size", "64"]) == 0
    assert main(["simulate", mp4, "--frames", "2", "--size", "64", "--preset", "forearm"]) == 0
    assert "held the truth of x.dcm; it now holds that of" in capsys.readouterr().out
    assert main(["evaluate", dcm]) == 0
    assert "x.truth.json annotates x.mp4, not x.dcm" in capsys.readouterr().err


def test_replay_makes_the_folders_its_outputs_go_in(tmp_path, capsys):
    video, lines = tmp_path / "new" / "v.mp4", tmp_path / "other" / "r.jsonl"
    assert (
        main(
            [
                "replay",
                "sim://femoral?frames=2&size=96,96",
                "--out",
                str(video),
                "--json",
                str(lines),
            ]
        )
        == 0
    )
    assert video.stat().st_size > 0 and len(lines.read_text().splitlines()) == 2


def test_an_interrupted_replay_leaves_no_output_that_looks_complete(tmp_path, monkeypatch, capsys):
    from vesselscope.detection.detector import Detector

    real = Detector.process
    seen = []

    def interrupted(self, frame):  # Ctrl+C at the 4th frame
        seen.append(frame.index)
        if len(seen) == 4:
            raise KeyboardInterrupt
        return real(self, frame)

    monkeypatch.setattr(Detector, "process", interrupted)
    video, lines = tmp_path / "a.mp4", tmp_path / "a.jsonl"
    argv = [
        "replay",
        "sim://femoral?frames=8&size=96,96",
        "--out",
        str(video),
        "--json",
        str(lines),
    ]
    assert main(argv) == 130
    assert "interrupted" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nor a temporary file left behind


def test_sigterm_ends_a_conversion_as_ctrl_c_does_leaving_nothing(tmp_path):
    """Killed by SIGTERM (a job scheduler), convert left a folder of frames without their
    sidecar; now the writers clean up as after Ctrl+C, and the exit status says why."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "frames"
    command = [sys.executable, "-m", "vesselscope", "convert"]
    process = subprocess.Popen(
        [*command, "sim://femoral?frames=5000&size=128,128", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out.is_dir() and any(out.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and "vesselscope: terminated" in err, err
    assert not out.exists()


def test_a_broken_video_is_one_line_without_ffmpegs_own(tmp_path):
    import os
    import subprocess
    import sys

    video = tmp_path / "cut.mp4"
    assert main(["convert", "sim://femoral?frames=4&size=64,64", str(video)]) == 0
    video.write_bytes(video.read_bytes()[: video.stat().st_size // 2])  # the index lost
    command = [sys.executable, "-m", "vesselscope", "info", str(video)]
    # as a user's shell has it: main() in this process set OpenCV's variables already
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCV_")}
    run = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"vesselscope: error: {video}: not a readable video (corrupt or unsupported codec)"
    ]  # FFmpeg's "moov atom not found" no longer comes before it
    png = tmp_path / "cut.png"
    assert main(["convert", "sim://femoral?frames=1&size=256,256", str(tmp_path / "f")]) == 0
    png.write_bytes((tmp_path / "f" / "frame_0000.png").read_bytes()[:300])
    command[-1] = str(png)
    run = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert len(run.stderr.strip().splitlines()) == 1  # nor OpenCV's "[ WARN:0@0.7] ... PNG"
    assert "cut.png: not a readable image" in run.stderr


def test_a_full_disk_part_way_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    """A write's flush found the disk full: a traceback ending in [Errno 28], exit status 1."""
    import errno

    from vesselscope.detection.detector import Detector

    real, calls = Detector.process, []

    def disk_full_at_the_fourth(self, frame):
        calls.append(frame.index)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, frame)

    monkeypatch.setattr(Detector, "process", disk_full_at_the_fourth)
    out = ["--out", str(tmp_path / "a.mp4"), "--json", str(tmp_path / "a.jsonl")]
    assert main(["replay", "sim://femoral?frames=8&size=96,96", *out]) == 2
    err = capsys.readouterr().err
    assert "vesselscope: error: No space left on device (while writing the output)" in err
    assert list(tmp_path.iterdir()) == []


def test_an_output_that_is_no_file_is_written_through_wherever_it_lies(tmp_path, monkeypatch):
    """replay --json /dev/stdout: a user who may not write in /dev was refused, although the
    results go into the stream, not beside it."""
    import os
    import tempfile

    from vesselscope.commands.output_paths import check_output_file
    from vesselscope.errors import SourceError

    def no_writing_here(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError(13, "Permission denied")

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    monkeypatch.setattr(tempfile, "TemporaryFile", no_writing_here)  # the folder is not ours
    check_output_file(str(pipe))  # written through: no temporary file beside it
    with pytest.raises(SourceError, match="cannot write in"):
        check_output_file(str(tmp_path / "results.jsonl"))
