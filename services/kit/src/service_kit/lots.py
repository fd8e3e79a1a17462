"""Ids asked of the store in lots: one home for how many an `$in` names at most.

SecantusDB (the local store) fetches the documents of an `$in` through the index, then checks each
one against the whole list, so one query naming n ids costs n² comparisons: a consumer's batch of
500 referrals cost hundreds of milliseconds of its CPU per query (py-spy: `_in_candidate_matches`),
2,000 ids 3.2 s. Lots of 100 keep that to a few ms each; mongod answers an `$in` by the index's
bounds, so lots only cost it a round trip per hundred.
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
