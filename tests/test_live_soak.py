"""The soak run, short: serve -> igtl:// -> a 10 ms step for 10 s (CI's version of the 10 min)."""

import pytest

from vesselscope.live.soak import soak


@pytest.mark.slow
def test_a_short_soak_keeps_up_without_stalls_or_memory_growth():
    report = soak(seconds=10, fps=30, step="sleep", size=64, warmup_s=2)
    print(report)  # the figures, for the CI log (pytest -s or -rP)
    assert report.processed > 0 and report.received >= report.processed
    assert report.stalls == 0 and report.reconnects == 0
    assert set(report.latency_ms) == {50.0, 95.0, 99.0}
    assert report.growth_percent < 5.0
