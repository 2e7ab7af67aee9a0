"""Side-by-side timing of two training loops on the same batches, for ratios that hold still.

One cold sample per side is noise: the first side measured runs cold, and a 30-ms epoch is
shorter than the machine's hiccups. `paired_timing` warms both sides, picks a number of batches
K long enough that the faster side takes at least `min_seconds`, then measures K batches per side
in `rounds` rounds, alternating which side goes first (ABBA...), and returns each round's ratio,
so that a drift in machine load hits both sides of a round alike. On a machine shared with
other work, `clock="cpu"` measures this process's CPU time instead of wall time.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter, process_time

from nesy.errors import TrainingError

Step = Callable[[int], None]  # run (train on) batch i of the data
CLOCKS = {"wall": perf_counter, "cpu": process_time}


@dataclass(frozen=True)
class TimingOptions:
    """How long to measure: K batches per measurement, with K the smallest power of two at
    which the faster side takes >= `min_seconds`; `rounds` measurements per side."""

    min_seconds: float = 1.0
    rounds: int = 7
    warmup_seconds: float = 0.3
    clock: str = "wall"  # or "cpu": this process's CPU time, steadier on a busy machine

    def __post_init__(self) -> None:
        if self.clock not in CLOCKS:
            raise TrainingError(f"unknown clock {self.clock!r}; expected one of {tuple(CLOCKS)}")
        if not self.min_seconds > 0 or not self.warmup_seconds >= 0:
            raise TrainingError("timing needs min_seconds > 0 and warmup_seconds >= 0")
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < 1:
            raise TrainingError(f"timing needs rounds >= 1, got {self.rounds!r}")


@dataclass(frozen=True)
class PairedTiming:
    """Seconds per measurement of K batches, per round, for each side, and their ratios."""

    batches: int
    first_s: tuple[float, ...]
    second_s: tuple[float, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        """first ÷ second, round by round."""
        return tuple(a / b for a, b in zip(self.first_s, self.second_s, strict=True))

    def summary(self) -> dict[str, float]:
        """Median and spread (min, quartiles, max) of the per-round ratio."""
        ratios = sorted(self.ratios)
        q1, q3 = quartiles(ratios)
        return {"median": statistics.median(ratios), "min": ratios[0], "q1": q1, "q3": q3,
                "max": ratios[-1]}


def quartiles(values: Sequence[float]) -> tuple[float, float]:
    """The first and third quartiles (linear interpolation; both the value itself for one)."""
    if len(values) == 1:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def _run(step: Step, start: int, count: int, clock: Callable[[], float]) -> float:
    began = clock()
    for i in range(start, start + count):
        step(i)
    return clock() - began


def _warm(step: Step, seconds: float) -> None:
    """At least one batch, then batches until `seconds` have passed."""
    began = perf_counter()
    i = 0
    while True:
        step(i)
        i += 1
        if perf_counter() - began >= seconds:
            return


def paired_timing(first: Step, second: Step, options: TimingOptions = TimingOptions()
                  ) -> PairedTiming:
    """Time `first` and `second` on the same K batches (0..K-1) per round, alternating order.

    A step takes the batch index and is expected to wrap it over its data (i % n_batches).
    """
    clock = CLOCKS[options.clock]
    _warm(first, options.warmup_seconds)
    _warm(second, options.warmup_seconds)
    batches, short = 1, [first, second]
    while short:  # a side long enough at K is long enough at 2K: time only the others
        short = [step for step in short if _run(step, 0, batches, clock) < options.min_seconds]
        batches *= 2 if short else 1
    first_s, second_s = [], []
    for r in range(options.rounds):
        if r % 2 == 0:
            first_s.append(_run(first, 0, batches, clock))
            second_s.append(_run(second, 0, batches, clock))
        else:
            second_s.append(_run(second, 0, batches, clock))
            first_s.append(_run(first, 0, batches, clock))
    return PairedTiming(batches, tuple(first_s), tuple(second_s))
