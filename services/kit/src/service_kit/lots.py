"""Ids asked of the store in lots: one home for how many an `$in` names at most.

SecantusDB (the local store) fetches the documents of an `$in` through the index, then checks each
one against the whole list (py-spy: `_in_candidate_matches`), so one query naming n ids costs n²
comparisons: 2,000 ids took 3.2 s (oversight's projection, 2026-11-25), and a consumer's batch may
name 500. Lots of 100 keep each to a few ms; mongod answers an `$in` by the index's bounds, so lots
only cost it a round trip per hundred.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

LOT = 100


def lots(ids: Sequence[T], size: int = LOT) -> Iterator[list[T]]:
    """`ids` in lists of at most `size`, in order."""
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])
