"""The roll-ups' arithmetic, pure: a referral's contribution, the change from its old to its new
state, the histograms' percentiles, which cells and stretches a period reads, and the figures that
depend on the moment (overdue, the backlog) counted from days as the rule counts them one by one."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oversight.figures import histogram
from oversight.figures.contribution import (
    ALL, BY_DAY, DAY, MONTH, PAGED, PAIR, PAIR_MONTH, Cell, cells_of, changes, contribution, counter_path, day,
    placed,
)
from oversight.figures.models import Filters
from oversight.figures.plan import plan
from oversight.figures.rules import awaiting_contact, backlog_age, overdue, overdue_count
from oversight.figures.summary import Moment, backlog, cut_days, named
from oversight.referrals.rules import latest
from oversight.referrals.store import document
from referral_contracts import Actor
from referral_contracts.changes import ReferralChanged

from referral_states import T0, histories, moments, referral_states


def recomputed(documents) -> dict[str, dict[str, int]]:
    """The cells as the sum of each referral's contribution, from its state alone."""
    cells: dict[str, Counter] = {}
    for doc in documents:
        for cell in cells_of(doc):
            for cell_id, counts in placed(cell.id, contribution(doc)):
                cells.setdefault(cell_id, Counter()).update(counts)
    return {cell: {k: n for k, n in counts.items() if n} for cell, counts in cells.items() if any(counts.values())}


def apply(batch, stored: dict, cells: dict[str, Counter]) -> None:
    """What the projection's writer does with a batch (referrals/store.py), on dicts: keep a newer
    version only, and move the cells by the difference of the roll-ups, as `$inc` does (a counter
    at 0 and a cell of zeros stay: `counting` leaves them out, as every reader does)."""
    changed = []
    for referral_id, state in latest(batch).items():
        before = stored.get(referral_id)
        if before is not None and before["version"] >= state.version:
            continue
        stored[referral_id] = after = document(referral_id, state)
        changed.append((before and before["rollup"], after["rollup"]))
    for cell_id, delta in changes(changed).items():
        cells.setdefault(cell_id, Counter()).update(delta)


def counting(cells: dict[str, Counter]) -> dict[str, dict[str, int]]:
    """The cells as the figures read them: counters at 0 left out, and cells of zeros."""
    kept = {cell: {k: n for k, n in counts.items() if n} for cell, counts in cells.items()}
    return {cell: counts for cell, counts in kept.items() if counts}


def published(referral_id, state) -> ReferralChanged:
    return ReferralChanged.create(referral_id=referral_id, correlation_id=uuid4(), occurred_at=T0,
                                  actor=Actor(agency_id="platform-tracking"), data=state)


@settings(max_examples=150, deadline=None)
@given(histories(), st.randoms(use_true_random=False), st.integers(1, 6))
def test_any_order_with_repeats_leaves_the_cells_equal_to_recomputing_from_the_final_states(history, rng, size) -> None:
    changes_ = [published(referral_id, state) for referral_id, state in history]
    delivered = changes_ + rng.sample(changes_, k=len(changes_) // 2)  # redelivered, some twice
    rng.shuffle(delivered)
    stored, cells = {}, {}
    for start in range(0, len(delivered), size):
        apply(delivered[start:start + size], stored, cells)
    final = latest(changes_)
    assert {r: d["version"] for r, d in stored.items()} == {r: s.version for r, s in final.items()}
    assert counting(cells) == recomputed(document(r, s) for r, s in final.items())


@given(referral_states(), referral_states())
def test_a_change_takes_a_referral_from_the_cells_of_its_old_state_to_those_of_its_new(old, new) -> None:
    referral_id = uuid4()
    before, after = document(referral_id, old), document(referral_id, new)
    cells = {cell: Counter(counts) for cell, counts in recomputed([before]).items()}
    for cell, delta in changes([(before["rollup"], after["rollup"])]).items():
        cells.setdefault(cell, Counter()).update(delta)
    assert {c: {k: n for k, n in v.items() if n} for c, v in cells.items() if any(v.values())} == recomputed([after])
    assert changes([(after["rollup"], after["rollup"])]) == {}  # the same state again changes nothing


@given(referral_states())
def test_a_referral_counts_in_five_cells_of_its_tier_and_the_day_pages_of_two(state) -> None:
    doc = document(uuid4(), state)
    kinds = [cell.kind for cell in cells_of(doc)]
    assert kinds == [ALL, MONTH, DAY, PAIR, PAIR_MONTH]
    for cell in cells_of(doc):
        for page, counts in placed(cell.id, contribution(doc)):
            by_day = [key for key in counts if key.startswith(BY_DAY)]
            if page == cell.id:  # an all-history cell keeps no counter named by a day: its pages do
                assert cell.kind not in PAGED or not by_day
            else:  # a page holds day counters only, each of a day of its month
                assert by_day == list(counts) and {key.rsplit(":", 1)[1][:7] for key in by_day} == {Cell.parse(page).period}
    assert {cell.tier for cell in cells_of(doc)} == {str(state.tier.value if state.tier else "-")}
    assert all(isinstance(n, int) and n for n in contribution(doc).values())
    assert named(contribution(doc), "state:") == {state.state.value: 1}
    # `$inc` moves each counter at c.<name>: no name may hold a "." (a nested path) or start with "$"
    # (decline reasons here include "odd.reason:with$marks").
    assert [counter_path(key) for key in contribution(doc)] == [f"c.{key}" for key in contribution(doc)]


@pytest.mark.parametrize("name", ["decline:odd.reason", "$where", ""])
def test_a_name_that_is_not_one_field_is_refused_as_a_counters_path(name) -> None:
    with pytest.raises(ValueError):
        counter_path(name)


@given(st.lists(st.integers(0, 400 * 86_400_000), min_size=1, max_size=60), st.sampled_from([50, 90]))
def test_a_percentile_is_the_nearest_rank_value_to_its_bucket(durations, percent) -> None:
    tally: Counter = Counter()
    for ms in durations:
        tally.update(histogram.counts("h", timedelta(milliseconds=ms)))
    answer = histogram.percentile(histogram.buckets("h", tally), percent)
    exact = sorted(durations)[-(-percent * len(durations) // 100) - 1]  # the ceil(p * n)-th smallest
    bucket = histogram.bucket_of(timedelta(milliseconds=exact))
    low, high = histogram.lowest_minutes(bucket), histogram.lowest_minutes(bucket + 1)
    assert low * 60_000 <= answer * histogram.HOUR_MS < high * 60_000  # in the bucket that holds it
    assert high - low <= max(1, low / 16)  # 1/16 of the durations it holds at most
    if len({histogram.bucket_of(timedelta(milliseconds=ms)) for ms in durations}) == len(set(durations)):
        assert answer == pytest.approx(exact / histogram.HOUR_MS, rel=1e-12)  # alone in its bucket: exact


periods = st.none() | moments


@given(periods, periods, moments, moments, st.booleans())
def test_a_period_reads_each_submission_in_it_once_and_none_outside(since, until, submitted, now, by_agency) -> None:
    filters = Filters(since=since, until=until, source_agency_id="gp-north" if by_agency else None)
    chosen = plan(filters, now)
    keys = {ALL: "", PAIR: "", MONTH: day(submitted)[:7], PAIR_MONTH: day(submitted)[:7], DAY: day(submitted)}
    whole = [span for span in chosen.spans if span.kind not in PAGED.values()]  # pages hold day counters only
    in_cells = sum(span.start <= keys[span.kind] < span.end or span.kind in (ALL, PAIR) for span in whole)

    def within(stretches) -> int:
        return sum((lo is None or lo <= submitted) and (hi is None or submitted < hi) for lo, hi in stretches)

    inside = (since is None or since <= submitted) and (until is None or submitted < until)
    assert in_cells + within(chosen.stretches) - within(chosen.less) == int(inside)
    assert all(span.kind in ((PAIR, PAIR_MONTH, PAGED[PAIR]) if by_agency else (ALL, MONTH, DAY, PAGED[ALL]))
               for span in chosen.spans)
    assert len(chosen.stretches) + len(chosen.less) <= 4
    unit = timedelta(days=31 if by_agency else 1)  # what is read one by one: half a unit at either end at most
    read = [min(hi, now) - lo for lo, hi in chosen.stretches + chosen.less if min(hi, now) > lo]
    assert all(length <= unit / 2 + timedelta(days=1 if by_agency else 0) for length in read)


@settings(max_examples=150)
@given(st.lists(referral_states(), max_size=30), moments)
def test_overdue_and_the_backlog_count_from_days_as_the_rule_counts_each_referral(states, now) -> None:
    docs = [document(uuid4(), s) for s in states]
    tally: Counter = Counter()
    for doc in docs:
        tally.update(contribution(doc))
    today = day(now)
    due_today = [d for d in docs if d.get("contact_deadline") and day(d["contact_deadline"]) == today]
    assert overdue_count(named(tally, "overdue_by:"), due_today, now) == sum(overdue(d, now) for d in docs)
    cut = {start.date() for start, _ in cut_days(now)}
    moment = Moment(now=now, cut_days=[d for d in docs if d["submitted_at"].date() in cut])
    ages = Counter(backlog_age(d["submitted_at"], now) for d in docs if awaiting_contact(d))
    assert backlog(named(tally, "waiting:"), moment) == {bucket: ages.get(bucket, 0) for bucket in backlog(
        {}, Moment(now=now))}


def test_the_backlogs_boundaries_cut_a_day_only_after_midnight() -> None:
    assert cut_days(datetime(2026, 4, 7, 0, 0, tzinfo=timezone.utc)) == []
    [(first, _), (second, _)] = cut_days(datetime(2026, 4, 7, 9, 0, tzinfo=timezone.utc))
    assert (first.day, second.day) == (4, 30)  # 3 and 8 days before
