"""The one definition of a percentile that fitcoach reports: replay, the logbook and the
benchmarks all say "p95" and mean the same statistic (linear interpolation between the two
nearest ranks, numpy's default)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """The `q`th percentile (0 to 100) of `values`; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float], *, digits: int = 4) -> dict[str, Any]:
    """n, median (also as p50), p95 and p99 of `values`, rounded."""

    def at(q: float) -> float | None:
        value = percentile(values, q)
        return None if value is None else round(value, digits)

    return {"n": len(values), "median": at(50), "p50": at(50), "p95": at(95), "p99": at(99)}
