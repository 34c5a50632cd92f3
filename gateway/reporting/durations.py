"""Durations in business days, from histograms of (start bucket, end bucket, calendar) counts.

The SQL side (``gateway.reporting.statistics``) returns how many tickets
started in one bucket and ended in another; each distinct pair is converted
once with ``gateway.business_days.business_days_between`` (cached: the same
pairs recur across the page's tables), and the counts are summed per number
of days. Median and 90th percentile come from that histogram, so no list of
100,000 values is ever built.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from gateway.business_days import business_days_between
from gateway.reporting.moments import as_date, moment

#: Buckets of the distribution shown on the page: (label, lowest, highest) in business days.
BUCKETS = (
    ("le jour même", 0, 0),
    ("1 jour", 1, 1),
    ("2 jours", 2, 2),
    ("3 jours", 3, 3),
    ("4 à 5 jours", 4, 5),
    ("6 à 10 jours", 6, 10),
    ("plus de 10 jours", 11, None),
)


@dataclass(frozen=True)
class Summary:
    """How long something took, in business days, over ``count`` tickets."""

    count: int
    median: float | None
    mean: float | None
    p90: float | None
    buckets: tuple[tuple[str, int], ...]


@lru_cache(maxsize=100_000)
def days_between(start_day, start_hour: int, end_day, end_hour: int, calendar: str | None) -> int:
    return business_days_between(moment(start_day, start_hour), moment(end_day, end_hour), calendar)


def histogram(rows: Iterable[tuple]) -> Counter[int]:
    """Rows of (start day, start hour bucket, end day, end hour bucket, calendar area, count) -> {days: count}."""
    counts: Counter[int] = Counter()
    for start_day, start_hour, end_day, end_hour, calendar, count in rows:
        counts[days_between(as_date(start_day), int(start_hour), as_date(end_day), int(end_hour), calendar)] += count
    return counts


def summarise(counts: Counter[int]) -> Summary:
    total = sum(counts.values())
    buckets = tuple(
        (label, sum(n for days, n in counts.items() if days >= low and (high is None or days <= high)))
        for label, low, high in BUCKETS
    )
    if total == 0:
        return Summary(0, None, None, None, buckets)
    mean = sum(days * n for days, n in counts.items()) / total
    return Summary(total, _quantile(counts, total, 0.5), round(mean, 1), _quantile(counts, total, 0.9), buckets)


def _quantile(counts: Counter[int], total: int, share: float) -> float:
    """The smallest number of days that at least ``share`` of the tickets did not exceed."""
    seen = 0
    for days in sorted(counts):
        seen += counts[days]
        if seen >= share * total:
            return float(days)
    return float(max(counts))
