"""Make an NVIDIA GPU visible to OpenCL where the driver is installed but not registered.

The OpenCL ICD loader finds drivers through /etc/OpenCL/vendors/*.icd. GPU containers (the NVIDIA
container toolkit, cloud images) often mount the driver's libnvidia-opencl.so.1 without that file,
and then only a CPU device (PoCL) is listed: the search silently runs several times slower. Seen
on a lent H200 machine: the library was in /usr/local/nvidia/lib64, the vendors folder held only
pocl.icd. The loader that pyopencl's wheels bundle (ocl-icd) reads its vendors folder from
OCL_ICD_VENDORS when that is set (it still adds the PoCL that pip installs beside it), so a
private folder with the system's .icd files plus one for the NVIDIA library, named there before
the first platform query, lists every device.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

VENDORS_DIR = Path("/etc/OpenCL/vendors")
# Where distributions and the NVIDIA container toolkit put the driver's OpenCL library.
NVIDIA_LIBRARY_PATHS = (
    Path("/usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1"),
    Path("/usr/lib64/libnvidia-opencl.so.1"),
    Path("/usr/lib/libnvidia-opencl.so.1"),
    Path("/usr/local/nvidia/lib64/libnvidia-opencl.so.1"),
    Path("/usr/local/nvidia/lib/libnvidia-opencl.so.1"),
)


def unregistered_nvidia_library(
    vendors_dir: Path = VENDORS_DIR, candidates: Sequence[Path] = NVIDIA_LIBRARY_PATHS
) -> Path | None:
    """The NVIDIA driver's OpenCL library when it exists but no .icd file names it."""
    library = next((path for path in candidates if path.is_file()), None)
    if library is None:
        return None
    for icd in vendors_dir.glob("*.icd"):
        try:
            if "nvidia" in icd.read_text(errors="replace").lower():
                return None
        except OSError:
            continue
    return library


def register_nvidia_driver(
    environ: MutableMapping[str, str] = os.environ,
    vendors_dir: Path = VENDORS_DIR,
    candidates: Sequence[Path] = NVIDIA_LIBRARY_PATHS,
    private_dir: Path | None = None,
) -> Path | None:
    """Point OCL_ICD_VENDORS at a private vendors folder that also names an unregistered NVIDIA
    OpenCL library; returns the library, or None when nothing was needed.

    Only on Linux, and never when the user already steers the loader (OCL_ICD_VENDORS or
    OPENCL_VENDOR_PATH set): their choice wins.
    """
    if not sys.platform.startswith("linux"):
        return None
    if "OCL_ICD_VENDORS" in environ or "OPENCL_VENDOR_PATH" in environ:
        return None
    library = unregistered_nvidia_library(vendors_dir, candidates)
    if library is None:
        return None
    folder = private_dir or _cache_dir(environ) / "opencl-vendors"
    try:
        # every driver the system registered, plus the NVIDIA one
        wanted = {icd.name: icd.read_text(errors="replace") for icd in vendors_dir.glob("*.icd")}
        wanted["vesselscope-nvidia.icd"] = f"{library}\n"
        _write_folder(folder, wanted)
    except OSError as exc:
        log.warning(
            "could not register the NVIDIA OpenCL driver %s in %s: %s", library, folder, exc
        )
        return None
    environ["OCL_ICD_VENDORS"] = str(folder)
    log.info(
        "NVIDIA OpenCL driver %s has no .icd file in %s: registered it in %s",
        library,
        vendors_dir,
        folder,
    )
    return library


def _write_folder(folder: Path, wanted: dict[str, str]) -> None:
    """Make `folder`'s .icd files exactly `wanted`. Each file is replaced atomically and only
    when it differs, so another VesselScope process starting at the same moment never sees a
    half-written or missing driver."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in wanted.items():
        path = folder / name
        if path.is_file() and path.read_text(errors="replace") == text:
            continue
        partial = folder / f".{name}.{os.getpid()}"
        partial.write_text(text)
        os.replace(partial, path)
    for stale in folder.glob("*.icd"):
        if stale.name not in wanted:
            stale.unlink(missing_ok=True)


def _cache_dir(environ: MutableMapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vesselscope"
