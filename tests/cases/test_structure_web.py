"""Issue #20 in the API and on the pages: services on people and councils, the service
question of the journey, re-routing by the rules, the variant editor's subject rule."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from cases import services
from cases import variant_services as vs
from cases.models import CaseEvent, CaseType, EventAction, VariantStatus
from contacts.models import Role
from tests.factories import CouncillorFactory, UserFactory

from .factories import open_test_case
from .test_api import client_for, new_case_body

pytestmark = pytest.mark.django_db


def text(response) -> str:
    body = re.sub(r"<[^>]+>", "", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


# -- API -----------------------------------------------------------------------------------------
def test_people_carry_their_service(world):
    client = client_for(world.user("clerk"))
    rows = client.get("/api/people/", {"council": world.council.slug}).json()["results"]
    by_id = {row["id"]: row for row in rows}
    assert by_id[world["officer"].pk]["service"] == {"slug": "place", "name": "Place"}
    assert by_id[world["service_head"].pk]["service"] == {
        "slug": "regulatory-services",
        "name": "Regulatory Services",
    }
    assert by_id[world["councillor"].pk]["service"] is None


def test_a_council_lists_its_services_with_their_heads(world):
    body = client_for(world.user("clerk")).get(f"/api/councils/{world.council.slug}/").json()
    services_ = {s["slug"]: s for s in body["services"]}
    assert services_["place"]["heads"] == [
        {"id": world["director"].pk, "name": world["director"].name, "role": "director"}
    ]
    assert services_["chief-executives-office"]["heads"] == []


def test_a_case_opened_with_a_service_goes_to_its_head(world):
    """The API's `service` is the service the matter belongs to: its head handles the rung."""
    client = client_for(world.user("clerk"))
    body = new_case_body(world, service="regulatory-services")
    response = client.post("/api/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["service"] == {"slug": "regulatory-services", "name": "Regulatory Services"}
    assert case["stage"]["handler"] == {
        "id": world["service_head"].pk,
        "name": world["service_head"].name,
    }


def test_an_unknown_service_is_a_400_naming_it(world):
    client = client_for(world.user("clerk"))
    response = client.post("/api/cases/", new_case_body(world, service="atlantis"), format="json")
    assert response.status_code == 400
    assert "has no service 'atlantis'" in response.json()["service"][0]


# -- the journey asks the service of a case about a member ---------------------------------------
def _officer_concern_variant(world):
    from tests.factories import make_variant

    variant = world.variants[CaseType.OFFICER_CONCERN_ABOUT_MEMBER]
    variant.status = VariantStatus.RETIRED
    variant.save()
    return make_variant(
        world.council,
        CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        [("chief_officer", Role.DIRECTOR)],
        version=2,
        title="Their Director",
    )


def _answer(client, step, data):
    return client.post(reverse("cases:new_step", args=[step]), data)


def test_the_web_journey_asks_which_service_a_case_about_a_member_concerns(client, world):
    _officer_concern_variant(world)
    client.force_login(world.user("clerk"))
    client.get(reverse("cases:new"))
    _answer(client, "case-type", {"case_type": CaseType.OFFICER_CONCERN_ABOUT_MEMBER})
    _answer(client, "raised-by", {"raised_by": world["officer"].pk})
    response = _answer(client, "about", {"about": world["councillor"].pk})
    assert response.url == reverse("cases:new_step", args=["service"])
    page = text(client.get(response.url))
    assert "Which service does it concern?" in page
    assert "I do not know: the clerk will decide" in page
    response = _answer(client, "service", {"service": ""})
    assert "Select the service, or that you do not know" in text(response)
    response = _answer(client, "service", {"service": "place"})
    assert response.status_code == 302
    _answer(
        client,
        "received",
        {"channel": "email", "day": "2", "month": "3", "year": "2026", "time": "10:00"},
    )
    _answer(client, "summary", {"summary": "A member shouted at me"})
    check = client.get(reverse("cases:new_check"))
    assert "Service Place" in text(check)


def test_not_knowing_the_service_sends_the_case_to_the_clerk(world):
    """Never a silent guess: with no service, nobody handles the Director's rung."""
    _officer_concern_variant(world)
    world["officer"].service_memberships.all().delete()
    case = open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor",
    )
    assert case.service is None
    assert case.handler is None
    assert "no service is known for it" in case.handler_reason


# -- re-routing ----------------------------------------------------------------------------------
def test_the_clerk_reroutes_by_the_rules_from_the_case_page(client, world):
    case = open_test_case(world)
    assert case.handler == world["director"]
    client.force_login(world.user("clerk"))
    detail = text(client.get(reverse("cases:detail", args=[case.reference])))
    assert "Route again by the rules" in detail
    response = client.post(
        reverse("cases:reroute", args=[case.reference]),
        {"service": "regulatory-services", "reason": "It is about licensing"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.handler == world["service_head"]
    assert case.service == world.services["regulatory"]
    event = CaseEvent.objects.filter(case=case, action=EventAction.ASSIGNED).latest("pk")
    assert event.actor == world.user("clerk")


def test_a_party_sees_no_reroute_link_and_is_refused(client, world):
    case = open_test_case(world)
    client.force_login(world.user("councillor"))
    assert "Route again by the rules" not in text(
        client.get(reverse("cases:detail", args=[case.reference]))
    )
    response = client.post(reverse("cases:reroute", args=[case.reference]), {"reason": "Mine"})
    assert response.status_code in (403, 404)
    case.refresh_from_db()
    assert case.handler == world["director"]


def test_rerouting_when_the_rules_choose_the_same_person_says_so(world):
    case = open_test_case(world)
    from protocol_site.errors import ActionNotAllowed

    with pytest.raises(ActionNotAllowed, match="The rules choose the current handler again"):
        services.reroute_case(case=case, actor=world.user("clerk"), reason="Check")


# -- variant editor: a step's subject rule -------------------------------------------------------
def test_the_variant_editor_sets_a_subject_rule_and_the_preview_applies_it(client, world):
    """Hounslow 11.2: "Where the complaint relates to the Chief Executive, it should be raised
    with the Monitoring Officer"."""
    admin = UserFactory(username="rules-admin", is_superuser=True, is_staff=True)
    published = world.variants[CaseType.MEMBER_CONCERN_ABOUT_OFFICER]
    draft = vs.start_draft(
        council=world.council, case_type=published.case_type, actor=admin, source=published
    )
    step = draft.steps.get(position=1)
    client.force_login(admin)
    url = reverse("variants:edit_step", args=[world.council.slug, draft.pk, step.pk])
    data = {
        "state": step.state,
        "label": step.label,
        "handler_role": step.handler_role,
        "inform_roles": step.inform_roles,
        "protocol_reference": "11.2",
        "guidance": "",
        "subject_role": Role.HEAD_OF_PAID_SERVICE,
        "subject_handler_role": "",
    }
    response = client.post(url, data)
    assert "Select who handles the step for that subject" in text(response)
    data["subject_handler_role"] = Role.MONITORING_OFFICER
    data["subject_reference"] = "Hounslow 11.2"
    response = client.post(url, data)
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.subject_rules == [
        {
            "subject_role": "head_of_paid_service",
            "handler_role": "monitoring_officer",
            "protocol_reference": "Hounslow 11.2",
        }
    ]
    page = text(client.get(reverse("variants:variant", args=[world.council.slug, draft.pk])))
    assert "When about the Head of Paid Service / Chief Executive: Monitoring Officer" in page
    preview = text(
        client.get(
            reverse("variants:preview", args=[world.council.slug, draft.pk]),
            {"raised_by": world["councillor"].pk, "about": world["ceo"].pk},
        )
    )
    assert "so this step goes to the Monitoring Officer (Hounslow 11.2)" in preview


# -- council and person pages --------------------------------------------------------------------
def test_the_council_page_shows_its_services_and_the_person_page_their_line(client, world):
    client.force_login(world.user("clerk"))
    page = text(client.get(reverse("contacts:council_detail", args=[world.council.slug])))
    assert "Services" in page
    assert f"PlaceDirectorate {world['director'].name} (Director)" in page
    person = text(
        client.get(
            reverse("contacts:person_detail", args=[world.council.slug, world["director"].pk])
        )
    )
    assert "Service Place" in person
    assert "Director of Place" in person


def test_a_person_of_another_council_is_a_404(client, world):
    other = CouncillorFactory()
    client.force_login(world.user("clerk"))
    response = client.get(reverse("contacts:person_detail", args=[world.council.slug, other.pk]))
    assert response.status_code == 404
