"""The case web journeys, as a user would walk them."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseState,
    CaseType,
    EventAction,
    Note,
    NoteVisibility,
)
from clocks.models import Deadline
from contacts.models import Role
from contacts.selectors import UserGroup
from tests.cases.factories import open_test_case, reload
from tests.factories import CouncilFactory, OfficerFactory, make_variant, user_for

pytestmark = pytest.mark.django_db

NEW = reverse("cases:new")
CHECK = reverse("cases:new_check")


def step(name: str) -> str:
    return reverse("cases:new_step", args=[name])


def detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.reference])


def action(case: Case, name: str) -> str:
    return reverse("cases:action", args=[case.reference, name])


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def submit_check(client) -> tuple[str, object]:
    page = client.get(CHECK)
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    return key, client.post(CHECK, {"idempotency_key": key})


# == login and scope ============================================================================
@pytest.mark.parametrize(
    "url",
    [
        reverse("cases:list"),
        NEW,
        step("summary"),
        CHECK,
        reverse("cases:detail", args=["TST-2026-0001"]),
        reverse("cases:action", args=["TST-2026-0001", "escalate"]),
        reverse("cases:add_note", args=["TST-2026-0001"]),
        reverse("cases:attachment", args=["TST-2026-0001", 1]),
    ],
)
def test_every_page_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_out_of_scope_case_is_404_like_a_missing_one(world, as_user):
    case = open_test_case(world)
    client = as_user("councillor2")  # neither party, handler, clerk nor MO
    for url in (
        detail(case),
        action(case, "escalate"),
        reverse("cases:add_note", args=[case.reference]),
        reverse("cases:opened", args=[case.reference]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(action(case, "resolve"), {"expected_state": case.state}).status_code == 404
    assert client.get(reverse("cases:detail", args=["TST-2026-9999"])).status_code == 404
    assert case.reference not in text(client.get(reverse("cases:list")))


def test_unknown_action_is_404(world, as_user):
    case = open_test_case(world)
    assert as_user("clerk").get(action(case, "delete")).status_code == 404


# == journey 1: a clerk logs a dispute raised by email ==========================================
def test_clerk_logs_an_emailed_dispute(world, as_user):
    client = as_user("clerk")
    # One council: the journey starts at the kind of case.
    response = client.get(NEW)
    assert response["Location"] == step("case-type")
    page = client.get(step("case-type"))
    assert "What kind of case is it?" in text(page)
    # Only the kinds the council has a published route for.
    assert "Officer's complaint that a member broke the Code of Conduct" not in text(page)

    response = client.post(step("case-type"), {"case_type": CaseType.MEMBER_CONCERN_ABOUT_OFFICER})
    assert response["Location"] == step("raised-by")
    page = client.get(step("raised-by"))
    assert world["councillor"].name in text(page)
    assert world["officer"].name not in text(page)  # a member's concern is raised by a member
    response = client.post(step("raised-by"), {"raised_by": world["councillor"].pk})
    assert response["Location"] == step("about")

    page = client.get(step("about"))
    assert world["officer"].name in text(page)
    assert world["councillor2"].name not in text(page)  # ... about an officer
    response = client.post(step("about"), {"about": world["officer"].pk})
    assert response["Location"] == step("received")

    received = timezone.localtime() - datetime.timedelta(days=1)
    response = client.post(
        step("received"),
        {
            "channel": "email",
            "day": received.day,
            "month": received.month,
            "year": received.year,
            "time": "09:15",
        },
    )
    assert response["Location"] == step("summary")
    response = client.post(step("summary"), {"summary": "No reply to three emails about a bin."})
    assert response["Location"] == CHECK

    page = client.get(CHECK)
    body = text(page)
    assert "Check your answers before opening the case" in body
    for expected in (
        "Member's concern about an officer",
        world["councillor"].name,
        world["officer"].name,
        f"Email, {received:%-d %B %Y} at 09:15",
        "No reply to three emails about a bin.",
    ):
        assert expected in body
    # Every answer has a change link back to its question.
    for name in ("case-type", "raised-by", "about", "received", "summary"):
        assert f'href="{step(name)}"' in body

    key, response = submit_check(client)
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:opened", args=[case.reference])
    assert case.channel == "email"
    assert case.raised_by == world["councillor"]
    assert case.about == world["officer"]
    assert case.opened_by == world.user("clerk")
    assert timezone.localtime(case.received_at).strftime("%H:%M") == "09:15"
    assert case.idempotency_key == key
    # Maldon 2.2-style: an emailed concern starts the acknowledgement clock.
    assert set(case.deadlines.values_list("kind", flat=True)) == {"acknowledgement", "response"}

    confirmation = text(client.get(response["Location"]))
    assert "govuk-panel--confirmation" in confirmation
    assert f"Your reference is<br><strong>{case.reference}</strong>" in confirmation
    assert re.fullmatch(r"TST-\d{4}-0001", case.reference)


def test_change_link_returns_to_check_answers(world, as_user):
    client = as_user("clerk")
    _walk_to_check(client, world)
    response = client.post(step("summary"), {"summary": "A different summary"})
    assert response["Location"] == CHECK
    # Changing the kind of case keeps answers that still fit it.
    response = client.post(
        step("case-type"), {"case_type": CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER}
    )
    assert response["Location"] == CHECK
    assert "Member's formal complaint about an officer" in text(client.get(CHECK))


def _walk_to_check(client, world, *, channel="in_person"):
    client.get(NEW)
    client.post(step("case-type"), {"case_type": CaseType.MEMBER_CONCERN_ABOUT_OFFICER})
    client.post(step("raised-by"), {"raised_by": world["councillor"].pk})
    client.post(step("about"), {"about": world["officer"].pk})
    now = timezone.localtime()
    client.post(
        step("received"),
        {"channel": channel, "day": now.day, "month": now.month, "year": now.year, "time": "00:01"},
    )
    response = client.post(step("summary"), {"summary": "Raised at the surgery."})
    assert response["Location"] == CHECK


def test_question_errors_link_to_their_field(world, as_user):
    client = as_user("clerk")
    client.get(NEW)
    client.post(step("case-type"), {"case_type": CaseType.MEMBER_CONCERN_ABOUT_OFFICER})
    page = client.post(step("case-type"), {})
    assert page.status_code == 200
    body = text(page)
    assert "There is a problem" in body
    assert '<a href="#id_case_type">Select what kind of case it is</a>' in body

    client.post(step("raised-by"), {"raised_by": world["councillor"].pk})
    client.post(step("about"), {"about": world["officer"].pk})
    page = client.post(
        step("received"), {"channel": "email", "day": "31", "month": "2", "year": "2026"}
    )
    body = text(page)
    assert '<a href="#id_day">The date received must be a real date</a>' in body
    assert "<title>Error:" in body


def test_a_question_skipped_ahead_sends_back_to_the_first_gap(world, as_user):
    client = as_user("clerk")
    client.get(NEW)
    assert client.get(step("summary"))["Location"] == step("case-type")
    assert client.get(CHECK)["Location"] == step("case-type")


def test_clerk_serving_a_council_with_no_routes_is_told(client):
    council = CouncilFactory(slug="emptyshire")
    clerk = OfficerFactory(council=council)
    client.force_login(user_for(clerk, UserGroup.CLERK))
    client.get(NEW)
    page = client.get(step("case-type"))
    assert "You cannot open a case for Emptyshire District Council here" in text(page)


# == journey 2: a councillor files a complaint themself =========================================
def test_councillor_files_a_complaint_themself(world, as_user):
    client = as_user("councillor")
    assert client.get(NEW)["Location"] == step("case-type")
    page = text(client.get(step("case-type")))
    # A councillor raises only members' cases.
    assert "Member's formal complaint about an officer" in page
    assert "Officer's concern about a member" not in page
    # Nobody else can be named as raiser, and there is no "how received" question.
    assert client.get(step("raised-by")).status_code == 404
    assert client.get(step("received")).status_code == 404

    response = client.post(
        step("case-type"), {"case_type": CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER}
    )
    assert response["Location"] == step("about")
    response = client.post(step("about"), {"about": world["officer"].pk})
    assert response["Location"] == step("summary")
    client.post(step("summary"), {"summary": "The officer shouted at me in a meeting."})
    body = text(client.get(CHECK))
    assert f"{world['councillor'].name} (you)" in body
    assert "Online form, when you submit it" in body

    _, response = submit_check(client)
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:opened", args=[case.reference])
    assert (case.channel, case.raised_by, case.about) == (
        "web",
        world["councillor"],
        world["officer"],
    )
    assert case.state == CaseState.HEAD_OF_PAID_SERVICE
    assert case.reference in text(client.get(response["Location"]))


def test_councillor_cannot_name_themself_as_the_subject(world, as_user):
    client = as_user("councillor")
    client.get(NEW)
    client.post(step("case-type"), {"case_type": CaseType.MEMBER_CONCERN_ABOUT_OFFICER})
    page = client.post(step("about"), {"about": world["councillor"].pk})
    assert "Select who it is about" in text(page)


def test_double_submit_creates_one_case(world, as_user):
    client = as_user("clerk")
    _walk_to_check(client, world)
    key, first = submit_check(client)
    second = client.post(CHECK, {"idempotency_key": key})
    assert Case.objects.count() == 1
    assert second["Location"] == first["Location"]
    # Even if the session were lost, the service replays the key instead of opening another.
    case = Case.objects.get()
    again = services.open_case(
        council=world.council,
        case_type=case.case_type,
        raised_by=case.raised_by,
        about=case.about,
        channel=case.channel,
        received_at=case.received_at,
        summary=case.summary,
        actor=world.user("clerk"),
        idempotency_key=key,
    )
    assert again.pk == case.pk
    assert Case.objects.count() == 1


# == journey 3: an officer raises a concern about a member ======================================
def test_officer_raises_a_concern_about_a_member(world, as_user):
    client = as_user("officer")
    client.get(NEW)
    page = text(client.get(step("case-type")))
    assert "Officer's concern about a member" in page
    assert "Member's concern about an officer" not in page
    client.post(step("case-type"), {"case_type": CaseType.OFFICER_CONCERN_ABOUT_MEMBER})
    page = text(client.get(step("about")))
    assert world["councillor"].name in page
    assert world["officer2"].name not in page  # about a member, never an officer
    client.post(step("about"), {"about": world["councillor"].pk})
    # Issue #20: a case about a member asks which service it concerns (the officer's own first).
    assert 'value="place" selected' in text(client.get(step("service")))
    client.post(step("service"), {"service": "place"})
    client.post(step("summary"), {"summary": "Repeated calls to my mobile late at night."})
    _, response = submit_check(client)
    case = Case.objects.get()
    assert case.service == world.services["place"]
    assert (case.raised_by, case.about, case.channel) == (
        world["officer"],
        world["councillor"],
        "web",
    )
    assert case.state == CaseState.MONITORING_OFFICER
    assert case.handler == world["mo"]
    # The officer sees their own case, without the buttons a handler has.
    page = text(client.get(detail(case)))
    assert "Handled by <strong>Monitoring Officer testshire</strong>" in page
    assert "Escalate to" not in page  # this route does not let parties escalate


def test_officer_cannot_pick_a_members_case_type_by_posting(world, as_user):
    client = as_user("officer")
    client.get(NEW)
    page = client.post(step("case-type"), {"case_type": CaseType.MEMBER_CONCERN_ABOUT_OFFICER})
    assert page.status_code == 200
    assert "Select what kind of case it is" in text(page)
    assert client.get(step("about"))["Location"] == step("case-type")


# == the case page ==============================================================================
def test_case_page_shows_summary_ladder_clocks_timeline(
    world, as_user, django_assert_max_num_queries
):
    case = open_test_case(world, actor=world.user("clerk"))
    for n in range(3):
        services.add_note(
            case=case,
            actor=world.user("clerk"),
            body=f"Note {n}",
            visibility="internal",
            files=[SimpleUploadedFile(f"n{n}.pdf", PDF, "application/pdf")],
        )
    client = as_user("clerk")
    # A constant number, however long the timeline: 21 today (selectors, clocks, permissions,
    # the panel and the kept-informed readers of issue #20).
    with django_assert_max_num_queries(21):
        response = client.get(detail(case))
    body = text(response)
    assert response.status_code == 200
    for expected in (
        case.reference,
        world["councillor"].name,
        world["officer"].name,
        "Email,",
        "Step 1",  # the rung's own label (factory labels)
        case.handler_reason[:30],
        "Acknowledgement",
        "Response",
        "Opened",
    ):
        assert expected in body, expected
    ladder = response.context["ladder"]
    assert [r["status"] for r in ladder] == ["current", "next", "next", "next"]
    names = [t["name"] for t in response.context["transitions"]]
    assert names == ["acknowledge", "respond", "escalate", "resolve", "withdraw"]
    for name in names:
        assert f'href="{action(case, name)}"' in body


def test_list_page(world, as_user, django_assert_max_num_queries):
    cases = [open_test_case(world) for _ in range(3)]
    client = as_user("clerk")
    # 14: the list's budget (tests/perf) plus the first request's session stamp; issue #24 added
    # the closure days (each case's age in working days) and the saved views.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cases:list"))
    body = text(response)
    assert response.status_code == 200
    assert body.count('class="govuk-link" href="/cases/TST-') == 3
    assert "Step 1" in body  # the stage in the council's words
    assert cases[0].handler.name in body
    assert "No clock running" not in body  # each has its response clock
    assert "Acknowledgement" in body  # the earliest clock: 3 working days for an email


def test_list_paginates_without_counting(world, as_user, django_assert_max_num_queries):
    base = timezone.now() - datetime.timedelta(days=40)
    cases = [
        open_test_case(world, received_at=base + datetime.timedelta(hours=i)) for i in range(27)
    ]
    client = as_user("clerk")
    with django_assert_max_num_queries(14) as queries:  # see test_list_page
        first = client.get(reverse("cases:list"))
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
    assert len(first.context["cases"]) == 25
    assert first.context["cases"][0] == cases[-1]  # newest first
    second = client.get(reverse("cases:list") + first.context["next_url"])
    assert [c.pk for c in second.context["cases"]] == [cases[1].pk, cases[0].pk]
    assert second.context["next_url"] is None
    back = client.get(reverse("cases:list") + second.context["previous_url"])
    assert [c.pk for c in back.context["cases"]] == [c.pk for c in first.context["cases"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"concern", "at_mo", "about_member"}),
        ("?state=monitoring_officer", {"at_mo", "about_member"}),
        ("?case_type=officer_concern_about_member", {"about_member"}),
        ("?q=bins", {"concern"}),
        ("?overdue=1", {"at_mo"}),
        ("?queue=mine", {"at_mo", "about_member"}),
        ("?queue=mine&overdue=1", {"at_mo"}),
        ("?assigned=me", {"about_member"}),
    ],
)
def test_mo_list_filters_and_queue(world, as_user, query, expected):
    concern = open_test_case(world, summary="Missed bins")
    at_mo = open_test_case(world, summary="Rudeness")
    services.escalate_case(case=at_mo, actor=None, reason="Not resolved")
    at_mo = reload(at_mo)
    overdue_deadline(at_mo)
    about_member = open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor",
        summary="Late calls",
    )
    # Handled by the MO because the route puts it there; at_mo is handled by the deputy, so it
    # is in the MO's queue for its rung, not because it is assigned to them.
    assert about_member.handler == world["mo"]
    Case.objects.filter(pk=at_mo.pk).update(handler=world["deputy_mo"])
    names = {concern.pk: "concern", at_mo.pk: "at_mo", about_member.pk: "about_member"}
    response = as_user("mo").get(reverse("cases:list") + query)
    assert {names[c.pk] for c in response.context["cases"]} == expected
    if "overdue" in query:
        assert "Overdue" in text(response)


def overdue_deadline(case: Case) -> Deadline:
    past = timezone.now() - datetime.timedelta(days=1)
    return Deadline.objects.create(
        case=case,
        kind="response",
        length=7,
        working_days=False,
        calendar="council",
        starts_at=past - datetime.timedelta(days=7),
        due_at=past,
        original_due_at=past,
    )


# == journey 4: the MO acts on a case ===========================================================
def test_mo_escalates_with_confirmation(world, as_user):
    case = open_test_case(world)
    client = as_user("mo")
    page = client.get(action(case, "escalate"))
    body = text(page)
    assert page.status_code == 200
    assert f"Escalate {case.reference} to the next stage?" in body
    assert "The case will go to <strong>Step 2</strong>" in body
    assert f'name="expected_state" value="{case.state}"' in body
    assert '<label class="govuk-label govuk-label--s" for="id_reason">' in body

    refused = client.post(action(case, "escalate"), {"expected_state": case.state})
    assert "Enter why the case needs to go to the next stage" in text(refused)
    assert reload(case).state == CaseState.CHIEF_OFFICER

    response = client.post(
        action(case, "escalate"), {"expected_state": case.state, "reason": "Still unresolved"}
    )
    assert response["Location"] == detail(case)
    assert reload(case).state == CaseState.MONITORING_OFFICER
    event = CaseEvent.objects.get(case=case, action=EventAction.ESCALATED)
    assert (event.reason, event.actor) == ("Still unresolved", world.user("mo"))
    page = text(client.get(response["Location"]))
    assert "govuk-notification-banner--success" in page
    assert "Case escalated to Step 2" in page


@pytest.mark.parametrize(
    ("name", "data", "field", "value"),
    [
        ("acknowledge", {}, "acknowledged_at", "set"),
        ("respond", {"text": "We have spoken.", "confirmed": "yes"}, "responded_at", "set"),
        ("resolve", {"outcome": "Apology accepted."}, "state", CaseState.RESOLVED),
        ("withdraw", {"reason": "Sorted", "confirmed": "yes"}, "state", CaseState.WITHDRAWN),
    ],
)
def test_each_action_confirms_and_succeeds(world, as_user, name, data, field, value):
    case = open_test_case(world)
    client = as_user("clerk")
    assert client.get(action(case, name)).status_code == 200
    response = client.post(action(case, name), {"expected_state": case.state, **data})
    assert response.status_code == 302, text(response)
    current = getattr(reload(case), field)
    assert current is not None if value == "set" else current == value


def test_reopen_needs_a_reason(world, as_user):
    case = open_test_case(world)
    services.resolve_case(case=case, actor=None, outcome="Done")
    client = as_user("clerk")
    case = reload(case)
    page = client.post(action(case, "reopen"), {"expected_state": case.state, "reason": ""})
    assert "Enter why the case is being reopened" in text(page)
    response = client.post(
        action(case, "reopen"), {"expected_state": case.state, "reason": "New facts"}
    )
    assert response.status_code == 302
    assert reload(case).state == CaseState.CHIEF_OFFICER
    assert "Case reopened at Step 1" in text(client.get(detail(case)))


def test_stale_confirmation_says_reload(world, as_user):
    case = open_test_case(world)
    client = as_user("mo")
    seen = case.state
    services.escalate_case(case=case, actor=None, reason="Someone else got there first")
    response = client.post(action(case, "escalate"), {"expected_state": seen, "reason": "Me too"})
    assert response.status_code == 409
    assert "This case changed while you were looking at it. Reload to see the latest." in text(
        response
    )
    assert CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).count() == 1


@pytest.mark.parametrize(
    ("setup", "name", "data", "message"),
    [
        ("top", "escalate", {"reason": "Again"}, "already at the last step"),
        ("acknowledged", "acknowledge", {}, "was already acknowledged"),
        ("open", "reopen", {"reason": "Why not"}, "only a closed case can be reopened"),
    ],
)
def test_refused_actions_show_the_message(world, as_user, setup, name, data, message):
    case = open_test_case(world)
    if setup == "top":
        for _ in range(3):
            case = services.escalate_case(case=reload(case), actor=None, reason="up")
    elif setup == "acknowledged":
        services.acknowledge_case(case=case, actor=None)
    case = reload(case)
    response = as_user("clerk").post(action(case, name), {"expected_state": case.state, **data})
    assert response.status_code == 409
    assert message in text(response)


def test_permission_refused_is_a_403_page(world, as_user):
    # This route does not let the raiser escalate, and a party never resolves their own case.
    case = open_test_case(
        world, case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER, raised_by="councillor"
    )
    client = as_user("councillor")
    response = client.post(action(case, "resolve"), {"expected_state": case.state, "outcome": "x"})
    assert response.status_code == 403
    assert "You cannot do that" in text(response)
    assert reload(case).state == CaseState.HEAD_OF_PAID_SERVICE


def test_party_escalating_where_forbidden_is_refused(world, as_user):
    case = open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor",
    )
    response = as_user("officer").post(
        action(case, "escalate"), {"expected_state": case.state, "reason": "Please"}
    )
    assert response.status_code == 403
    assert "does not let the person who raised a case escalate it" in text(response)


# == notes and attachments ======================================================================
PDF = b"%PDF-1.4\n%test\n"


def test_party_never_sees_internal_notes_or_their_files(world, as_user):
    case = open_test_case(world)
    clerk = as_user("clerk")
    clerk.post(
        reverse("cases:add_note", args=[case.reference]),
        {
            "body": "Internal: HR advice received",
            "visibility": "internal",
            "attachments": [SimpleUploadedFile("advice.pdf", PDF, "application/pdf")],
        },
    )
    clerk.post(
        reverse("cases:add_note", args=[case.reference]),
        {"body": "Meeting booked for Tuesday", "visibility": "shared"},
    )
    internal = Note.objects.get(visibility=NoteVisibility.INTERNAL)
    attachment = internal.attachments.get()
    url = reverse("cases:attachment", args=[case.reference, attachment.pk])

    staff_page = text(clerk.get(detail(case)))
    assert "Internal: HR advice received" in staff_page
    download = clerk.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="advice.pdf"'
    assert b"".join(download.streaming_content) == PDF

    party = as_user("councillor")
    party_page = text(party.get(detail(case)))
    assert "Meeting booked for Tuesday" in party_page
    assert "HR advice" not in party_page
    assert "advice.pdf" not in party_page
    assert party.get(url).status_code == 404


def test_party_adds_shared_notes_only(world, as_user):
    case = open_test_case(world)
    client = as_user("councillor")
    form = client.get(reverse("cases:add_note", args=[case.reference]))
    assert 'value="internal"' not in text(form)
    refused = client.post(
        reverse("cases:add_note", args=[case.reference]),
        {"body": "Sneaky", "visibility": "internal"},
    )
    assert refused.status_code == 400
    assert not Note.objects.exists()
    response = client.post(
        reverse("cases:add_note", args=[case.reference]),
        {"body": "Thanks, Tuesday works", "visibility": "shared"},
    )
    assert response.status_code == 302
    assert Note.objects.get().visibility == NoteVisibility.SHARED


def test_bad_attachment_is_refused_with_the_reason(world, as_user):
    case = open_test_case(world)
    response = as_user("clerk").post(
        reverse("cases:add_note", args=[case.reference]),
        {
            "body": "See attached",
            "visibility": "internal",
            "attachments": [
                SimpleUploadedFile("run.exe", b"MZ\x00\x00", "application/octet-stream")
            ],
        },
    )
    assert response.status_code == 400
    assert "run.exe is not an allowed file" in text(response)
    assert not Note.objects.exists()


@pytest.fixture
def informal_case(world):
    """A Maldon-like route: informal first, with the Maldon 1.2 wording check."""
    make_variant(
        world.council,
        CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
        [("informal", Role.DIRECTOR), ("monitoring_officer", Role.MONITORING_OFFICER)],
        informal_wording_check=True,
    )
    return open_test_case(
        world,
        case_type=CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor",
    )


def test_wording_warning_while_informal(world, as_user, informal_case):
    client = as_user("clerk")
    url = reverse("cases:add_note", args=[informal_case.reference])
    data = {"body": "This investigation into the accusation continues", "visibility": "shared"}
    warned = client.post(url, data)
    body = text(warned)
    assert warned.status_code == 400
    assert "govuk-warning-text" in body
    assert "“investigation” – for example, “conversation”" in body
    assert "“accusation” – for example, “concern”" in body
    assert "Save the note with this wording anyway" in body
    assert not Note.objects.exists()

    assert (
        client.post(url, {"body": "Let us have a conversation", "visibility": "shared"}).status_code
        == 302
    )
    assert client.post(url, {**data, "confirm_wording": "on"}).status_code == 302
    assert Note.objects.count() == 2


def test_no_wording_warning_once_past_the_informal_rung(world, as_user, informal_case):
    services.escalate_case(case=informal_case, actor=None, reason="Formal now")
    response = as_user("clerk").post(
        reverse("cases:add_note", args=[informal_case.reference]),
        {"body": "The investigation begins", "visibility": "internal"},
    )
    assert response.status_code == 302
    assert Note.objects.get().body == "The investigation begins"


def test_mo_serving_a_parish_chooses_the_council_first(world, as_user):
    # Halstead-like: a parish borrowing this council's Monitoring Officer.
    parish = CouncilFactory(
        slug="littleton",
        name="Littleton Parish Council",
        parish=True,
        monitoring_officer_council=world.council,
        reference_prefix="LIT",
    )
    make_variant(
        parish,
        CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
        [("head_of_paid_service", Role.HEAD_OF_PAID_SERVICE)],
    )
    client = as_user("mo")
    assert client.get(NEW)["Location"] == step("council")
    page = text(client.get(step("council")))
    assert "Littleton Parish Council" in page
    assert "Testshire District Council" in page
    response = client.post(step("council"), {"council": parish.pk})
    assert response["Location"] == step("case-type")
    page = text(client.get(step("case-type")))
    assert "Officer's complaint that a member broke the Code of Conduct" in page
    assert "Member's concern about an officer" not in page  # the parish has no such route
    assert "Change council" not in page
    # Someone else's council is not a choice.
    other = CouncilFactory(slug="elsewhere")
    assert "Select the council" in text(client.post(step("council"), {"council": other.pk}))


def test_party_is_not_told_why_the_handler_was_chosen(world, as_user):
    # The reason can name a declared personal relationship (Maldon 6.2), so only staff see it.
    case = open_test_case(world)
    Case.objects.filter(pk=case.pk).update(handler_reason="Skipped X: declared relationship")
    assert "Why: Skipped X: declared relationship" in text(as_user("clerk").get(detail(case)))
    party_page = text(as_user("councillor").get(detail(case)))
    assert "declared relationship" not in party_page


def test_a_long_timeline_shows_the_newest_events_with_a_link_to_all(world, as_user):
    from cases.audit import record_event
    from cases.views import TIMELINE_LENGTH

    case = open_test_case(world)
    for n in range(TIMELINE_LENGTH + 5):
        record_event(case=case, actor=None, action="note_added", reason=f"Entry number {n:03d}")
    clerk = as_user("clerk")
    page = text(clerk.get(detail(case)))
    assert f"Entry number {TIMELINE_LENGTH + 4:03d}" in page  # the newest
    assert "Entry number 000" not in page  # the oldest is folded away
    assert "Show all" in page
    everything = text(clerk.get(detail(case) + "?timeline=all"))
    assert "Entry number 000" in everything
    assert "Show all" not in everything
