"""run_in_background: one call (save, load, encode) in a thread; its result or error as signals.

The GUI thread must not block on a disk, however small the file: a network folder can take
seconds to answer. Tasks are kept until they finish, so none is garbage-collected mid-run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QThread, pyqtSignal

from vesselscope.errors import SourceError

logger = logging.getLogger(__name__)
_running: set[Task] = set()


class Task(QThread):
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, call: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call = call

    def run(self) -> None:
        try:
            value = self._call()
        except Exception as exc:  # shown to the user by the failed handler, never swallowed
            if not isinstance(exc, (SourceError, OSError, ValueError)):  # those say why
                logger.error("background task failed", exc_info=exc)
            self.failed.emit(str(exc))
        else:
            self.succeeded.emit(value)


def run_in_background(
    call: Callable[[], Any],
    on_success: Callable[[Any], None],
    on_failure: Callable[[str], None],
    parent: QObject | None = None,
) -> Task:
    task = Task(call, parent)
    task.succeeded.connect(on_success)
    task.failed.connect(on_failure)
    _running.add(task)
    task.finished.connect(lambda: _running.discard(task))
    task.start()
    return task


def wait_for_tasks(timeout_ms: int = 5000) -> None:
    """Let running tasks finish (on quitting), so no file is left half-written."""
    for task in list(_running):
        task.wait(timeout_ms)
