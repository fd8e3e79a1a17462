"""Tracking's ports, one contract: the MongoDB adapters on the real store and the in-memory doubles
the service-layer unit tests use answer every question alike, so what those tests show holds for
the service as it runs."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from tracking.lifecycle.fold import fold
from tracking.lifecycle.ports import Stores

from event_factories import at, closed_loop, submitted, triaged
from tracking_doubles import memory_stores
from tracking_world import tracking_on

pytestmark = pytest.mark.integration


@pytest.fixture(params=["mongodb", "memory"])
async def stores(request, mongodb_url: str):
    if request.param == "memory":
        yield memory_stores()
        return
    async with tracking_on(mongodb_url) as tracking:
        yield tracking.stores


async def test_the_log_keeps_each_event_once_in_the_order_it_happened(stores: Stores) -> None:
    loops = [closed_loop() for _ in range(2)]
    events = [e for loop in loops for e in loop]
    assert await stores.log.append(list(reversed(events[:3]))) == 3
    assert await stores.log.append(events) == len(events) - 3
    unknown = uuid4()
    logs = await stores.log.of([loops[1][0].referral_id, loops[0][0].referral_id, unknown])
    assert logs == {loops[0][0].referral_id: loops[0], loops[1][0].referral_id: loops[1], unknown: []}


async def test_a_view_written_as_its_changes_reads_back_whole_and_only_while_the_view_it_stands_on_is_stored(
        stores: Stores) -> None:
    events = closed_loop()
    first, second, third = fold(events[:2]), fold(events[:4]), fold(events)
    await stores.views.save([(first, at(60))])
    await stores.views.save([(second, at(90))], {second.referral_id: (first, at(60))})
    assert await stores.views.get(second.referral_id) == second
    assert await stores.views.escalations_due(at(89), 10) == [] and await stores.views.escalations_due(at(90), 10) == [
        second.referral_id]
    # Standing on a view that is not the one stored (`first` again): written whole, guarded as usual.
    await stores.views.save([(third, None)], {third.referral_id: (first, at(60))})
    assert await stores.views.get(third.referral_id) == third
    assert await stores.views.escalations_due(at(10_000), 10) == []


async def test_a_view_is_replaced_only_by_one_folding_more_events(stores: Stores) -> None:
    events = closed_loop()
    newer, older = fold(events), fold(events[:3])
    await stores.views.save([(newer, at(60))])
    await stores.views.save([(older, at(5))])
    assert await stores.views.get(newer.referral_id) == newer
    assert await stores.views.get_many([newer.referral_id, uuid4()]) == [newer]
    assert await stores.views.escalations_due(at(59), 10) == [] and await stores.views.escalations_due(at(60), 10) == [
        newer.referral_id], "the older view's time went with it"


async def test_escalation_times_are_found_by_window_and_deferred_only_for_the_stored_view(stores: Stores) -> None:
    views = {}
    for minute in (10, 20, 30):
        first = submitted(minute=0)
        views[minute] = fold([first, triaged(first)])
        await stores.views.save([(views[minute], at(minute))])
    await stores.views.save([(fold(closed_loop()), None)])  # no clock runs: never due
    assert set(await stores.views.escalations_due(at(20), 10)) == {views[10].referral_id, views[20].referral_id}
    assert sorted(await stores.views.escalations_before(at(25), 10), key=lambda due: due[1]) == [
        (views[10].referral_id, at(10)), (views[20].referral_id, at(20))]
    assert await stores.views.escalations_before(at(5), 10) == []
    assert len(await stores.views.escalations_before(at(35), 2)) == 2, "at most the limit"
    stale = views[10].model_copy(update={"events_applied": views[10].events_applied - 1})
    await stores.views.reschedule(stale, at(500))
    assert views[10].referral_id in await stores.views.escalations_due(at(10), 10)
    await stores.views.reschedule(views[10], at(500))
    assert views[10].referral_id not in await stores.views.escalations_due(at(499), 10)
    await stores.views.reschedule(views[20], None)  # no rung left: never due
    assert views[20].referral_id not in await stores.views.escalations_due(at(10_000), 10)
    stored = {view.referral_id: (view, when) async for view, when in stores.views.every_view()}
    assert {r: when for r, (_, when) in stored.items() if r in {v.referral_id for v in views.values()}} == {
        views[10].referral_id: at(500), views[20].referral_id: None, views[30].referral_id: at(30)}
    assert stored[views[30].referral_id][0] == views[30]


async def test_quiet_referrals_are_those_in_the_states_asked_with_no_activity_since(stores: Stores) -> None:
    first = submitted()
    quiet = fold([first, triaged(first)])
    closed = fold(closed_loop())
    flagged = quiet.model_copy(update={"referral_id": uuid4(), "outcome_unknown_since": at(100)})
    await stores.views.save([(quiet, None), (closed, None), (flagged, None)])
    states = frozenset({quiet.state.value})
    assert await stores.views.quiet(quiet.last_activity_at + timedelta(seconds=1), states, 10) == [quiet.referral_id]
    assert await stores.views.quiet(quiet.last_activity_at, states, 10) == []


async def test_what_was_published_is_remembered_once_each_and_read_as_the_lease_is_taken(stores: Stores) -> None:
    referral_id, message, never = uuid4(), uuid4(), uuid4()
    await stores.published.mark([(referral_id, message), (referral_id, message)])
    assert await stores.published.of([referral_id, never]) == {referral_id: {message}}
    holder, later = uuid4(), uuid4()
    assert await stores.leases.take([referral_id], holder, at(0), 15) == {referral_id: {message}}
    await stores.leases.release([referral_id], holder, {referral_id: [later, message]})
    assert await stores.leases.take([referral_id, never], holder, at(1), 15) == {referral_id: {message, later},
                                                                                 never: set()}


async def test_a_lease_is_held_until_given_back_or_expired(stores: Stores) -> None:
    ids, first, second = [uuid4(), uuid4()], uuid4(), uuid4()
    assert await stores.leases.take(ids, first, at(0), 15) == {r: set() for r in ids}
    assert await stores.leases.take(ids, second, at(0) + timedelta(seconds=14), 15) == {}
    assert await stores.leases.take(ids[:1], second, at(0) + timedelta(seconds=14), 15) == {}, "one at a time too"
    assert await stores.leases.take(ids, second, at(0) + timedelta(seconds=15), 15) == {r: set() for r in ids}, \
        "expired: taken over"
    await stores.leases.release(ids, first)
    assert await stores.leases.take(ids, first, at(0) + timedelta(seconds=16), 15) == {}, "not the first's to give back"
    await stores.leases.release(ids, second, {ids[0]: [uuid4()]})
    assert list(await stores.leases.take(ids[1:], first, at(0) + timedelta(seconds=16), 15)) == ids[1:]
    assert len((await stores.leases.take(ids[:1], first, at(0) + timedelta(seconds=16), 15))[ids[0]]) == 1


async def test_a_lease_of_a_referral_nothing_was_published_for_is_forgotten_when_given_back(stores: Stores) -> None:
    unknown, known, holder, message = uuid4(), uuid4(), uuid4(), uuid4()
    await stores.published.mark([(known, message)])
    await stores.leases.take([unknown, known], holder, at(0), 15)
    await stores.leases.release([unknown, known], holder, unpublished=[unknown, known])
    assert await stores.published.of([unknown, known]) == {known: {message}}, "what was published is never forgotten"
    assert set(await stores.leases.take([unknown, known], uuid4(), at(1), 15)) == {unknown, known}, "both given back"


async def test_a_person_service_key_is_held_by_its_first_claimant_until_it_lets_go(stores: Stores) -> None:
    one, two = uuid4(), uuid4()
    assert await stores.person_services.claim({"k1": one, "k2": two}) == {"k1": one, "k2": two}
    assert await stores.person_services.claim({"k1": two}) == {"k1": one}
    await stores.person_services.release("k1", two)  # not the holder: nothing
    assert await stores.person_services.claim({"k1": two}) == {"k1": one}
    await stores.person_services.release("k1", one)
    assert await stores.person_services.claim({"k1": two}) == {"k1": two}


async def test_a_persons_crises_are_remembered_once_and_read_oldest_first(stores: Stores) -> None:
    early, late, other = uuid4(), uuid4(), uuid4()
    await stores.crises.remember("p", late, at(60))
    await stores.crises.remember("p", early, at(10))
    await stores.crises.remember("p", early, at(99))  # redelivered: nothing new
    await stores.crises.remember("q", other, at(20))
    assert await stores.crises.crises_of("p", since=at(0)) == [early, late]
    assert await stores.crises.crises_of("p", since=at(11)) == [late]
