import subprocess
import sys

import pytest

from vesselscope.cli import main
from vesselscope.commands import doctor


def test_doctor_names_the_opencl_device_and_the_provider_a_session_gets(capsys):
    pytest.importorskip("pyopencl")
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert "OpenCL devices:" in out and "will use:" in out, out
    assert "test kernel ran correctly" in out
    assert "a session really gets: " in out
    assert "CPUExecutionProvider" in out.split("a session really gets: ")[1].splitlines()[0]
    assert "offscreen: Qt" in out
    assert code == 0


@pytest.mark.parametrize("driver", [True, False])
def test_doctor_says_how_to_get_cuda_where_a_driver_is_but_the_provider_fails(
    capsys, monkeypatch, driver
):
    failures = {"CUDAExecutionProvider": "could not start"}
    monkeypatch.setattr(doctor, "nvidia_driver_loaded", lambda: driver)
    monkeypatch.setattr(
        "vesselscope.onnx_session.probe_providers",
        lambda found: found.update(failures) or ["CPUExecutionProvider"],
    )
    doctor._check_onnx()
    out = capsys.readouterr().out
    assert "CUDAExecutionProvider: could not start" in out
    assert ('pip install -e ".[cuda]"' in out) is driver


def test_doctor_fails_with_a_sentence_when_no_opencl_device_exists(capsys, monkeypatch):
    from vesselscope import opencl_device

    monkeypatch.setattr(opencl_device, "_platforms", lambda: [])
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 1
    assert "no OpenCL platform found" in out
    assert "No usable OpenCL device" in out


def test_doctor_fails_when_the_installation_lacks_a_kernel_file_or_the_model(
    capsys, monkeypatch, tmp_path
):
    pytest.importorskip("pyopencl")
    from vesselscope.candidates import programs
    from vesselscope.classifier import engine

    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 0 and "the shipped kernels build and find a test lumen" in out
    assert "shipped classifier vessel_classifier.onnx matches its card" in out
    # an installation without the kernels' header, as a packaging that copied only *.cl
    partial = tmp_path / "kernels"
    partial.mkdir()
    for kernel in programs.KERNEL_DIRS[0].glob("*.cl"):
        (partial / kernel.name).write_text(kernel.read_text())
    monkeypatch.setattr(programs, "KERNEL_DIRS", (partial,))
    monkeypatch.setattr(programs, "_programs", {})  # built ones would hide the missing file
    monkeypatch.setattr(engine, "DEFAULT_MODEL", tmp_path / "missing.onnx")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "problem: FileNotFoundError: OpenCL kernel vector_lanes.h not found" in out
    assert "problem: the shipped classifier: vessel classifier model not found" in out
    assert "The installation is incomplete" in out


def test_doctor_refuses_a_device_that_does_not_exist(capsys):
    assert main(["doctor", "--device", "7:3"]) == 1
    out = capsys.readouterr().out
    assert "no OpenCL device '7:3'" in out
    assert "matches --device 7:3: commands given it stop with an error" in out
    assert "NumPy path" not in out  # an explicit device is not replaced


def test_console_script_entry_point_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "vesselscope", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("vesselscope ")


def test_bad_input_is_one_line_on_stderr_not_a_traceback(tmp_path, capsys):
    (tmp_path / "x.png").write_bytes(b"not a png")
    assert main(["info", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vesselscope: error: ") and "x.png" in err
    assert "Traceback" not in err
    assert doctor  # the module imports without Qt, OpenCL or ONNX Runtime being loaded


def test_a_frozen_application_starts_itself_not_python_minus_m(monkeypatch):
    from vesselscope.self_command import vesselscope_command

    assert vesselscope_command() == [sys.executable, "-m", "vesselscope"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # as PyInstaller sets it
    assert vesselscope_command() == [sys.executable]  # the application, which takes no -m
