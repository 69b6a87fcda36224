"""`vesselscope doctor`: what this machine offers VesselScope, and what will be used."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import shutil
import subprocess
from pathlib import Path

from vesselscope import __version__
from vesselscope.self_command import vesselscope_command

_PACKAGES = (
    "numpy",
    "pyopencl",
    "onnxruntime-gpu",
    "onnxruntime",
    "opencv-python-headless",
    "PyQt6",
    "pydicom",
    "pylibjpeg",
    "pyigtl",
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check OpenCL, ONNX Runtime, Qt and versions on this machine"
    )
    parser.add_argument("--device", help="OpenCL device to check: gpu, cpu or PLATFORM:DEVICE")
    # doctor's own child process: start Qt and say what it got (a plugin that fails aborts)
    parser.add_argument("--qt-probe", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.qt_probe:
        from vesselscope.gui.qt_probe import probe

        return probe()
    python = platform.python_version()
    print(f"VesselScope {__version__} on Python {python} ({platform.platform()})")
    _print_versions()
    opencl_ok = _check_opencl(args.device)
    search_ok = _check_search(args.device if opencl_ok else "numpy")
    _check_onnx()
    model_ok = _check_model()
    _check_qt()
    if not opencl_ok and args.device:
        # an explicit device is never replaced by another: the commands stop instead
        print(
            f"\nNo usable OpenCL device matches --device {args.device}: commands given it stop "
            "with an error (without --device, the first GPU is used, else a CPU device)."
        )
        return 1
    if not opencl_ok:
        print("\nNo usable OpenCL device: the candidate search will run on the slower NumPy path.")
        return 1
    if not (search_ok and model_ok):
        print("\nThe installation is incomplete: see the problems above.")
        return 1
    print("\nAll checks passed.")
    return 0


def _check_search(device: str | None) -> bool:
    """The shipped kernels (or the NumPy reference) find a lumen in a small frame."""
    import numpy as np

    from vesselscope.candidates import CandidateSearch
    from vesselscope.frame import Frame

    rows, cols = np.mgrid[:96, :96]
    pixels = np.where((rows - 48) ** 2 + (cols - 48) ** 2 < 15**2, 20, 130).astype(np.uint8)
    print("\nCandidate search:")
    try:
        search = CandidateSearch("general", device=device)
        found = search.search(Frame(pixels, (0.2, 0.2), 0, 0.0, "doctor"))
    except Exception as exc:  # a kernel file missing from the installation, a build error
        print(f"  problem: {type(exc).__name__}: {exc}")
        return False
    if not found or abs(found[0].cx - 48) > 3 or abs(found[0].cy - 48) > 3:
        print("  problem: the search missed a plain dark disc in a test frame")
        return False
    if search.backend == "NumPy reference":
        print("  the NumPy reference finds a test lumen")
    else:
        print("  the shipped kernels build and find a test lumen")
    return True


def _check_model() -> bool:
    from vesselscope.classifier import VesselClassifier

    try:
        classifier = VesselClassifier()
    except Exception as exc:  # missing, or not the network its card describes
        print(f"  problem: the shipped classifier: {exc}")
        return False
    print(f"  shipped classifier {classifier.model_path.name} matches its card")
    return True


def _print_versions() -> None:
    print("\nPackages:")
    for name in _PACKAGES:
        try:
            print(f"  {name:24s} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue


def _check_opencl(preference: str | None) -> bool:
    from vesselscope.opencl_device import NoOpenCLDevice, choose_device, list_devices, smoke_test
    from vesselscope.opencl_icd import VENDORS_DIR, unregistered_nvidia_library

    print("\nOpenCL devices:")
    library = unregistered_nvidia_library()
    if library is not None:
        print(
            f"  note: the NVIDIA driver's {library} has no .icd file in {VENDORS_DIR}; "
            "vesselscope registers it in a private folder (OCL_ICD_VENDORS). "
            "To register it for every program: "
            f"echo {library} > {VENDORS_DIR}/nvidia.icd"
        )
    devices = list_devices()
    for info, _ in devices:
        print(f"  {info.describe()}  [{info.version}]")
    if not devices:
        print("  (none)")
    try:
        info, device = choose_device(preference)
    except NoOpenCLDevice as exc:
        print(f"  problem: {exc}")
        return False
    try:
        smoke_test(device)
    except Exception as exc:  # a driver that lists devices but cannot build or run a kernel
        print(f"  problem: {info.describe()} failed a test kernel: {exc}")
        return False
    print(f"  will use: {info.describe()} (test kernel ran correctly)")
    return True


def _check_onnx() -> None:
    import onnxruntime as ort

    from vesselscope.onnx_session import probe_providers

    print("\nONNX Runtime:")
    print(f"  version {ort.__version__}; build offers {', '.join(ort.get_available_providers())}")
    failures: dict[str, str] = {}
    providers = probe_providers(failures)
    for provider, reason in failures.items():
        print(f"  {provider}: {reason}")
    print(f"  a session really gets: {', '.join(providers)}")
    if "CUDAExecutionProvider" in failures and nvidia_driver_loaded():
        print(
            "  an NVIDIA driver is loaded: the CUDA provider also needs the CUDA and cuDNN "
            "libraries this onnxruntime-gpu was built for; install them system-wide, or as pip "
            'packages with: python -m pip install -e ".[cuda]"'
        )


def nvidia_driver_loaded() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def _check_qt() -> None:
    # In a child process: a Qt platform plugin that cannot start aborts the whole process.
    print("\nQt:")
    checks = [("offscreen", {"QT_QPA_PLATFORM": "offscreen"})]
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        checks.insert(0, ("display", {}))
    else:
        print("  display: none (DISPLAY is not set): the viewer needs one, replay does not")
    for label, env in checks:
        result = _run_probe(env)
        if result.returncode == 0 and result.stdout.strip():
            qt, pyqt, plugin = result.stdout.split()
            print(f"  {label}: Qt {qt} (PyQt {pyqt}) platform '{plugin}' works")
        else:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"  {label}: not available ({last[:160]})")


def _run_probe(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [*vesselscope_command(), "doctor", "--qt-probe"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess([], 1, "", "timed out after 30 s")
