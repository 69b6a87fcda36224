"""How work off the GUI thread tells the user what happened: its warnings and its errors.

Both the detection worker and the cine export use these, so a warning or an error reads the same
wherever it came from, and none is lost in a thread nobody watches.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import TypeVar

from vesselscope.errors import is_user_error

logger = logging.getLogger(__name__)
T = TypeVar("T")


def collecting_warnings(call: Callable[..., T], *args: object) -> tuple[T, list[str]]:
    """call(*args) and the messages of the warnings it gave, for the user to read."""
    with warnings.catch_warnings(record=True) as caught:
        # Python 3.11's warning filters are process-wide: while this runs, a warning of another
        # thread is collected here too (and shown, not lost). Without it, a process run with
        # -W error (as the tests are) would turn the very message the user needs into a failure.
        warnings.simplefilter("always")
        value = call(*args)
    return value, [str(w.message) for w in caught]


def describe_error(exc: Exception) -> str:
    """The message to show for `exc`.

    A bad file, model card or device choice (errors.is_user_error) already names what is wrong.
    Anything else is a bug: logged with its traceback, and shown with its type so it reads as one.
    """
    if is_user_error(exc):
        return str(exc)
    logger.error("viewer background work failed", exc_info=exc)
    return f"{type(exc).__name__}: {exc}"
