"""The kernels of opencl/ as callables: which file holds which kernel, and its argument types."""

from __future__ import annotations

import numpy as np
import pyopencl as cl

from vesselscope.candidates.programs import program

_I, _F, _B = np.int32, np.float32, None  # _B: a buffer argument
_ARGUMENTS = {
    "pyramid.cl": {
        "live_input": [_B, _F, _B, _B],
        "bin_mean": [_B, _B, _I, _I, _I, _F, _B, _B],
    },
    "gradient.cl": {
        "smooth_rows": [_B, _B, _I, _B, _I, _B, _B],
        "smooth_cols": [_B, _B, _I, _I, _B, _I, _B, _B],
        "gradient": [_B, _B, _B, _I, _I, _I, _I, _F, _F, _B, _B, _B, _B],
        "gradient_full": [_B, _B, _I, _I, _I, _I, _F, _F, _B, _B],
    },
    "ellipse_fit.cl": {
        "fit_ellipses": [_B, _B, _B, _I, _I, _I, _I, _B, _B, _B, _I, _I, _F, _F]
        + [_I, _I, _B, _B, _B, _I, _I, _B, _B],
        "wall_contrast": [_B, _I, _I, _I, _I, _B, _B, _I, _B, _B],
    },
    "ellipse_refine.cl": {
        "refine_variants": [_B, _B, _I, _I, _I, _B, _B, _I, _B, _B, _I, _F, _I, _B],
    },
    "gather_probe.cl": {
        "gather_probe": [_B, _B, _I, _I, _I, _I, _B, _I, _I, _B],
    },
}


class Kernels:
    """Every kernel built for one device with `-DVW=lanes`, enqueued on one queue."""

    def __init__(self, device: cl.Device, queue: cl.CommandQueue, lanes: int) -> None:
        self.queue = queue
        self.lanes = lanes
        self._kernels: dict[str, cl.Kernel] = {}
        for file, kernels in _ARGUMENTS.items():
            built = program(device, file, (f"-DVW={lanes}",))
            for name, types in kernels.items():
                kernel = cl.Kernel(built, name)  # one instance each: retrieval is costly
                kernel.set_scalar_arg_dtypes(types)
                self._kernels[name] = kernel

    def __call__(
        self,
        name: str,
        size: tuple[int, ...],
        *args: object,
        local: tuple[int, ...] | None = None,
    ) -> cl.Event:
        """Enqueue `name` over `size`; `local` fixes the work-group shape (else the driver's
        choice)."""
        return self._kernels[name](self.queue, size, local, *args)

    def smooth(
        self,
        planes: tuple[cl.Buffer, cl.Buffer],
        temp: tuple[cl.Buffer, cl.Buffer],
        out: tuple[cl.Buffer, cl.Buffer],
        shape: tuple[int, int],
        taps: cl.Buffer,
        radius: int,
    ) -> None:
        """Separable smoothing of two planes of `shape` (rows, then columns), via `temp`."""
        rows, cols = shape
        strips = -(-cols // self.lanes)
        self("smooth_rows", (strips, rows), *planes, cols, taps, radius, *temp)
        self("smooth_cols", (strips, rows), *temp, rows, cols, taps, radius, *out)
