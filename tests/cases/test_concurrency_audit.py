"""Concurrency beyond escalation (issue #26), on the real PostgreSQL with threads.

Two notes, or a note and an assignment, added to one case at the same moment keep one unbroken
audit chain: the services lock the case row, and a unique constraint on (case, previous_hash)
makes a fork impossible rather than unlikely (two events can never follow the same one). Two
cases opened at once in one council get distinct references (the counter row is locked).
"""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, EventAction, NoteVisibility
from protocol_site.audit_chain import verify_audit_chains
from registers.models import Register, RegisterEvent

from .factories import build_world, open_test_case
from .test_concurrency import run_at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _chain(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("at", "pk"))


def _assert_one_unbroken_chain(case: Case) -> None:
    events = _chain(case)
    previous = [e.previous_hash for e in events]
    assert len(set(previous)) == len(previous), "two events follow the same one: a fork"
    assert previous[0] == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after.previous_hash == before.hash
    report = verify_audit_chains()
    assert report.intact, report.breaks


@pytest.mark.parametrize("threads", [2, 6])
def test_notes_added_at_once_keep_one_chain(threads):
    assert connection.vendor == "postgresql"
    world = build_world()
    case = open_test_case(world)
    before = CaseEvent.objects.filter(case=case).count()
    writers = [world.user("clerk"), world.user("mo"), world.user("councillor")]

    def note(i: int):
        return services.add_note(
            case=Case.objects.get(pk=case.pk),
            actor=writers[i % len(writers)],
            body=f"Note {i}",
            visibility=NoteVisibility.SHARED,
        )

    results = run_at_once(threads, note)
    assert not [r for r in results if isinstance(r, Exception)], results
    added = CaseEvent.objects.filter(case=case, action=EventAction.NOTE_ADDED)
    assert added.count() == threads
    assert CaseEvent.objects.filter(case=case).count() == before + threads
    _assert_one_unbroken_chain(case)


def test_a_note_and_an_assignment_at_once_keep_one_chain():
    world = build_world()
    case = open_test_case(world)

    def work(i: int):
        copy = Case.objects.get(pk=case.pk)
        if i == 0:
            return services.add_note(
                case=copy, actor=world.user("mo"), body="Checked.", visibility="internal"
            )
        return services.assign_handler(
            case=copy, actor=world.user("clerk"), person=world["service_head"], reason="Cover."
        )

    results = run_at_once(2, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    actions = [e.action for e in _chain(case)]
    assert actions.count(EventAction.NOTE_ADDED) == 1
    assert actions.count(EventAction.ASSIGNED) == 2  # the routing's, and the clerk's
    assert Case.objects.get(pk=case.pk).handler == world["service_head"]
    _assert_one_unbroken_chain(case)


def test_cases_opened_at_once_get_distinct_references():
    world = build_world()
    clerk = world.user("clerk")
    subjects = ["officer", "officer2", "service_head", "director"]

    def open_one(i: int) -> str:
        return open_test_case(world, actor=clerk, about=subjects[i]).reference

    references = run_at_once(len(subjects), open_one)
    assert all(isinstance(r, str) for r in references), references
    year = timezone.localdate().year
    assert sorted(references) == [f"TST-{year}-{n:04d}" for n in range(1, len(subjects) + 1)]


# -- the constraint itself: a second successor of one event is refused by the database ----------
def _fork_of(event, **fields):
    """An event claiming the same predecessor as `event` (what a writer without the lock makes)."""
    return type(event)(
        **fields,
        at=event.at + datetime.timedelta(seconds=1),
        actor_name="Someone racing",
        action=event.action,
        previous_hash=event.previous_hash,
        hash="f" * 64,
    )


def test_a_case_event_fork_is_refused_by_the_database():
    world = build_world()
    case = open_test_case(world)
    last = _chain(case)[-1]
    with pytest.raises(IntegrityError, match="caseevent_one_successor"), transaction.atomic():
        _fork_of(last, case=case).save()
    _assert_one_unbroken_chain(case)


def test_a_register_event_fork_is_refused_by_the_database():
    from registers import services as register_services
    from tests.registers.factories import build_world as register_world

    world = register_world()
    relationship = register_services.declare_relationship(
        actor=world.users["member_a"],
        person=world.person("member_a"),
        related_person=world.person("officer"),
        nature="Sibling",
        declared_on=datetime.date(2026, 11, 2),
    )
    last = RegisterEvent.objects.get(register=Register.RELATIONSHIP, object_id=relationship.pk)
    with pytest.raises(IntegrityError, match="registerevent_one_successor"), transaction.atomic():
        _fork_of(
            last, register=last.register, object_id=last.object_id, council=last.council
        ).save()
