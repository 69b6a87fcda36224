"""OpenCL programs from opencl/*.cl: found, built once per (device, file, options), cached.

The kernels live in the repository's opencl/ folder; vesselscope/candidates/kernels links to
it, so a wheel carries them inside the package (pyproject's package-data). A checkout where the
link did not survive (Windows without symlinks) still finds them beside the package.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pyopencl as cl

import vesselscope
from vesselscope.opencl_device import build_quietly

KERNEL_DIRS = (
    Path(__file__).resolve().parent / "kernels",
    Path(vesselscope.__file__).resolve().parent.parent / "opencl",
)

_lock = threading.Lock()
_contexts: dict[int, cl.Context] = {}
_programs: dict[tuple[int, str, tuple[str, ...]], cl.Program] = {}


class KernelBuildError(RuntimeError):
    """An OpenCL program does not compile: a bug to fix, never a reason to fall back silently."""


INCLUDE = re.compile(r'^#include "([\w.]+)"$', re.MULTILINE)


def kernel_source(name: str) -> str:
    """The text of opencl/`name` with its #include "file" lines replaced by those files.

    Inlined here rather than passed to the compiler with -I: the program then depends on
    its text alone (no include path on the device side, and caches key on the whole source).
    """
    return INCLUDE.sub(lambda m: kernel_source(m.group(1)), _read(name))


def _read(name: str) -> str:
    for folder in KERNEL_DIRS:
        path = folder / name
        if path.is_file():
            return path.read_text()
    searched = ", ".join(str(f) for f in KERNEL_DIRS)
    raise FileNotFoundError(f"OpenCL kernel {name} not found (searched {searched})")


def context_for(device: cl.Device) -> cl.Context:
    """One context per device for the whole process, so programs and buffers can be shared."""
    with _lock:
        if device.int_ptr not in _contexts:
            _contexts[device.int_ptr] = cl.Context([device])
        return _contexts[device.int_ptr]


def build(
    context: cl.Context, device: cl.Device, source: str, name: str, options: tuple[str, ...] = ()
) -> cl.Program:
    """Compile `source`; a failure raises KernelBuildError carrying the compiler's log."""
    program = cl.Program(context, source)
    try:
        return build_quietly(program, device, options)
    except cl.Error as exc:
        try:
            log = program.get_build_info(device, cl.program_build_info.LOG).strip()
        except cl.Error:
            log = ""
        raise KernelBuildError(
            f"OpenCL program {name} failed to build on {device.name.strip()} "
            f"(options: {' '.join(options) or 'none'}):\n{log or exc}"
        ) from exc


def program(device: cl.Device, name: str, options: tuple[str, ...] = ()) -> cl.Program:
    """The built program of opencl/`name` for `device` and `options` (built on first use)."""
    key = (device.int_ptr, name, tuple(options))
    with _lock:
        cached = _programs.get(key)
    if cached is not None:
        return cached
    built = build(context_for(device), device, kernel_source(name), name, options)
    with _lock:
        return _programs.setdefault(key, built)
