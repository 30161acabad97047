"""Clock services: starting, meeting, stopping, pausing, extending and recomputing clocks."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from cases.models import CaseEvent, Channel, ClockKind, EventAction
from clocks import services
from clocks.models import AcknowledgementDraft, Deadline, DraftStatus, Notice, NoticeKind
from contacts.models import ClosureDay
from contacts.selectors import UserGroup
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from tests.clocks.factories import make_case, make_info_request, make_route
from tests.factories import OfficerFactory, user_for

LONDON = ZoneInfo("Europe/London")
# Wednesday 25 November 2026, 10:00 in London.
NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def day_of(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(LONDON).date()


def clocks_of(case) -> dict[str, Deadline]:
    return {d.kind: d for d in Deadline.objects.filter(case=case)}


@pytest.mark.parametrize(
    ("nation", "ack_due", "response_due"),
    [
        # Wed 25 Nov: 3 working days = Thu 26, Fri 27, Mon 30 Nov; 7 days = Wed 2 Dec.
        pytest.param("england", "2026-11-30", "2026-12-02", id="england"),
        # Mon 30 Nov is St Andrew's Day in Scotland: d3 is Tue 1 Dec. 7 plain days unchanged.
        pytest.param("scotland", "2026-12-01", "2026-12-02", id="scotland-st-andrew"),
    ],
)
def test_an_emailed_concern_starts_acknowledgement_and_response_clocks(
    nation, ack_due, response_due
):
    route = make_route(nation=nation)
    case = make_case(route, channel=Channel.EMAIL, received_at=NOW)

    clocks = clocks_of(case)
    assert set(clocks) == {ClockKind.ACKNOWLEDGEMENT, ClockKind.RESPONSE}
    assert day_of(clocks[ClockKind.ACKNOWLEDGEMENT].due_at) == datetime.date.fromisoformat(ack_due)
    assert day_of(clocks[ClockKind.RESPONSE].due_at) == datetime.date.fromisoformat(response_due)
    assert clocks[ClockKind.ACKNOWLEDGEMENT].due_at.astimezone(LONDON).time() == datetime.time.max
    started = CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_STARTED)
    assert started.count() == 2


def test_reminders_are_due_one_working_day_before():
    route = make_route()
    case = make_case(route, received_at=NOW)
    clocks = clocks_of(case)
    # Ack due Mon 30 Nov: reminder Fri 27 Nov 09:00. Response due Wed 2 Dec: Tue 1 Dec 09:00.
    assert clocks[ClockKind.ACKNOWLEDGEMENT].remind_at == datetime.datetime(
        2026, 11, 27, 9, tzinfo=LONDON
    )
    assert clocks[ClockKind.RESPONSE].remind_at == datetime.datetime(2026, 12, 1, 9, tzinfo=LONDON)


@pytest.mark.parametrize("channel", [Channel.IN_PERSON, Channel.PHONE, Channel.LETTER, Channel.WEB])
def test_only_an_emailed_concern_gets_the_acknowledgement_clock(channel):
    case = make_case(make_route(), channel=channel, received_at=NOW)
    assert set(clocks_of(case)) == {ClockKind.RESPONSE}


def test_starting_a_steps_clocks_twice_starts_them_once():
    route = make_route()
    case = make_case(route, received_at=NOW)
    assert services.start_step_clocks(case=case, step=route.first, started_at=NOW) == []
    assert Deadline.objects.filter(case=case).count() == 2


def test_meeting_a_clock_records_it_and_cancels_the_waiting_draft():
    route = make_route()
    case = make_case(route, received_at=NOW)
    draft = services.on_case_opened(case=case)
    assert draft is not None
    assert draft.status == DraftStatus.DRAFT

    met = services.meet_clocks(case=case, kinds=[ClockKind.ACKNOWLEDGEMENT], at=NOW, actor=None)

    assert [d.kind for d in met] == [ClockKind.ACKNOWLEDGEMENT]
    clocks = clocks_of(case)
    assert clocks[ClockKind.ACKNOWLEDGEMENT].met_at == NOW
    assert clocks[ClockKind.RESPONSE].met_at is None
    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_MET).count() == 1
    draft.refresh_from_db()
    assert draft.status == DraftStatus.CANCELLED


def test_stopping_a_closed_cases_clocks_leaves_met_ones_met():
    route = make_route()
    case = make_case(route, received_at=NOW)
    services.meet_clocks(case=case, kinds=[ClockKind.ACKNOWLEDGEMENT], at=NOW, actor=None)

    assert services.stop_open_clocks(case=case, at=NOW) == 1

    clocks = clocks_of(case)
    assert clocks[ClockKind.RESPONSE].cancelled_at == NOW
    assert clocks[ClockKind.RESPONSE].status == "stopped"
    assert clocks[ClockKind.ACKNOWLEDGEMENT].cancelled_at is None
    assert clocks[ClockKind.ACKNOWLEDGEMENT].status == "met"


# -- closure days and rule changes recompute open clocks ------------------------------------------


def test_a_new_closure_day_moves_open_working_day_clocks(django_capture_on_commit_callbacks):
    route = make_route()
    case = make_case(route, received_at=NOW)
    met_case = make_case(route, received_at=NOW)
    services.meet_clocks(case=met_case, kinds=[ClockKind.ACKNOWLEDGEMENT], at=NOW, actor=None)
    met_due = clocks_of(met_case)[ClockKind.ACKNOWLEDGEMENT].due_at

    with django_capture_on_commit_callbacks(execute=True):
        closure = ClosureDay.objects.create(
            council=route.council, date=datetime.date(2026, 11, 27), description="Staff day"
        )

    clocks = clocks_of(case)
    # Fri 27 Nov closed: Thu 26, Mon 30, Tue 1 Dec.
    assert day_of(clocks[ClockKind.ACKNOWLEDGEMENT].due_at) == datetime.date(2026, 12, 1)
    # "Seven days" are plain days: a closure does not move them.
    assert day_of(clocks[ClockKind.RESPONSE].due_at) == datetime.date(2026, 12, 2)
    # A met clock is history.
    assert clocks_of(met_case)[ClockKind.ACKNOWLEDGEMENT].due_at == met_due
    assert CaseEvent.objects.filter(case=case, action=EventAction.CLOCK_RECALCULATED).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        closure.delete()
    assert day_of(clocks_of(case)[ClockKind.ACKNOWLEDGEMENT].due_at) == datetime.date(2026, 11, 30)


def test_a_breached_clock_is_never_recomputed():
    route = make_route()
    case = make_case(route, received_at=NOW - datetime.timedelta(days=14))
    Deadline.objects.filter(case=case).update(breached_at=NOW)
    before = {k: d.due_at for k, d in clocks_of(case).items()}
    ClosureDay.objects.create(council=route.council, date=datetime.date(2026, 11, 12))
    assert services.recompute_unstarted_or_open_clocks(route.council) == 0
    assert {k: d.due_at for k, d in clocks_of(case).items()} == before


def test_editing_a_clock_rule_recomputes_its_open_clocks(django_capture_on_commit_callbacks):
    route = make_route()
    case = make_case(route, received_at=NOW)
    rule = route.first.clocks.get(kind=ClockKind.RESPONSE)
    rule.length = 10
    with django_capture_on_commit_callbacks(execute=True):
        rule.save()
    response = clocks_of(case)[ClockKind.RESPONSE]
    assert response.length == 10
    assert day_of(response.due_at) == datetime.date(2026, 12, 5)


# -- holding reply (Maldon 2.2) -------------------------------------------------------------------


def test_a_holding_reply_moves_the_clock_audits_and_emails_the_member(
    django_capture_on_commit_callbacks,
):
    route = make_route()
    case = make_case(route, received_at=NOW)
    response = clocks_of(case)[ClockKind.RESPONSE]

    with django_capture_on_commit_callbacks(execute=True):
        services.extend_clock(
            deadline=response,
            new_due_date=datetime.date(2026, 12, 11),
            actor=route.handler.user,
            reason="The report needs the finance team, back on 7 December.",
        )

    response.refresh_from_db()
    assert response.due_at == datetime.datetime.combine(
        datetime.date(2026, 12, 11), datetime.time.max, tzinfo=LONDON
    )
    assert response.extended_to == response.due_at
    assert day_of(response.original_due_at) == datetime.date(2026, 12, 2)
    # A fresh reminder for the new date: Thu 10 Dec 09:00.
    assert response.remind_at == datetime.datetime(2026, 12, 10, 9, tzinfo=LONDON)
    event = CaseEvent.objects.get(case=case, action=EventAction.CLOCK_EXTENDED)
    assert "11 December 2026" in event.reason
    assert event.actor == route.handler.user
    notice = Notice.objects.get(deadline=response, kind=NoticeKind.EXTENSION)
    assert notice.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [route.member.email]
    assert "Friday 11 December 2026" in mail.outbox[0].body
    assert "finance team" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("who", "new_date", "reason", "error"),
    [
        pytest.param("member", "2026-12-11", "Busy", PermissionRefused, id="party-refused"),
        pytest.param("stranger", "2026-12-11", "Busy", PermissionRefused, id="stranger-refused"),
        pytest.param("handler", "2026-12-02", "Busy", ValidationError, id="not-later-than-due"),
        pytest.param("handler", "2026-12-11", "  ", ValidationError, id="no-reason"),
    ],
)
def test_a_holding_reply_is_refused(who, new_date, reason, error):
    route = make_route()
    case = make_case(route, received_at=NOW)
    users = {
        "member": user_for(route.member, UserGroup.COUNCILLOR),
        "stranger": user_for(OfficerFactory(council=route.council), UserGroup.OFFICER),
        "handler": route.handler.user,
    }
    response = clocks_of(case)[ClockKind.RESPONSE]
    with pytest.raises(error):
        services.extend_clock(
            deadline=response,
            new_due_date=datetime.date.fromisoformat(new_date),
            actor=users[who],
            reason=reason,
        )
    response.refresh_from_db()
    assert response.extended_to is None
    assert not Notice.objects.filter(kind=NoticeKind.EXTENSION).exists()


@pytest.mark.parametrize("state", ["met", "breached", "stopped"])
def test_only_a_running_clock_can_be_extended(state):
    route = make_route()
    case = make_case(route, received_at=NOW)
    field = {"met": "met_at", "breached": "breached_at", "stopped": "cancelled_at"}[state]
    Deadline.objects.filter(case=case).update(**{field: NOW})
    with pytest.raises(ActionNotAllowed):
        services.extend_clock(
            deadline=clocks_of(case)[ClockKind.RESPONSE],
            new_due_date=datetime.date(2026, 12, 11),
            actor=route.handler.user,
            reason="Busy",
        )


# -- information requests (FOIA s.10) -------------------------------------------------------------


@pytest.mark.parametrize("nation", ["england", "wales", "scotland", "northern_ireland"])
def test_foi_clock_is_twenty_all_uk_working_days_in_every_nation(nation):
    from info_requests.models import InfoRequestEvent

    route = make_route(nation=nation)
    # A council closure never moves an all-UK clock.
    ClosureDay.objects.create(council=route.council, date=datetime.date(2026, 12, 29))
    received = datetime.datetime(2026, 12, 14, 10, tzinfo=LONDON)
    request = make_info_request(route.council, route.member, received)

    deadline = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region="all_uk",
        received_at=received,
    )

    # Mon 14 Dec 2026: 25 Dec, 28 Dec, 1 Jan and Scotland's 4 Jan skipped; d20 is Fri 15 Jan 2027.
    assert day_of(deadline.due_at) == datetime.date(2027, 1, 15)
    assert deadline.due_at.utcoffset() == datetime.timedelta(0)
    assert InfoRequestEvent.objects.filter(info_request=request, action="clock_started").exists()
    # Starting it again returns the same clock.
    again = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region="all_uk",
        received_at=received,
    )
    assert again.pk == deadline.pk


def test_pausing_and_resuming_moves_the_due_day_by_the_working_days_paused():
    route = make_route()
    received = datetime.datetime(2026, 11, 16, 10, tzinfo=LONDON)
    request = make_info_request(route.council, route.member, received)
    deadline = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region="all_uk",
        received_at=received,
    )
    # Mon 16 Nov; St Andrew's Day (Mon 30 Nov) skipped on the all-UK calendar: d20 Tue 15 Dec.
    assert day_of(deadline.due_at) == datetime.date(2026, 12, 15)

    paused = services.pause_clock(deadline=deadline, at=NOW, reason="Fee notice sent")
    assert paused.status == "paused"
    with pytest.raises(ActionNotAllowed):
        services.pause_clock(deadline=deadline, at=NOW, reason="again")

    resumed_at = datetime.datetime(2026, 12, 2, 11, tzinfo=LONDON)
    resumed = services.resume_clock(deadline=deadline, at=resumed_at)
    # Paused Wed 25 Nov, resumed Wed 2 Dec: Thu 26, Fri 27, (Mon 30 hol), Tue 1, Wed 2 = 4 days.
    # Tue 15 Dec + 4 working days = Mon 21 Dec.
    assert resumed.paused_days == 4
    assert day_of(resumed.due_at) == datetime.date(2026, 12, 21)
    assert resumed.paused_at is None
    with pytest.raises(ActionNotAllowed):
        services.resume_clock(deadline=deadline, at=resumed_at)


def test_meeting_one_clock_twice_is_refused():
    route = make_route()
    request = make_info_request(route.council, route.member, NOW)
    deadline = services.start_clock(
        info_request=request,
        kind=ClockKind.FOI_RESPONSE,
        length=20,
        working_days=True,
        calendar_region="all_uk",
        received_at=NOW,
    )
    met = services.meet_clock(deadline=deadline, at=NOW, actor=None)
    assert met.met_at == NOW
    with pytest.raises(ActionNotAllowed, match="FOI response clock is not running"):
        services.meet_clock(deadline=deadline, at=NOW, actor=None)


# -- acknowledging an emailed concern (Maldon 2.2) ------------------------------------------------


def test_an_emailed_case_gets_an_acknowledgement_draft_for_the_handler():
    route = make_route()
    case = make_case(route, received_at=NOW)

    draft = services.on_case_opened(case=case)

    assert draft is not None
    assert draft.status == DraftStatus.DRAFT
    assert draft.to_email == route.member.email
    assert case.reference in draft.body
    assert "Wednesday 2 December 2026" in draft.body  # the response clock's due day
    assert "investigation" not in draft.body.lower()  # Maldon 1.2
    assert services.on_case_opened(case=case).pk == draft.pk  # once per case
    assert mail.outbox == []


def test_no_draft_for_a_concern_not_raised_by_email():
    case = make_case(make_route(), channel=Channel.PHONE, received_at=NOW)
    assert services.on_case_opened(case=case) is None
    assert not AcknowledgementDraft.objects.exists()


def test_auto_acknowledge_sends_at_once_and_acknowledges_the_case(
    django_capture_on_commit_callbacks,
):
    route = make_route(auto_acknowledge=True)
    case = make_case(route, received_at=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        draft = services.on_case_opened(case=case)

    assert draft.status == DraftStatus.SENT
    case.refresh_from_db()
    assert case.acknowledged_at is not None
    assert clocks_of(case)[ClockKind.ACKNOWLEDGEMENT].met_at is not None
    to_member = [m for m in mail.outbox if m.to == [route.member.email]]
    assert len(to_member) == 1
    assert to_member[0].subject == f"Your concern {case.reference}: we have received it"
    actions = set(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert {EventAction.ACKNOWLEDGEMENT_SENT, EventAction.ACKNOWLEDGED} <= actions


def test_the_handler_sends_the_edited_acknowledgement(django_capture_on_commit_callbacks):
    route = make_route()
    case = make_case(route, received_at=NOW)
    draft = services.on_case_opened(case=case)

    with django_capture_on_commit_callbacks(execute=True):
        services.send_acknowledgement(
            draft=draft, actor=route.handler.user, body="Dear Mo, thank you. Dana"
        )

    case.refresh_from_db()
    assert case.acknowledged_at is not None
    # The case engine also tells the people it informs; one email goes to the member.
    to_member = [m for m in mail.outbox if m.to == [route.member.email]]
    assert len(to_member) == 1
    assert to_member[0].body.strip() == "Dear Mo, thank you. Dana"
    assert to_member[0].alternatives  # plain text + HTML
    with pytest.raises(ActionNotAllowed):
        services.send_acknowledgement(draft=draft, actor=route.handler.user)


def test_a_party_cannot_send_the_acknowledgement():
    route = make_route()
    case = make_case(route, received_at=NOW)
    draft = services.on_case_opened(case=case)
    member_user = user_for(route.member, UserGroup.COUNCILLOR)
    with pytest.raises(PermissionRefused):
        services.send_acknowledgement(draft=draft, actor=member_user)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DRAFT


def test_opening_an_emailed_case_drafts_the_acknowledgement_after_commit(
    django_capture_on_commit_callbacks,
):
    route = make_route()
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(route, received_at=NOW)
    draft = AcknowledgementDraft.objects.get(case=case)
    assert draft.status == DraftStatus.DRAFT
    assert draft.deadline == clocks_of(case)[ClockKind.ACKNOWLEDGEMENT]
