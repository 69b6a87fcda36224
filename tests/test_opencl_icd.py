"""An installed but unregistered NVIDIA OpenCL driver is handed to the ICD loader."""

import sys

import pytest

from vesselscope.opencl_icd import register_nvidia_driver, unregistered_nvidia_library

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux ICD loader")


@pytest.fixture
def machine(tmp_path):
    vendors = tmp_path / "vendors"
    vendors.mkdir()
    (vendors / "pocl.icd").write_text("libpocl.so.2\n")
    library = tmp_path / "nvidia" / "libnvidia-opencl.so.1"
    library.parent.mkdir()
    library.write_bytes(b"\x7fELF")
    return vendors, library, tmp_path / "private"


def test_unregistered_driver_joins_the_registered_ones(machine):
    vendors, library, private = machine
    environ = {}
    missing = library.parent / "absent.so.1"
    found = register_nvidia_driver(environ, vendors, [missing, library], private)
    assert found == library
    assert environ == {"OCL_ICD_VENDORS": str(private)}
    listed = {p.name: p.read_text().strip() for p in private.glob("*.icd")}
    assert listed == {"pocl.icd": "libpocl.so.2", "vesselscope-nvidia.icd": str(library)}


def test_a_second_start_keeps_the_folder_and_drops_stale_drivers(machine):
    vendors, library, private = machine
    register_nvidia_driver({}, vendors, [library], private)
    kept = (private / "pocl.icd").stat().st_mtime_ns
    (private / "gone.icd").write_text("libgone.so\n")  # a driver since uninstalled
    register_nvidia_driver({}, vendors, [library], private)
    assert sorted(p.name for p in private.iterdir()) == ["pocl.icd", "vesselscope-nvidia.icd"]
    assert (private / "pocl.icd").stat().st_mtime_ns == kept


def test_registered_driver_is_left_alone(machine):
    vendors, library, private = machine
    (vendors / "nvidia.icd").write_text("libnvidia-opencl.so.1\n")
    environ = {}
    assert unregistered_nvidia_library(vendors, [library]) is None
    assert register_nvidia_driver(environ, vendors, [library], private) is None
    assert environ == {} and not private.exists()


def test_no_driver_changes_nothing(machine):
    vendors, library, private = machine
    environ = {}
    assert register_nvidia_driver(environ, vendors, [library.parent / "absent"], private) is None
    assert environ == {} and not private.exists()


@pytest.mark.parametrize("variable", ["OCL_ICD_VENDORS", "OPENCL_VENDOR_PATH"])
def test_the_users_own_loader_settings_win(machine, variable):
    vendors, library, private = machine
    environ = {variable: "/opt/mine"}
    assert register_nvidia_driver(environ, vendors, [library], private) is None
    assert environ == {variable: "/opt/mine"}


def test_an_unwritable_private_folder_is_a_warning_not_a_failure(machine, caplog):
    vendors, library, private = machine
    private.write_text("a file where the folder should be")
    environ = {}
    assert register_nvidia_driver(environ, vendors, [library], private) is None
    assert environ == {}
    assert "could not register" in caplog.text
