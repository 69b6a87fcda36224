"""ONNX Runtime sessions on the best provider that really starts: TensorRT, then CUDA, then CPU."""

from __future__ import annotations

import contextlib
import functools
import io
import os
from importlib import resources

import onnxruntime as ort

PREFERRED_PROVIDERS = (
    "TensorrtExecutionProvider",
    "CUDAExecutionProvider",
    "CPUExecutionProvider",
)

_NEEDS = {
    "TensorrtExecutionProvider": "TensorRT or its CUDA libraries",
    "CUDAExecutionProvider": "its CUDA/cuDNN libraries",
}


def preferred_providers() -> list[str]:
    """Providers this build offers, best first. Offered is not usable: onnxruntime-gpu lists CUDA
    on machines without a GPU; only a session's get_providers() tells what runs."""
    available = set(ort.get_available_providers())
    return [p for p in PREFERRED_PROVIDERS if p in available] or ["CPUExecutionProvider"]


def open_session(
    model: str | os.PathLike[str] | bytes, failures: dict[str, str] | None = None
) -> ort.InferenceSession:
    """A session on the first preferred provider that really starts.

    Each provider is tried on its own so that a missing CUDA or TensorRT library costs one quiet
    attempt instead of ONNX Runtime's printed fallback banner; why each failed goes to `failures`.
    """
    source = model if isinstance(model, bytes) else os.fspath(model)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    failures = {} if failures is None else failures
    if any(p != "CPUExecutionProvider" for p in preferred_providers()):
        _load_pip_cuda_libraries()
    # Provider-loading failures go to the global logger, not the session's: silence it meanwhile.
    ort.set_default_logger_severity(4)
    try:
        for provider in preferred_providers():
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    session = ort.InferenceSession(source, options, providers=[provider])
            except (RuntimeError, ValueError) as exc:
                if provider == "CPUExecutionProvider":
                    raise
                failures[provider] = _first_line(exc)
                continue
            if session.get_providers()[0] == provider:
                return session
            failures[provider] = f"could not start (no GPU, or {_NEEDS[provider]} missing)"
    finally:
        ort.set_default_logger_severity(2)  # ONNX Runtime's default: warnings and up
    raise RuntimeError("ONNX Runtime has no usable execution provider")


@functools.cache
def _load_pip_cuda_libraries() -> None:
    """Load CUDA and cuDNN from pip's nvidia-* packages (`pip install vesselscope[cuda]`) if
    they are there. The CUDA provider's library finds them only through the loader's search
    path, which pip's site-packages is not on; ONNX Runtime's preload_dlls (1.21+) loads them
    first. Its complaints about missing ones are swallowed: the provider's own failure is what
    open_session reports, and the CPU runs instead."""
    preload = getattr(ort, "preload_dlls", None)
    if preload is not None:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(OSError, RuntimeError):
            preload()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def probe_providers(failures: dict[str, str] | None = None) -> list[str]:
    """The providers a session really gets on this machine, tried on a one-node model."""
    probe = resources.files("vesselscope.resources").joinpath("provider_probe.onnx").read_bytes()
    return open_session(probe, failures).get_providers()
