"""Durations kept as histograms that add up, so a median and a 90th percentile come from the roll-up
cells without reading the referrals. Pure.

Resolution: whole minutes below 32 minutes; above, 16 buckets per doubling, so a bucket is at most
1/16 (6.25 %) of the durations it holds wide: 4 minutes wide from 64 to 128 minutes, 64 minutes
from about 17 to 34 hours, 17 hours from about 11 to 23 days. Each bucket keeps how many durations it
holds and their sum in milliseconds (integers: adding and taking away a referral's contribution in
any order leaves exactly what recomputing gives). A percentile is the mean of the bucket that holds
the value of nearest rank (the ceil(p * n)-th smallest), so it is accurate to that bucket, and
exact when the bucket holds one duration or several equal ones, as on the hand-worked figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
LINEAR = 32  # whole-minute buckets below this many minutes
PER_DOUBLING = 16


def bucket_of(duration: timedelta) -> int:
    """The bucket of a duration (a negative one, e.g. clocks out of step, goes to the first)."""
    minutes = max(0, milliseconds(duration) // MINUTE_MS)
    if minutes < LINEAR:
        return minutes
    doubling = minutes.bit_length() - 1  # 5 for 32..63 minutes
    return LINEAR + (doubling - 5) * PER_DOUBLING + (minutes >> (doubling - 4)) - PER_DOUBLING


def lowest_minutes(bucket: int) -> int:
    """The shortest duration (in whole minutes) a bucket holds: what the resolution above says."""
    if bucket < LINEAR:
        return bucket
    doubling, step = divmod(bucket - LINEAR, PER_DOUBLING)
    return (PER_DOUBLING + step) << (doubling + 1)


def milliseconds(duration: timedelta) -> int:
    return duration // timedelta(milliseconds=1)


def counts(name: str, duration: timedelta) -> dict[str, int]:
    """One duration in histogram `name`, as counters: the bucket's count and its sum."""
    bucket = bucket_of(duration)
    return {f"{name}:{bucket}:n": 1, f"{name}:{bucket}:ms": milliseconds(duration)}


def buckets(name: str, tally: Mapping[str, int]) -> dict[int, tuple[int, int]]:
    """Histogram `name` read back from counters: bucket -> (count, sum in ms), non-empty ones."""
    found: dict[int, list[int]] = {}
    prefix = f"{name}:"
    for key, value in tally.items():
        if key.startswith(prefix):
            bucket, part = key[len(prefix):].split(":")
            found.setdefault(int(bucket), [0, 0])[part == "ms"] += value
    return {b: (n, ms) for b, (n, ms) in sorted(found.items()) if n}


def percentile(histogram: Mapping[int, tuple[int, int]], percent: int) -> float | None:
    """The `percent`-th percentile in hours (nearest rank), accurate to its bucket; None if empty."""
    total = sum(n for n, _ in histogram.values())
    if not total:
        return None
    rank, seen = -(-percent * total // 100), 0  # ceil in integers: 0.9 * 10 is 9, not 9.000000000000002
    for bucket in sorted(histogram):
        n, ms = histogram[bucket]
        seen += n
        if seen >= rank:
            return ms / n / HOUR_MS
    return None
