"""The register pages as a user meets them: add forms, errors, actions, filters, API writes."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseType
from contacts.models import PersonalRelationship, Role
from registers import services
from registers.models import (
    ApproachKind,
    ApproachState,
    Briefing,
    BriefingOffer,
    ImproperApproach,
    InterestAdvice,
    OfficerHelpRequest,
    RegisterEvent,
    WardNotification,
)
from tests.factories import make_variant

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 2)


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_index_lists_every_register(client, world):
    client.force_login(world.users["mo"])
    page = client.get(reverse("registers:index")).content.decode()
    for title in (
        "Personal relationships",
        "Political group briefings",
        "Improper approaches",
        "Requests for an officer",
        "Ward notifications",
        "Interest advice",
    ):
        assert title in page


def test_declaring_a_relationship_through_the_page(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.users["member_a"])
    url = reverse("registers:relationships_add")
    empty = client.post(url, {})
    assert empty.status_code == 400
    body = empty.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_related_person"' in body  # the error summary links to the field
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "related_person": world.person("officer").pk,
                "nature": "Brother-in-law",
                "declared_on": "2026-11-02",
            },
        )
    rel = PersonalRelationship.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registers:relationships_detail", args=[rel.pk])
    assert rel.declared_to == world.person("leader_a")
    assert [m.to for m in mail.outbox] == [[world.person("leader_a").email]]
    detail = client.get(response["Location"]).content.decode()
    assert "Brother-in-law" in detail
    assert "Confidential" in detail


def test_clerk_may_not_read_relationship_flags_of_other_councils(client, world):
    services.declare_relationship(
        actor=world.users["member_a"],
        person=world.person("member_a"),
        related_person=world.person("officer"),
        nature="Sibling",
        declared_on=DAY,
    )
    url = reverse("registers:relationship_flags", args=[world.person("officer").pk])
    client.force_login(world.users["clerk"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Cllr Member_A" in page.content.decode()
    assert "Sibling" not in page.content.decode()  # the flag, never the confidence
    client.force_login(world.users["leader_b"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["other_mo"])
    assert client.get(url).status_code == 404


def test_briefing_page_records_offers_and_answers(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("registers:briefings_add"),
        {
            "group": world.groups["a"].pk,
            "officer": world.person("officer").pk,
            "topic": "Leisure centre options",
            "given_on": "2026-11-02",
            "advice": "Three options",
        },
    )
    briefing = Briefing.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("registers:briefings_detail", args=[briefing.pk])).content.decode()
    assert "Group B" in page
    assert "Group C" in page
    assert page.count("Offered") >= 2
    offer = briefing.offers.get(group=world.groups["b"])
    client.force_login(world.users["leader_b"])
    client.post(
        reverse("registers:briefing_offer_respond", args=[briefing.pk, offer.pk]),
        {"status": "accepted", "note": "Thursday please"},
    )
    offer.refresh_from_db()
    assert offer.status == "accepted"
    listing = client.get(reverse("registers:briefings_list")).content.decode()
    assert "1 accepted, 1 offered" in listing
    waiting = client.get(reverse("registers:briefings_list"), {"offers": "open"}).content.decode()
    assert "Leisure centre options" in waiting
    answered = client.get(reverse("registers:briefings_list"), {"offers": "answered"})
    assert "Leisure centre options" not in answered.content.decode()


def test_lancaster_written_request_rule_on_the_page_and_api(client, lancaster):
    briefing = services.record_briefing(
        actor=lancaster.users["officer"],
        group=lancaster.groups["a"],
        officer=lancaster.person("officer"),
        topic="Local plan",
        given_on=DAY,
        advice="Site allocations",
    )
    api = _api(lancaster.users["officer"])
    refused = api.post(f"/api/registers/briefings/{briefing.pk}/share/", {}, format="json")
    assert refused.status_code == 409
    assert "written request" in refused.json()["detail"]
    client.force_login(lancaster.users["officer"])
    page = client.get(reverse("registers:briefings_detail", args=[briefing.pk])).content.decode()
    assert "Share with the other groups" not in page
    assert "only at the written request of the group briefed" in page
    client.post(
        reverse("registers:briefing_written_request", args=[briefing.pk]),
        {"received_on": "2026-11-03", "reference": "Email from the group secretary"},
    )
    page = client.get(reverse("registers:briefings_detail", args=[briefing.pk])).content.decode()
    assert "Share with the other groups" in page
    client.post(reverse("registers:briefing_share", args=[briefing.pk]))
    briefing.refresh_from_db()
    assert briefing.information_shared_at is not None
    body = _api(lancaster.users["member_b"]).get(f"/api/registers/briefings/{briefing.pk}/").json()
    assert body["advice"] == "Site allocations"
    assert body["share_only_on_written_request"] is True


def test_offer_answers_through_the_api(world):
    briefing = services.record_briefing(
        actor=world.users["officer"],
        group=world.groups["a"],
        officer=world.person("officer"),
        topic="Budget",
        given_on=DAY,
        advice="x",
    )
    api = _api(world.users["leader_c"])
    url = f"/api/registers/briefings/{briefing.pk}/answer-offer/"
    refused = api.post(url, {"group": world.groups["b"].pk, "status": "declined"}, format="json")
    assert refused.status_code == 403
    ok = api.post(url, {"group": world.groups["c"].pk, "status": "declined"}, format="json")
    assert ok.status_code == 200
    assert BriefingOffer.objects.get(group=world.groups["c"]).status == "declined"
    again = api.post(url, {"group": world.groups["c"].pk, "status": "accepted"}, format="json")
    assert again.status_code == 409


def test_declined_group_meeting_page(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("registers:declined_add"),
        {
            "group": world.groups["b"].pk,
            "officer": world.person("officer").pk,
            "meeting_on": "2026-11-04",
            "reason": "Selection of candidates",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("registers:declined_list")).content.decode()
    assert "Selection of candidates" in page
    client.force_login(world.users["leader_a"])
    assert (
        "Selection of candidates"
        not in client.get(reverse("registers:declined_list")).content.decode()
    )


def test_approach_lifecycle_through_pages(client, world):
    make_variant(
        world.council,
        CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        [("informal", Role.MONITORING_OFFICER)],
    )
    client.force_login(world.users["member_a"])
    response = client.post(
        reverse("registers:approaches_add"),
        {
            "kind": ApproachKind.OFFICER_APPROACH,
            "about": world.person("officer").pk,
            "occurred_on": "2026-11-01",
            "description": "Lobbied me about his regrading",
        },
    )
    approach = ImproperApproach.objects.get()
    assert response.status_code == 302
    client.force_login(world.users["hops"])
    client.post(reverse("registers:approach_review", args=[approach.pk]))
    client.post(reverse("registers:approach_open_case", args=[approach.pk]))
    approach = ImproperApproach.objects.get(pk=approach.pk)
    assert approach.state == ApproachState.UNDER_REVIEW
    assert approach.case is not None
    assert approach.case.about == world.person("officer")
    empty = client.post(reverse("registers:approaches_detail", args=[approach.pk]), {"outcome": ""})
    assert "There is a problem" in empty.content.decode()
    client.post(
        reverse("registers:approaches_detail", args=[approach.pk]), {"outcome": "Words had"}
    )
    approach = ImproperApproach.objects.get(pk=approach.pk)
    assert approach.state == ApproachState.CLOSED
    assert approach.outcome == "Words had"
    actions = list(
        RegisterEvent.objects.filter(object_id=approach.pk, register="improper_approach")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["reported", "review_started", "case_opened", "closed"]
    closed = client.get(reverse("registers:approaches_list"), {"state": "closed"}).content.decode()
    assert "Cllr Member_A" in closed
    reported = client.get(reverse("registers:approaches_list"), {"state": "reported"})
    assert "Cllr Member_A" not in reported.content.decode()


def test_opening_a_case_without_a_route_is_a_clear_400(world):
    approach = services.report_improper_approach(
        actor=world.users["officer"],
        kind=ApproachKind.MEMBER_PRESSURE,
        reported_by=world.person("officer"),
        about=world.person("member_a"),
        occurred_on=DAY,
        description="Told me to work the weekend",
    )
    response = _api(world.users["hops"]).post(
        f"/api/registers/approaches/{approach.pk}/open-case/", {}, format="json"
    )
    assert response.status_code == 400
    approach = ImproperApproach.objects.get(pk=approach.pk)
    assert approach.case is None


def test_help_request_decided_through_the_page(client, world):
    client.force_login(world.users["member_a"])
    client.post(
        reverse("registers:officer_help_add"),
        {"officer": world.person("officer2").pk, "description": "Help with a ward survey"},
    )
    request = OfficerHelpRequest.objects.get()
    client.force_login(world.users["clerk"])
    url = reverse("registers:officer_help_detail", args=[request.pk])
    assert "The Clerk's decision" in client.get(url).content.decode()
    client.post(
        url,
        {
            "within_workload": "yes",
            "appropriate": "yes",
            "inform_all_members": "no",
            "decision": "approve",
            "reason": "Quiet month",
        },
    )
    request.refresh_from_db()
    assert request.decision == "approved"
    assert request.inform_all_members is False
    client.force_login(world.users["member_b"])
    assert client.get(url).status_code == 404


def test_ward_notification_page_and_consent(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("registers:ward_notifications_add"),
        {
            "kind": "location_issue",
            "wards": [world.wards["north"].pk],
            "subject": "Uneven paving, Mill Lane",
            "details": "Repair booked",
            "resident_name": "Bob Resident",
            "raised_via_councillor": world.person("member_a").pk,
            "sharing_consent": "",
        },
    )
    n = WardNotification.objects.get()
    assert response.status_code == 302
    assert not n.resident_consents_to_identity_sharing
    client.force_login(world.users["leader_a"])
    assert (
        client.get(reverse("registers:ward_notifications_detail", args=[n.pk])).status_code == 404
    )
    client.force_login(world.users["officer"])
    client.post(
        reverse("registers:ward_notifications_detail", args=[n.pk]),
        {"sharing_consent": "raising_councillor"},
    )
    client.force_login(world.users["leader_a"])
    page = client.get(reverse("registers:ward_notifications_detail", args=[n.pk]))
    assert page.status_code == 200
    assert "Bob Resident" not in page.content.decode()


def test_ward_notification_refuses_consent_without_a_raising_councillor(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("registers:ward_notifications_add"),
        {
            "kind": "consultation",
            "wards": [world.wards["south"].pk],
            "subject": "Parking consultation",
            "details": "Six weeks",
            "sharing_consent": "resident",
        },
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not WardNotification.objects.exists()


def test_interest_advice_through_page_and_api(client, world):
    created = _api(world.users["member_a"]).post(
        "/api/registers/interest-advice/", {"question": "My spouse's shares"}, format="json"
    )
    assert created.status_code == 201
    item = InterestAdvice.objects.get()
    client.force_login(world.users["mo"])
    client.post(
        reverse("registers:interest_advice_detail", args=[item.pk]), {"advice": "Declare it"}
    )
    item.refresh_from_db()
    assert item.advice == "Declare it"
    body = _api(world.users["member_a"]).get(f"/api/registers/interest-advice/{item.pk}/").json()
    assert body["advice"] == "Declare it"
    assert [h["action"] for h in body["history"]] == ["asked", "advised"]
    refused = _api(world.users["clerk"]).post(
        f"/api/registers/interest-advice/{item.pk}/advise/", {"advice": "x"}, format="json"
    )
    assert refused.status_code == 404  # the clerk cannot even see it


def test_api_creates_a_relationship_and_a_ward_notification(world):
    created = _api(world.users["officer"]).post(
        "/api/registers/relationships/",
        {
            "related_person": world.person("member_b").pk,
            "nature": "Neighbour",
            "declared_on": "2026-11-01",
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["declared_to"]["id"] == world.person("hops").pk
    future = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    bad = _api(world.users["officer"]).post(
        "/api/registers/relationships/",
        {"related_person": world.person("member_b").pk, "nature": "x", "declared_on": future},
        format="json",
    )
    assert bad.status_code == 400
    assert "declared_on" in bad.json()
    ward = _api(world.users["officer"]).post(
        "/api/registers/ward-notifications/",
        {
            "kind": "public_meeting",
            "wards": [world.wards["north"].pk],
            "subject": "Public meeting on the bypass",
            "details": "Village hall, 7pm",
        },
        format="json",
    )
    assert ward.status_code == 201
    refused = _api(world.users["member_a"]).post(
        "/api/registers/ward-notifications/",
        {
            "kind": "public_meeting",
            "wards": [world.wards["north"].pk],
            "subject": "x",
            "details": "y",
        },
        format="json",
    )
    assert refused.status_code == 403


def test_list_search_and_pagination(client, world):
    for n in range(27):
        services.ask_interest_advice(
            actor=world.users["member_a"],
            member=world.person("member_a"),
            question=f"Question {n}",
        )
    client.force_login(world.users["mo"])
    first = client.get(reverse("registers:interest_advice_list")).content.decode()
    assert "27 entries" in first
    assert "Page 2" in first
    found = client.get(reverse("registers:interest_advice_list"), {"q": "Question 13"})
    assert "1 entry" in found.content.decode()
    exported = client.get(reverse("registers:interest_advice_csv"), {"q": "Question 1"})
    lines = exported.content.decode().strip().splitlines()
    assert len(lines) == 1 + 11  # header; 1 and 10-19


def test_date_filters(client, world):
    services.ask_interest_advice(
        actor=world.users["member_a"], member=world.person("member_a"), question="Today"
    )
    client.force_login(world.users["mo"])
    today = timezone.localdate()
    url = reverse("registers:interest_advice_list")
    assert "1 entry" in client.get(url, {"from": today.isoformat()}).content.decode()
    earlier = (today - datetime.timedelta(days=1)).isoformat()
    assert "There are no entries" in client.get(url, {"to": earlier}).content.decode()


def test_the_schema_documents_the_register_endpoints(world):
    schema = _api(world.users["mo"]).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/registers/relationships/",
        "/api/registers/briefings/{id}/share/",
        "/api/registers/approaches/{id}/open-case/",
        "/api/registers/officer-help/{id}/decide/",
        "/api/registers/ward-notifications/{id}/consent/",
        "/api/registers/interest-advice/{id}/advise/",
    ):
        assert path in paths


def test_ward_list_queries_do_not_grow_with_rows(client, world):
    def add(count):
        for n in range(count):
            services.record_ward_notification(
                actor=world.users["officer"],
                council=world.council,
                kind="location_issue",
                wards=[world.wards["north"]],
                subject=f"Issue {n}",
                details="x",
                resident_name="Resident",
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("registers:ward_notifications_list"))
        return len(captured), page.content.decode().count("Withheld")

    client.force_login(world.users["leader_a"])
    add(2)
    few, withheld = queries()
    assert withheld == 2
    add(18)
    many, withheld = queries()
    assert withheld == 20
    assert many <= few  # the first request also warms caches
