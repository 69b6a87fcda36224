"""How to start this program's own command line in a child process, installed or frozen."""

from __future__ import annotations

import sys


def vesselscope_command() -> list[str]:
    """The argv prefix of `vesselscope`: `python -m vesselscope`, or, in an application frozen
    by PyInstaller, where sys.executable is the application and takes no `-m`, the application
    itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "vesselscope"]
