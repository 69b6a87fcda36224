"""DESIGN.md's layering rule, checked: the core imports neither Qt nor torch."""

import pkgutil
import subprocess
import sys

import vesselscope

_BLOCKER = """
import importlib, importlib.abc, pkgutil, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('PyQt6', 'torch'):
            raise ImportError('blocked by test: ' + name)
sys.meta_path.insert(0, Block())
for name in sys.argv[1:]:
    importlib.import_module(name)
print('ok', len(sys.argv) - 1)
"""


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(vesselscope.__path__, "vesselscope."):
        if ".gui" not in info.name and info.name != "vesselscope.__main__":
            names.append(info.name)
    return names


def test_every_core_module_imports_with_qt_and_torch_blocked():
    modules = _core_modules()
    assert "vesselscope.sources.image_folder" in modules
    result = subprocess.run(
        [sys.executable, "-c", _BLOCKER, *modules], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"ok {len(modules)}"
