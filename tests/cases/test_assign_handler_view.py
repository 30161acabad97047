"""The page for changing a case's handler by hand (clerk or Monitoring Officer)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from cases import selectors, services, views
from cases.models import Case, CaseAssignment, CaseEvent, CaseType, EventAction
from contacts.models import Role, Tier
from contacts.selectors import UserGroup, administered_council_ids
from tests.cases.factories import open_test_case, relate, reload
from tests.factories import (
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    make_variant,
    user_for,
)

pytestmark = pytest.mark.django_db


def page(case: Case) -> str:
    return reverse("cases:assign_handler", args=[case.reference])


def detail(case: Case) -> str:
    return reverse("cases:detail", args=[case.reference])


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def option_ids(response) -> set[int]:
    return {int(v) for v in re.findall(r'<option value="(\d+)"', response.content.decode())}


def assigned_events(case: Case) -> int:
    return CaseEvent.objects.filter(case=case, action=EventAction.ASSIGNED).count()


@pytest.fixture
def case(world):
    # Raised by a councillor about a Planning Officer: routing gives it to the Director.
    opened = open_test_case(world)
    assert opened.handler == world["director"]
    return opened


# == the page ===================================================================================
def test_the_url_is_its_own_and_not_taken_for_an_action(case):
    assert page(case) == f"/cases/{case.reference}/handler/"
    assert resolve(page(case)).func is views.assign_handler


def test_the_page_needs_a_login(client, case):
    response = client.get(page(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_clerk_sees_who_can_handle_it_and_never_the_parties(world, as_user, case):
    relate(world, "councillor", "officer2")  # declared with the raiser (Maldon 6.2)
    gone = OfficerFactory(council=world.council, name="Anon Officer", anonymised_at=timezone.now())
    elsewhere = OfficerFactory(council=CouncilFactory(slug="elsewhere"), name="Other Officer")
    response = as_user("clerk").get(page(case))
    body = text(response)
    assert response.status_code == 200
    offered = option_ids(response)
    # Officers of the council, and the Leader: a councillor holding one of its roles.
    for key in ("ceo", "mo", "deputy_mo", "director", "service_head", "clerk", "leader"):
        assert world[key].pk in offered, key
    # Never the two parties, someone related to one, a councillor without a role, someone
    # anonymised or another council's officer.
    for person in (world["councillor"], world["officer"], world["officer2"], world["councillor2"]):
        assert person.pk not in offered, person.name
    assert gone.pk not in offered
    assert elsewhere.pk not in offered
    # By name, with the empty choice first.
    names = [p.name for p in response.context["form"].fields["person"].queryset]
    assert names == sorted(names)
    assert '<option value="" selected>Choose a person</option>' in body
    # The current handler, with why they were chosen.
    assert f'id="current-handler"> {world["director"].name}, Director of Place <br>' in body
    assert f"Why: {case.handler_reason}" in body
    assert f"{world['director'].name}, Director of Place – handling it now" in body


def test_the_form_is_labelled_and_hinted_for_assistive_technology(as_user, case):
    body = text(as_user("clerk").get(page(case)))
    assert (
        '<label class="govuk-label govuk-label--s" for="id_person">Who should handle this case?'
        "</label>"
    ) in body
    assert 'aria-describedby="id_person-hint"' in body
    assert (
        '<label class="govuk-label govuk-label--s" for="id_reason">Why this person?</label>' in body
    )
    assert 'aria-describedby="id_reason-hint"' in body
    assert "The parties to the case do not see it." in body
    assert f'class="govuk-back-link">Back to {case.reference}</a>' in body
    assert '<button type="submit" class="govuk-button"' in body


# == changing the handler =======================================================================
def test_clerk_changes_the_handler_and_the_timeline_records_why(world, as_user, case):
    client = as_user("clerk")
    before = assigned_events(case)
    response = client.post(
        page(case), {"person": world["service_head"].pk, "reason": "  The Director is on leave.  "}
    )
    assert response.status_code == 302
    assert response["Location"] == detail(case)
    current = reload(case)
    assert current.handler == world["service_head"]
    assert current.handler_reason == "The Director is on leave."
    assert assigned_events(case) == before + 1
    event = CaseEvent.objects.filter(case=case, action=EventAction.ASSIGNED).last()
    assert (event.actor, event.reason) == (world.user("clerk"), "The Director is on leave.")
    assert CaseAssignment.objects.filter(case=case, person=world["service_head"]).exists()
    shown = text(client.get(response["Location"]))
    assert "govuk-notification-banner--success" in shown
    assert f"Handler changed to {world['service_head'].name}" in shown
    assert "The Director is on leave." in shown


def test_the_monitoring_officer_changes_the_handler_too(world, as_user, case):
    response = as_user("mo").post(page(case), {"person": world["ceo"].pk, "reason": "Serious"})
    assert response.status_code == 302
    assert reload(case).handler == world["ceo"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reason": ""}, "reason", "Enter why this person should handle the case"),
        ({"reason": "   "}, "reason", "Enter why this person should handle the case"),
        ({"person": "", "reason": "On leave"}, "person", "Select who should handle the case"),
        ({"reason": "x" * 5001}, "reason", "Why this person must be 5,000 characters or fewer"),
    ],
)
def test_missing_answers_are_errors_and_change_nothing(world, as_user, case, data, field, message):
    before = assigned_events(case)
    response = as_user("clerk").post(page(case), {"person": world["service_head"].pk, **data})
    body = text(response)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "<title>Error: " in body
    assert f'<a href="#id_{field}">{message}</a>' in body  # the summary links to the field
    assert f'id="id_{field}-error"' in body
    assert reload(case).handler == world["director"]
    assert assigned_events(case) == before


@pytest.mark.parametrize("who", ["councillor", "officer", "officer2", "councillor2"])
def test_a_forged_choice_outside_the_list_is_refused(world, as_user, case, who):
    # The raiser, the subject, someone related to the raiser, a councillor without a role.
    relate(world, "councillor", "officer2")
    before = assigned_events(case)
    response = as_user("clerk").post(page(case), {"person": world[who].pk, "reason": "Because"})
    assert response.status_code == 200
    assert response.context["form"].errors["person"] == ["Select who should handle the case"]
    assert reload(case).handler == world["director"]
    assert assigned_events(case) == before


def test_the_services_refusal_of_a_person_lands_on_the_field(world, as_user, case, monkeypatch):
    # A relationship declared between the list being built and the service deciding.
    def refuse(**kwargs):
        from django.core.exceptions import ValidationError

        raise ValidationError({"person": "Service Head has declared a personal relationship."})

    monkeypatch.setattr(services, "assign_handler", refuse)
    response = as_user("clerk").post(
        page(case), {"person": world["service_head"].pk, "reason": "On leave"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["person"] == [
        "Service Head has declared a personal relationship."
    ]
    assert reload(case).handler == world["director"]


def test_choosing_the_current_handler_is_a_conflict(world, as_user, case):
    before = assigned_events(case)
    response = as_user("clerk").post(page(case), {"person": world["director"].pk, "reason": "x"})
    assert response.status_code == 409
    body = text(response)
    assert "There is a problem" in body
    assert f'<a href="#id_person">{world["director"].name} is already handling' in body
    assert assigned_events(case) == before


# == who may ====================================================================================
def test_a_councillor_who_is_a_party_is_refused_and_sees_no_link(world, as_user, case):
    client = as_user("councillor")
    assert client.get(detail(case)).status_code == 200
    assert page(case) not in text(client.get(detail(case)))
    refused = client.get(page(case))
    assert refused.status_code == 403
    assert f"As a party to {case.reference} you cannot change who handles it." in text(refused)
    posted = client.post(page(case), {"person": world["service_head"].pk, "reason": "Mine"})
    assert posted.status_code == 403
    assert reload(case).handler == world["director"]


def test_the_handler_cannot_hand_the_case_on(world, as_user, case):
    client = as_user("director")
    assert page(case) not in text(client.get(detail(case)))
    assert client.get(page(case)).status_code == 403
    response = client.post(page(case), {"person": world["service_head"].pk, "reason": "Busy"})
    assert response.status_code == 403
    assert reload(case).handler == world["director"]


def test_someone_who_cannot_see_the_case_gets_404(world, as_user, case):
    client = as_user("councillor2")
    assert client.get(page(case)).status_code == 404
    response = client.post(page(case), {"person": world["service_head"].pk, "reason": "x"})
    assert response.status_code == 404
    assert reload(case).handler == world["director"]


def test_a_closed_case_has_no_link_and_refuses_a_change(world, as_user, case):
    services.resolve_case(case=case, actor=None, outcome="Apology accepted")
    case = reload(case)
    client = as_user("clerk")
    assert page(case) not in text(client.get(detail(case)))
    shown = client.get(page(case))
    assert shown.status_code == 200
    assert "its handler cannot be changed" in text(shown)
    assert "<select" not in text(shown)
    before = assigned_events(case)
    response = client.post(page(case), {"person": world["service_head"].pk, "reason": "Late"})
    assert response.status_code == 409
    assert f"{case.reference} is resolved: its handler cannot be changed." in text(response)
    assert reload(case).handler == world["director"]
    assert assigned_events(case) == before


@pytest.mark.parametrize("who", ["clerk", "mo"])
def test_the_case_page_links_to_the_change_for_who_may(as_user, case, who):
    response = as_user(who).get(detail(case))
    assert response.context["can_assign_handler"] is True
    assert (
        f'<a class="govuk-link" href="{page(case)}">Change handler'
        f'<span class="govuk-visually-hidden"> of {case.reference}</span></a>'
    ) in text(response)


def test_can_assign_handler_follows_the_service(world, case):
    assert services.can_assign_handler(case=case, user=world.user("clerk"))
    assert services.can_assign_handler(case=case, user=world.user("mo"), admin_ids=None)
    for who in ("councillor", "officer", "director", "councillor2"):
        assert not services.can_assign_handler(case=case, user=world.user(who)), who
    closed = services.withdraw_case(case=case, actor=None, reason="")
    assert not services.can_assign_handler(case=closed, user=world.user("clerk"))


def test_can_assign_handler_asks_the_database_nothing_more(world, case, django_assert_num_queries):
    # The case page passes the admin ids it already has (issue #10 query budget).
    user = world.user("clerk")
    loaded = selectors.case_for(user, case.reference)
    admin_ids = administered_council_ids(user)
    with django_assert_num_queries(0):
        assert services.can_assign_handler(case=loaded, user=user, admin_ids=admin_ids)


# == a parish borrowing its Monitoring Officer ==================================================
def test_a_parish_case_offers_the_lending_councils_officers(world, client):
    lender = world.council
    parish = CouncilFactory(
        slug="little-testing",
        name="Little Testing Parish Council",
        tier=Tier.PARISH,
        monitoring_officer_council=lender,
        reference_prefix="LTP",
    )
    clerk = OfficerFactory(council=parish, name="Parish Clerk", job_title="Clerk")
    RoleAssignmentFactory(person=clerk, council=parish, role=Role.CLERK)
    raiser = OfficerFactory(council=parish, name="Assistant Clerk", job_title="Assistant")
    subject = CouncillorFactory(council=parish, name="Cllr Parish Subject")
    chairman = CouncillorFactory(council=parish, name="Cllr Parish Chairman")
    RoleAssignmentFactory(person=chairman, council=parish, role=Role.CHAIRMAN)
    plain = CouncillorFactory(council=parish, name="Cllr Parish Plain")
    make_variant(
        parish, CaseType.OFFICER_CONCERN_ABOUT_MEMBER, [("monitoring_officer", Role.CHAIRMAN)]
    )
    case = services.open_case(
        council=parish,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by=raiser,
        about=subject,
        channel="email",
        received_at=timezone.now(),
        summary="Shouting at the meeting.",
        actor=None,
    )
    assert case.handler == chairman
    client.force_login(user_for(clerk, UserGroup.CLERK))
    response = client.get(page(case))
    assert response.status_code == 200
    offered = option_ids(response)
    assert {clerk.pk, chairman.pk, world["mo"].pk, world["ceo"].pk} <= offered
    assert not {raiser.pk, subject.pk, plain.pk, world["leader"].pk} & offered
    body = text(response)
    assert f"{world['mo'].name}, Monitoring Officer ({lender.name})" in body
    assert f"Officers of {parish.name} and of {lender.name} (which lends its" in body

    response = client.post(page(case), {"person": world["mo"].pk, "reason": "Needs the MO"})
    assert response.status_code == 302
    assert reload(case).handler == world["mo"]
