"""Clock pages: the dashboard, the case-page include, acknowledgement drafts, holding replies."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cases.models import Channel, ClockKind
from clocks import services
from clocks.models import Deadline, DraftStatus
from contacts.selectors import UserGroup
from tests.clocks.factories import make_case, make_route
from tests.factories import PASSWORD, user_for

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)  # Wed 25 Nov 2026

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# -- the include on the case page -----------------------------------------------------------------


def test_the_case_clocks_include_shows_every_clock_with_status_and_countdown():
    route = make_route()
    case = make_case(route, received_at=NOW)
    overdue = make_case(route, received_at=NOW - datetime.timedelta(days=14))
    request = RequestFactory().get("/")
    request.user = route.handler.user

    html = render_to_string(
        "clocks/includes/case_clocks.html",
        {"deadlines": list(case.deadlines.all()), "request": request},
    )
    assert "Acknowledgement" in html
    assert "Response" in html
    assert "Monday 30 November 2026" in html  # 3 working days from Wed 25 Nov
    assert "Wednesday 2 December 2026" in html  # 7 days
    assert "govuk-tag--blue" in html  # running
    assert "3 working days left" in html
    assert "Send a holding reply" in html

    html = render_to_string(
        "clocks/includes/case_clocks.html", {"deadlines": list(overdue.deadlines.all())}
    )
    assert "Overdue" in html
    assert "govuk-tag--red" in html
    assert "working days overdue" in html
    assert "holding reply" not in html  # no request user, no actions

    assert "No clocks are running" in render_to_string(
        "clocks/includes/case_clocks.html", {"deadlines": []}
    )


@pytest.mark.parametrize(
    ("field", "label", "css"),
    [
        ("met_at", "Met", "govuk-tag--green"),
        ("paused_at", "Paused", "govuk-tag--yellow"),
        ("cancelled_at", "Stopped", "govuk-tag--grey"),
    ],
)
def test_the_include_tags_each_status(field, label, css):
    case = make_case(make_route(), channel=Channel.PHONE, received_at=NOW)
    Deadline.objects.filter(case=case).update(**{field: NOW})
    html = render_to_string(
        "clocks/includes/case_clocks.html", {"deadlines": list(case.deadlines.all())}
    )
    assert f'<strong class="govuk-tag {css}">{label}</strong>' in html


# -- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_shows_overdue_due_this_week_and_per_handler(client):
    route = make_route()
    overdue = make_case(route, received_at=NOW - datetime.timedelta(days=14))
    soon = make_case(route, channel=Channel.EMAIL, received_at=NOW)
    other = make_route()
    hidden = make_case(other, received_at=NOW - datetime.timedelta(days=14))

    response = login(client, route.clerk.user).get(reverse("clocks:dashboard"))

    assert response.status_code == 200
    board = response.context["board"]
    assert {d.case for d in board.overdue} == {overdue}
    # Due this week (by Sunday 29 Nov): nothing of `soon` (ack Mon 30 Nov, response Wed 2 Dec).
    assert soon not in {d.case for d in board.due_this_week}
    assert hidden not in {d.case for d in board.overdue}
    text = response.content.decode()
    assert overdue.reference in text
    assert hidden.reference not in text
    assert route.handler.name in text
    assert [(r["name"], r["open"], r["overdue"]) for r in board.per_handler] == [
        (route.handler.name, 4, 2)
    ]
    # The acknowledgement drafts waiting to be sent are signposted.
    services.on_case_opened(case=soon)
    response = client.get(reverse("clocks:dashboard"))
    assert "1 acknowledgement waiting to be sent" in response.content.decode()


def test_due_this_week_lists_a_clock_due_by_sunday(client):
    route = make_route()
    # Received by email Fri 20 Nov: acknowledgement due Wed 25 Nov (Mon 23, Tue 24, Wed 25:
    # today) and response due Fri 27 Nov (7 days): both by Sunday 29 Nov, so this week.
    case = make_case(route, received_at=datetime.datetime(2026, 11, 20, 10, tzinfo=LONDON))
    response = login(client, route.clerk.user).get(reverse("clocks:dashboard"))
    due = response.context["board"].due_this_week
    assert [(d.case, d.kind) for d in due] == [
        (case, ClockKind.ACKNOWLEDGEMENT),
        (case, ClockKind.RESPONSE),
    ]
    assert "Due today" in response.content.decode()


def test_the_dashboard_needs_a_login(client):
    response = client.get(reverse("clocks:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_a_party_sees_only_their_own_cases_on_the_dashboard(client):
    route = make_route()
    mine = make_case(route, received_at=NOW - datetime.timedelta(days=14))
    member_user = user_for(route.member, UserGroup.COUNCILLOR)
    other = make_route()
    theirs = make_case(other, received_at=NOW - datetime.timedelta(days=14))
    board = login(client, member_user).get(reverse("clocks:dashboard")).context["board"]
    cases = {d.case for d in board.overdue}
    assert mine in cases
    assert theirs not in cases


# -- the acknowledgement page (Maldon 2.2) --------------------------------------------------------


def test_the_handler_reviews_and_sends_the_acknowledgement(
    client, django_capture_on_commit_callbacks
):
    route = make_route()
    case = make_case(route, received_at=NOW)
    draft = services.on_case_opened(case=case)
    url = reverse("clocks:acknowledgement", args=[draft.pk])
    login(client, route.handler.user)

    page = client.get(url)
    assert page.status_code == 200
    assert "Acknowledge the member" in page.content.decode()
    assert route.member.email in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"subject": "Your concern", "body": "Dear Mo, thank you for your email."}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"reference": case.reference})
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SENT
    case.refresh_from_db()
    assert case.acknowledged_at is not None
    to_member = [m for m in mail.outbox if m.to == [route.member.email]]
    assert [m.subject for m in to_member] == ["Your concern"]


def test_an_empty_acknowledgement_is_refused_with_an_error_summary(client):
    route = make_route()
    draft = services.on_case_opened(case=make_case(route, received_at=NOW))
    login(client, route.handler.user)
    response = client.post(
        reverse("clocks:acknowledgement", args=[draft.pk]), {"subject": "Hi", "body": ""}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert 'href="#id_body"' in text
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DRAFT


def test_a_party_never_sees_the_acknowledgement_draft(client):
    """Issue #23: the unsent draft holds the complainant's address; to a party of the case it
    answers exactly like a draft that does not exist, and the case page does not link it."""
    route = make_route()
    case = make_case(route, received_at=NOW)
    draft = services.on_case_opened(case=case)
    login(client, user_for(route.member, UserGroup.COUNCILLOR))
    url = reverse("clocks:acknowledgement", args=[draft.pk])
    missing = reverse("clocks:acknowledgement", args=[draft.pk + 1000])
    page = client.get(url)
    assert page.status_code == 404

    def scrubbed(body: bytes) -> bytes:  # without the per-response nonce and CSRF token
        return re.sub(rb'(nonce|value)="[^"]*"', rb'\1=""', body)

    assert scrubbed(page.content) == scrubbed(client.get(missing).content)
    assert route.member.email not in page.content.decode()
    assert client.post(url, {"subject": "x", "body": "y"}).status_code == 404
    case_page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert url not in case_page
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DRAFT


def test_another_councils_clerk_gets_404(client):
    route = make_route()
    draft = services.on_case_opened(case=make_case(route, received_at=NOW))
    login(client, make_route().clerk.user)
    url = reverse("clocks:acknowledgement", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"subject": "x", "body": "y"}).status_code == 404


# -- the holding reply page (Maldon 2.2) ----------------------------------------------------------


def test_the_handler_sends_a_holding_reply(client, django_capture_on_commit_callbacks):
    route = make_route()
    case = make_case(route, received_at=NOW)
    response_clock = case.deadlines.get(kind=ClockKind.RESPONSE)
    url = reverse("clocks:holding_reply", args=[response_clock.pk])
    login(client, route.handler.user)
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"day": "11", "month": "12", "year": "2026", "reason": "Waiting for finance."}
        )

    assert response.status_code == 302
    response_clock.refresh_from_db()
    assert response_clock.due_at.astimezone(LONDON).date() == datetime.date(2026, 12, 11)
    assert [m.to for m in mail.outbox] == [[route.member.email]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"day": "31", "month": "2", "year": "2026", "reason": "x"},
            "Enter a real date",
            id="not-a-date",
        ),
        pytest.param(
            {"day": "", "month": "12", "year": "2026", "reason": "x"},
            "Enter the date",
            id="missing-day",
        ),
        pytest.param(
            {"day": "1", "month": "12", "year": "2026", "reason": "x"},
            "must be after the current due date",
            id="earlier",
        ),
        pytest.param(
            {"day": "11", "month": "12", "year": "2026", "reason": ""}, "Say why", id="no-reason"
        ),
    ],
)
def test_a_bad_holding_reply_shows_errors(client, data, message):
    route = make_route()
    case = make_case(route, received_at=NOW)
    clock = case.deadlines.get(kind=ClockKind.RESPONSE)
    login(client, route.handler.user)
    response = client.post(reverse("clocks:holding_reply", args=[clock.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    clock.refresh_from_db()
    assert clock.extended_to is None


def test_a_party_cannot_send_a_holding_reply_and_a_stranger_gets_404(client):
    route = make_route()
    clock = make_case(route, received_at=NOW).deadlines.get(kind=ClockKind.RESPONSE)
    url = reverse("clocks:holding_reply", args=[clock.pk])
    login(client, user_for(route.member, UserGroup.COUNCILLOR))
    assert client.get(url).status_code == 403
    client.logout()
    login(client, make_route().clerk.user)
    assert client.get(url).status_code == 404


def test_the_case_page_shows_the_clocks_table(client):
    route = make_route()
    case = make_case(route, received_at=NOW)
    login(client, route.handler.user)
    response = client.get(reverse("cases:detail", kwargs={"reference": case.reference}))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="clocks"' in text
    assert "3 working days left" in text  # acknowledgement, Mon 30 Nov
    assert "Send a holding reply" in text
