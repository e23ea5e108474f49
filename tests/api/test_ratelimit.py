"""The in-process sliding window behind the API's rate limit."""

from __future__ import annotations

from lianrong.api.ratelimit import SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_window_slides_and_says_how_long_to_wait():
    clock = Clock()
    limiter = SlidingWindowLimiter(3, window=60, clock=clock)
    for _ in range(3):
        assert limiter.hit("a") is None
        clock.t += 10  # hits at 1000, 1010, 1020
    assert limiter.hit("a") == 30  # at 1030: the oldest hit leaves the window at 1060
    assert limiter.hit("b") is None  # every key has its own window
    clock.t = 1060
    assert limiter.hit("a") is None  # the hit of 1000 has left; the refused one never counted
    assert limiter.hit("a") == 10  # 1010 leaves at 1070


def test_idle_keys_are_forgotten_when_the_table_is_full():
    clock = Clock()
    limiter = SlidingWindowLimiter(1, window=10, clock=clock, max_keys=2)
    limiter.hit("a")
    limiter.hit("b")
    clock.t += 11
    limiter.hit("c")
    assert set(limiter._hits) == {"c"}
