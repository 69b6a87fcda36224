"""Which OpenCL device runs the kernels: a GPU first, then a CPU; PYOPENCL_CTX or an option wins."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np
import pyopencl as cl

from vesselscope.opencl_icd import register_nvidia_driver

# In order of preference: a GPU gives the frame budget room, a CPU device (PoCL) still works.
_KINDS = (
    (cl.device_type.GPU, "GPU"),
    (cl.device_type.ACCELERATOR, "ACCELERATOR"),
    (cl.device_type.CPU, "CPU"),
)
_RANK = {name: rank for rank, (_, name) in enumerate(_KINDS)}


class NoOpenCLDevice(RuntimeError):
    """No usable OpenCL device: callers fall back to the NumPy path with one clear warning."""


@dataclass(frozen=True)
class DeviceInfo:
    platform_index: int
    device_index: int
    platform: str
    name: str
    kind: str  # "GPU", "CPU", "ACCELERATOR"
    compute_units: int
    global_mem_mb: int
    version: str

    @property
    def selector(self) -> str:
        """The PYOPENCL_CTX / --device value that picks this device."""
        return f"{self.platform_index}:{self.device_index}"

    def describe(self) -> str:
        return (
            f"[{self.selector}] {self.name} ({self.kind}, {self.compute_units} compute units, "
            f"{self.global_mem_mb} MB) on {self.platform}"
        )


def _platforms() -> list[cl.Platform]:
    # Before the loader's first platform query, which is when it reads its configuration.
    register_nvidia_driver()
    try:
        return cl.get_platforms()
    except cl.Error:  # PLATFORM_NOT_FOUND_KHR when no driver (ICD) is installed
        return []


def _kind(device: cl.Device) -> str:
    for flag, name in _KINDS:
        if device.type & flag:
            return name
    return "OTHER"


def list_devices() -> list[tuple[DeviceInfo, cl.Device]]:
    found = []
    for p_index, platform in enumerate(_platforms()):
        try:
            devices = platform.get_devices()
        except cl.Error:
            continue  # a platform with no devices of any type
        for d_index, device in enumerate(devices):
            info = DeviceInfo(
                platform_index=p_index,
                device_index=d_index,
                platform=platform.name.strip(),
                name=device.name.strip(),
                kind=_kind(device),
                compute_units=device.max_compute_units,
                global_mem_mb=device.global_mem_size // 2**20,
                version=device.version.strip(),
            )
            found.append((info, device))
    return found


def choose_device(preference: str | None = None) -> tuple[DeviceInfo, cl.Device]:
    """Pick a device: `preference` ("gpu", "cpu" or "P:D"), else PYOPENCL_CTX, else GPU first.

    Raises NoOpenCLDevice with a sentence that says what is missing.
    """
    devices = list_devices()
    if not devices:
        raise NoOpenCLDevice(
            "no OpenCL platform found: install an OpenCL driver (on Linux x86_64 "
            "'pip install pyopencl[pocl]' gives a CPU device)"
        )
    wanted = (preference or os.environ.get("PYOPENCL_CTX", "")).strip().lower()
    if wanted in ("gpu", "cpu", "accelerator"):
        matching = [d for d in devices if d[0].kind.lower() == wanted]
        if not matching:
            raise NoOpenCLDevice(f"no OpenCL {wanted.upper()} device (found: {_names(devices)})")
        return matching[0]
    if wanted:
        return _by_selector(devices, wanted)
    return min(devices, key=lambda d: (_RANK.get(d[0].kind, len(_RANK)), d[0].selector))


def _by_selector(
    devices: list[tuple[DeviceInfo, cl.Device]], wanted: str
) -> tuple[DeviceInfo, cl.Device]:
    platform, _, device = wanted.partition(":")
    for info, dev in devices:
        if str(info.platform_index) == platform and str(info.device_index) == (device or "0"):
            return info, dev
    raise NoOpenCLDevice(f"no OpenCL device '{wanted}' (found: {_names(devices)})")


def _names(devices: list[tuple[DeviceInfo, cl.Device]]) -> str:
    return "; ".join(info.describe() for info, _ in devices)


def build_quietly(
    program: cl.Program, device: cl.Device, options: tuple[str, ...] = ()
) -> cl.Program:
    """Build `program` for `device` without pyopencl's warning about a non-empty build log.

    A successful build needs no log, yet some drivers always write one: NVIDIA's made every
    first run on its GPUs print "Non-empty compiler output encountered" (seen on an H100).
    A failed build still raises cl.Error, and its log stays readable from the program.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cl.CompilerWarning)
        return program.build(options=list(options), devices=[device])


def smoke_test(device: cl.Device) -> None:
    """Build and run a one-line kernel: proves the driver compiles and executes, not just lists."""
    context = cl.Context([device])
    queue = cl.CommandQueue(context)
    program = build_quietly(
        cl.Program(
            context, "__kernel void twice(__global float *x) { x[get_global_id(0)] *= 2.0f; }"
        ),
        device,
    )
    data = np.arange(16, dtype=np.float32)
    buffer = cl.Buffer(context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR, hostbuf=data)
    program.twice(queue, data.shape, None, buffer)
    result = np.empty_like(data)
    cl.enqueue_copy(queue, result, buffer).wait()
    if not np.array_equal(result, data * 2):
        raise NoOpenCLDevice(f"OpenCL device {device.name.strip()} computed a wrong result")
