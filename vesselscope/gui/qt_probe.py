"""Start Qt and say what it got: run by `vesselscope doctor` in a child process, since a
platform plugin that cannot start aborts the process it runs in."""

from __future__ import annotations

from PyQt6.QtCore import PYQT_VERSION_STR, QT_VERSION_STR
from PyQt6.QtGui import QGuiApplication


def probe() -> int:
    _app = QGuiApplication([])
    print(QT_VERSION_STR, PYQT_VERSION_STR, QGuiApplication.platformName())
    return 0
