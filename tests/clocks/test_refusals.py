"""Every refusal of the clock services (issue #26): the message a person reads, and nothing
written, queued or emailed (the `refuses` fixture, tests/refusals.py)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases.models import Channel, ClockKind
from clocks import services
from clocks.models import AcknowledgementDraft, Deadline, DraftStatus
from contacts.selectors import UserGroup
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from tests.clocks.factories import make_case, make_info_request, make_route
from tests.factories import OfficerFactory, user_for

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)  # a Wednesday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def route():
    return make_route()


@pytest.fixture
def case(route):
    return make_case(route, channel=Channel.EMAIL, received_at=NOW)


def _clock(case, kind=ClockKind.RESPONSE) -> Deadline:
    return Deadline.objects.get(case=case, kind=kind)


def test_starting_a_clock_of_no_known_kind(route, refuses):
    request = make_info_request(route.council, route.member, NOW)
    refuses(
        ValidationError,
        "Unknown clock kind 'egg_timer'.",
        services.start_clock,
        field="kind",
        info_request=request,
        kind="egg_timer",
        length=20,
        working_days=True,
        calendar_region="all_uk",
        received_at=NOW,
    )


def test_meeting_a_met_clock(case, refuses):
    deadline = services.meet_clock(deadline=_clock(case), at=NOW, actor=None)
    refuses(
        ActionNotAllowed,
        "The response clock is not running.",
        services.meet_clock,
        deadline=deadline,
        at=NOW,
        actor=None,
    )


def test_pausing_a_paused_or_met_clock(case, refuses):
    paused = services.pause_clock(deadline=_clock(case), at=NOW, reason="Waiting for a fee.")
    refuses(
        ActionNotAllowed,
        "The response clock is not running.",
        services.pause_clock,
        deadline=paused,
        at=NOW,
        reason="Again.",
    )
    ack = services.meet_clock(deadline=_clock(case, ClockKind.ACKNOWLEDGEMENT), at=NOW, actor=None)
    refuses(
        ActionNotAllowed,
        "The acknowledgement clock is not running.",
        services.pause_clock,
        deadline=ack,
        at=NOW,
        reason="Too late.",
    )


@pytest.mark.parametrize("service", [services.resume_clock, services.restart_clock])
def test_resuming_or_restarting_a_clock_that_is_not_paused(case, refuses, service):
    kwargs = {"reason": "Clarified."} if service is services.restart_clock else {}
    refuses(
        ActionNotAllowed,
        "The response clock is not paused.",
        service,
        deadline=_clock(case),
        at=NOW,
        **kwargs,
    )


def test_resuming_a_paused_clock_that_was_then_met(case, refuses):
    deadline = services.pause_clock(deadline=_clock(case), at=NOW, reason="Fee.")
    Deadline.objects.filter(pk=deadline.pk).update(met_at=NOW)
    refuses(
        ActionNotAllowed,
        "The response clock is not paused.",
        services.resume_clock,
        deadline=deadline,
        at=NOW,
    )


# -- holding replies (Maldon 2.2) ---------------------------------------------------------------
def _extend(case, **kwargs):
    values = {
        "deadline": _clock(case),
        "new_due_date": datetime.date(2026, 12, 9),
        "actor": None,
        "reason": "Waiting for the contractor's report.",
    }
    values.update(kwargs)
    return values


def test_an_officer_not_on_the_case_extends_no_clock(case, refuses):
    stranger = user_for(OfficerFactory(council=case.council), UserGroup.OFFICER)
    refuses(
        PermissionRefused,
        "Only the handler, the clerk or the Monitoring Officer can do this.",
        services.extend_clock,
        **_extend(case, actor=stranger),
    )


def test_extending_a_met_clock(case, refuses):
    services.meet_clock(deadline=_clock(case), at=NOW, actor=None)
    refuses(
        ActionNotAllowed,
        "The response clock is not running.",
        services.extend_clock,
        **_extend(case),
    )


def test_extending_a_clock_that_has_run_out(case, refuses):
    """Maldon 2.2: the holding reply is sent before the response is due; a breach stands."""
    with time_machine.travel(NOW + datetime.timedelta(days=10), tick=False):
        refuses(
            ActionNotAllowed,
            "This clock has already run out: a holding reply must be sent before it is due.",
            services.extend_clock,
            **_extend(case, new_due_date=datetime.date(2026, 12, 20)),
        )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": "  "}, "reason", "Say why a response is not possible yet."),
        (
            {"new_due_date": datetime.date(2026, 12, 2)},
            "new_due_date",
            "The new date must be after the current due date, Wednesday 2 December 2026.",
        ),
    ],
    ids=["no-reason", "not-later"],
)
def test_a_holding_reply_with_bad_answers(case, refuses, overrides, field, message):
    refuses(
        ValidationError, message, services.extend_clock, field=field, **_extend(case, **overrides)
    )


# -- the acknowledgement (Maldon 2.2) -----------------------------------------------------------
@pytest.fixture
def draft(case) -> AcknowledgementDraft:
    made = services.on_case_opened(case=case)
    assert made is not None
    return made


def test_an_officer_not_on_the_case_sends_no_acknowledgement(case, refuses, draft):
    stranger = user_for(OfficerFactory(council=case.council), UserGroup.OFFICER)
    refuses(
        PermissionRefused,
        "Only the handler, the clerk or the Monitoring Officer can do this.",
        services.send_acknowledgement,
        draft=draft,
        actor=stranger,
    )


def test_an_acknowledgement_is_sent_once(route, refuses, draft):
    services.send_acknowledgement(draft=draft, actor=route.handler.user)
    refuses(
        ActionNotAllowed,
        "This acknowledgement has already been sent or is not needed.",
        services.send_acknowledgement,
        draft=draft,
        actor=route.handler.user,
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"subject": "  "}, "subject", "Enter a subject."),
        ({"body": ""}, "body", "Enter the message to the member."),
    ],
    ids=["subject", "body"],
)
def test_an_acknowledgement_with_nothing_to_say(route, refuses, draft, kwargs, field, message):
    refuses(
        ValidationError,
        message,
        services.send_acknowledgement,
        field=field,
        draft=draft,
        actor=route.handler.user,
        **kwargs,
    )


def test_no_acknowledgement_to_a_member_without_an_email_address(route, refuses, draft):
    AcknowledgementDraft.objects.filter(pk=draft.pk).update(to_email="")
    refuses(
        ValidationError,
        "The member has no email address: contact them another way.",
        services.send_acknowledgement,
        field="to_email",
        draft=draft,
        actor=route.handler.user,
    )


def test_no_acknowledgement_without_its_clock(route, refuses, draft):
    AcknowledgementDraft.objects.filter(pk=draft.pk).update(deadline=None)
    Deadline.objects.filter(case=draft.case, kind=ClockKind.ACKNOWLEDGEMENT).delete()
    refuses(
        ActionNotAllowed,
        "This case has no acknowledgement clock.",
        services.send_acknowledgement,
        draft=draft,
        actor=route.handler.user,
    )


def test_no_draft_once_acknowledged_or_without_a_clock(route, case):
    """The guards of on_case_opened: nothing drafted for a case already acknowledged, nor for
    one whose acknowledgement clock is not running."""
    Deadline.objects.filter(case=case, kind=ClockKind.ACKNOWLEDGEMENT).update(met_at=NOW)
    assert services.on_case_opened(case=case) is None
    type(case).objects.filter(pk=case.pk).update(acknowledged_at=NOW)
    assert services.on_case_opened(case=case) is None
    assert not AcknowledgementDraft.objects.filter(case=case).exists()


def test_a_draft_is_cancelled_not_sent_when_the_clock_is_met(route, case, draft):
    services.meet_clocks(case=case, kinds=[ClockKind.ACKNOWLEDGEMENT], at=NOW, actor=None)
    assert AcknowledgementDraft.objects.get(pk=draft.pk).status == DraftStatus.CANCELLED


def test_a_notice_is_queued_once_per_key(case, django_capture_on_commit_callbacks):
    """The Notice row is the exactly-once key: asking again queues nothing more."""
    deadline = _clock(case)
    with django_capture_on_commit_callbacks() as queued:
        first = services.queue_notice(deadline=deadline, kind="reminder", key="2026-12-01")
        again = services.queue_notice(deadline=deadline, kind="reminder", key="2026-12-01")
    assert again.pk == first.pk
    assert len(queued) == 1
