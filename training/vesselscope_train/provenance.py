"""Which code made a dataset or a model: the version, and the commit when run from a checkout.

The candidate search decides which crops a harvest holds, so two datasets made by one version
number can differ (QA found 72 femoral rows changed by one commit, with identical records of
their making).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import vesselscope


def source_commit() -> str | None:
    """The git commit of the checkout vesselscope runs from, "+changes" when its files differ
    from that commit; None for an installed package or without git."""
    folder = Path(vesselscope.__file__).resolve().parent
    try:
        head = _git(folder, "rev-parse", "HEAD")
        changed = _git(folder, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+changes" if changed else "")


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10, check=True
    )
    return done.stdout.strip()
