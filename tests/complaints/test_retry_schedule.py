"""The retry schedule: exponential backoff with jitter, capped."""

import random

import pytest

from xgm.complaints.delivery import retry_delay

BASE, CAP = 5.0, 900.0


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(1, 5), (2, 10), (3, 20), (4, 40), (5, 80), (8, 640), (9, 900), (30, 900), (500, 900)],
)
def test_delay_lies_between_half_and_the_whole_ceiling(attempt, ceiling):
    """After failure n the wait is in [d/2, d], d = min(cap, base * 2**(n-1))."""
    rng = random.Random(attempt)
    delays = [retry_delay(attempt, BASE, CAP, rng) for _ in range(500)]
    assert min(delays) >= ceiling / 2
    assert max(delays) <= ceiling


def test_delays_are_jittered():
    """Two hundred jobs failing together do not come back at the same moment."""
    rng = random.Random(1)
    delays = [retry_delay(3, BASE, CAP, rng) for _ in range(200)]
    assert len(set(delays)) == 200
    assert min(delays) < 12 and max(delays) > 18  # spread over most of [10, 20]


def test_schedule_keeps_trying_for_a_day():
    """With the defaults, a day of failures is about a hundred attempts, not thousands."""
    rng = random.Random(2)
    elapsed, attempts = 0.0, 0
    while elapsed < 24 * 3600:
        attempts += 1
        elapsed += retry_delay(attempts, BASE, CAP, rng)
    assert 100 <= attempts <= 200
