"""Issue #20: every notification the product sends about a case or an information request links
to a page each of its recipients can open (200), and a signed-in person of the same council
who is not entitled gets a 404 for the same link. Runs on the shipped configuration (Maldon)."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from cases import services
from cases.models import Case, CaseType
from clocks.models import AcknowledgementDraft, Deadline, Notice, NoticeKind
from clocks.notices import deliver_notice
from clocks.services import send_acknowledgement
from contacts.models import Person, Service
from info_requests import services as info_services
from tests.factories import user_for

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"'<>]+")


def _person(key: str, council: str = "maldon") -> Person:
    return Person.objects.get(council__slug=council, key=key)


def _users_for_everyone() -> None:
    for p in Person.objects.filter(user__isnull=True):
        user_for(p)


def _every_notice(deadlines) -> None:
    """Each kind of clock email for each deadline: reminder, breach, holding reply, and the
    emailed-concern acknowledgement."""
    for deadline in deadlines:
        # The acknowledgement goes out only from its draft (sent in the case's journey).
        for kind in set(NoticeKind.values) - {NoticeKind.ACKNOWLEDGEMENT}:
            notice = Notice.objects.create(deadline=deadline, kind=kind, key="links-test")
            deliver_notice(notice_id=notice.pk)


def _links_by_recipient() -> dict[str, set[str]]:
    links: dict[str, set[str]] = {}
    for message in mail.outbox:
        bodies = [message.body] + [body for body, _ in getattr(message, "alternatives", [])]
        found = {urlparse(url).path for body in bodies for url in LINK.findall(body)}
        assert found, f"An email without a link to follow: {message.subject}"
        for address in message.to:
            links.setdefault(address, set()).update(found)
    return links


def _assert_links_open(outsider_key: str, council: str = "maldon") -> int:
    links = _links_by_recipient()
    assert links
    checked = 0
    for address, paths in links.items():
        recipient = Person.objects.get(email=address)
        browser = Client()
        browser.force_login(recipient.user)
        for path in paths:
            status = browser.get(path).status_code
            assert status == 200, (recipient.name, path, status)
            checked += 1
    outsider = Client()
    outsider.force_login(_person(outsider_key, council).user)
    for path in set().union(*links.values()):
        assert outsider.get(path).status_code == 404, path
    return checked


def test_every_case_notification_links_to_a_page_each_recipient_opens(
    councils, django_capture_on_commit_callbacks
):
    """A member's emailed concern at Maldon runs its whole course: opened (the officer concerned,
    Maldon 2.2, and the handler told), acknowledged and answered by the officer, escalated to the
    Leader (the Head of Paid Service kept informed, 2.3), reassigned, resolved, reopened and
    withdrawn; every clock sends every kind of notice."""
    _users_for_everyone()
    clerk = _person("lucy-brennan")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.open_case(
            council=councils["maldon"],
            case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
            raised_by=_person("cllr-tom-castleton"),
            about=_person("daniel-frost"),
            channel="email",
            received_at=timezone.now() - datetime.timedelta(hours=2),
            summary="Planning advice was not returned.",
            actor=None,
        )
    officer = _person("daniel-frost").user
    # Maldon 2.2: the officer concerned sends the drafted acknowledgement to the member.
    with django_capture_on_commit_callbacks(execute=True):
        send_acknowledgement(draft=AcknowledgementDraft.objects.get(case=case), actor=officer)
    case = Case.objects.get(pk=case.pk)
    assert case.acknowledged_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        case = services.respond_to_case(case=case, actor=officer, text="Can we meet?")
    _every_notice(Deadline.objects.filter(case=case))
    with django_capture_on_commit_callbacks(execute=True):
        case = services.escalate_case(case=case, actor=None, reason="Concerns remain")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.assign_handler(
            case=case,
            actor=None,
            person=_person("cllr-richard-fenwick"),
            reason="The Leader is away: the Opposition Leader takes it (clerk's decision)",
        )
    with django_capture_on_commit_callbacks(execute=True):
        case = services.resolve_case(case=case, actor=None, outcome="Met and agreed a way on")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.reopen_case(case=case, actor=None, reason="The member wrote again")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.withdraw_case(case=case, actor=None, reason="Withdrawn by the member")
    recipients = {address for m in mail.outbox for address in m.to}
    expected = {
        _person(key).email
        for key in (
            "cllr-tom-castleton",  # raised it
            "daniel-frost",  # the officer concerned (Maldon 2.2)
            "cllr-margaret-ashdown",  # the Leader handles 2.3
            "helen-marchbank",  # the Head of Paid Service's feedback (2.3)
            "cllr-richard-fenwick",  # assigned by hand
        )
    }
    assert expected <= recipients
    subjects = {m.subject for m in mail.outbox}
    assert any(s.endswith("we have received it") for s in subjects)  # the acknowledgement
    assert any(s.endswith("when to expect a response") for s in subjects)  # holding reply
    assert any("overdue" in s for s in subjects)  # a breach notice
    assert Case.objects.get(pk=case.pk).handler is not None
    assert clerk.email not in recipients  # nobody told who has no part in it
    assert _assert_links_open(outsider_key="terence-wilkes") >= len(expected)


def test_every_information_request_notification_links_to_a_page_each_recipient_opens(
    councils, django_capture_on_commit_callbacks
):
    """Lancaster 8.6: a member's request goes to the relevant Service Head; the acknowledgement,
    and every notice of its FOI clock (Lancaster 8.8, FOIA s.10), link to the request."""
    _users_for_everyone()
    member = _person("cllr-beth-ingram", "lancaster")
    with django_capture_on_commit_callbacks(execute=True):
        request = info_services.create_info_request(
            council=councils["lancaster"],
            requested_by=member,
            description="The enforcement log for Skerton.",
            received_at=timezone.now() - datetime.timedelta(hours=1),
            actor=member.user,
            own_committee_business=True,
            # Lancaster 8.6 "the relevant Service Head": the service holding the information.
            service=Service.objects.get(
                council=councils["lancaster"], slug="environmental-and-local-services"
            ),
        )
    assert request.decider is not None
    decider = request.decider.user
    mo = _person("joanne-pennington", "lancaster").user
    with django_capture_on_commit_callbacks(execute=True):
        request = info_services.consider_member_rights(info_request=request, actor=decider)
        request = info_services.refuse_access(
            info_request=request, actor=mo, reason="not_necessary"
        )
        request = info_services.treat_as_foi(info_request=request, actor=decider)
    _every_notice(Deadline.objects.filter(info_request=request))
    recipients = {address for m in mail.outbox for address in m.to}
    assert {member.email, request.decider.email} <= recipients
    # A housing officer of Lancaster with no part in deciding requests.
    assert _assert_links_open(outsider_key="liam-hargreaves", council="lancaster") >= 2
