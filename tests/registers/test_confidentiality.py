"""Confidentiality per role, the same everywhere: page, CSV export and API (404 for the rest)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registers import services
from registers.models import ApproachKind, SharingConsent, WardNotificationKind

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 2)
SECRET = "Zebra-7731"  # a marker only the entry carries


def make_relationship(world):
    return services.declare_relationship(
        actor=world.users["member_a"],
        person=world.person("member_a"),
        related_person=world.person("officer"),
        nature=f"Sibling {SECRET}",
        declared_on=DAY,
    )


def make_approach(world):
    return services.report_improper_approach(
        actor=world.users["member_a"],
        kind=ApproachKind.OFFICER_APPROACH,
        reported_by=world.person("member_a"),
        about=world.person("officer"),
        occurred_on=DAY,
        description=f"Pressed me {SECRET}",
    )


def make_advice(world):
    return services.ask_interest_advice(
        actor=world.users["member_a"], member=world.person("member_a"), question=f"Shares {SECRET}"
    )


def make_help(world):
    return services.request_officer_help(
        actor=world.users["member_a"],
        requested_by=world.person("member_a"),
        officer=world.person("officer2"),
        description=f"Motion {SECRET}",
    )


def make_ward(world):
    return services.record_ward_notification(
        actor=world.users["officer"],
        council=world.council,
        kind=WardNotificationKind.LOCATION_ISSUE,
        wards=[world.wards["north"]],
        subject=f"Fly-tipping {SECRET}",
        details="Cleared on Monday",
        resident_name="Ann Resident",
        raised_via_councillor=world.person("member_a"),
        sharing_consent=SharingConsent.NONE,
    )


def make_briefing(world):
    return services.record_briefing(
        actor=world.users["officer"],
        group=world.groups["a"],
        officer=world.person("officer"),
        topic=f"Budget {SECRET}",
        given_on=DAY,
        advice="Costed options",
    )


# (url key, API path, factory, users who see it, users who get a 404)
CASES = [
    (
        "relationships",
        "relationships",
        make_relationship,
        ["member_a", "leader_a", "mo", "dmo"],
        ["officer", "hops", "clerk", "leader_b", "member_b", "other_mo"],
    ),
    (
        "approaches",
        "approaches",
        make_approach,
        ["member_a", "hops", "mo", "dmo"],
        ["officer", "clerk", "leader_a", "member_b", "other_mo"],
    ),
    (
        "interest_advice",
        "interest-advice",
        make_advice,
        ["member_a", "mo", "dmo"],
        ["leader_a", "clerk", "hops", "officer", "other_mo"],
    ),
    (
        "officer_help",
        "officer-help",
        make_help,
        ["member_a", "officer2", "clerk", "hops", "mo"],
        ["member_b", "leader_a", "officer", "other_mo"],
    ),
    (
        "ward_notifications",
        "ward-notifications",
        make_ward,
        ["member_a", "officer", "officer2", "clerk", "mo"],
        ["leader_a", "member_b", "leader_c", "independent", "other_mo"],
    ),
    (
        "briefings",
        "briefings",
        make_briefing,
        ["member_a", "leader_b", "leader_c", "officer", "hops", "clerk", "mo"],
        ["independent", "officer2", "other_mo"],
    ),
]


def _check(client, world, key, api, entry, user, sees):
    who = f"{key}: {user} should {'see' if sees else 'get a 404'}"
    client.force_login(world.users[user])
    detail_url = reverse(f"registers:{key}_detail", args=[entry.pk])
    assert client.get(detail_url).status_code == (200 if sees else 404), who

    listing = client.get(reverse(f"registers:{key}_list"))
    assert listing.status_code == 200
    assert (f'href="{detail_url}"' in listing.content.decode()) is sees, who
    exported = client.get(reverse(f"registers:{key}_csv"))
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    assert (SECRET in exported.content.decode()) is sees, who

    token = Token.objects.get_or_create(user=world.users[user])[0]
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(f"/api/registers/{api}/{entry.pk}/").status_code == (
        200 if sees else 404
    ), who
    many = api_client.get(f"/api/registers/{api}/")
    assert many.status_code == 200
    assert ({r["id"] for r in many.json()["results"]} == {entry.pk}) is sees, who


@pytest.mark.parametrize(
    ("key", "api", "factory", "allowed", "refused"), CASES, ids=[c[0] for c in CASES]
)
def test_page_csv_and_api_agree(client, world, key, api, factory, allowed, refused):
    entry = factory(world)
    for user in allowed:
        _check(client, world, key, api, entry, user, True)
    for user in refused:
        _check(client, world, key, api, entry, user, False)


def test_the_api_needs_a_token(world):
    make_advice(world)
    assert APIClient().get("/api/registers/interest-advice/").status_code == 401


def test_anonymous_pages_go_to_sign_in(client, world):
    entry = make_advice(world)
    response = client.get(reverse("registers:interest_advice_detail", args=[entry.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("user", "shows_name"),
    [("member_a", True), ("officer", True), ("leader_a", True), ("member_b", True)],
)
def test_resident_withheld_without_consent_in_page_csv_and_api(client, world, user, shows_name):
    """Consent given to share with the ward, not to name the resident: ward members other
    than the one who raised it see the issue but not who raised it (Lancaster 10.3, 10.5)."""
    n = make_ward(world)
    services.record_ward_consent(
        actor=world.users["officer"], notification=n, sharing_consent=SharingConsent.RESIDENT
    )
    client.force_login(world.users[user])
    named = user in ("member_a", "officer")
    page = client.get(reverse("registers:ward_notifications_detail", args=[n.pk])).content.decode()
    csv_text = client.get(reverse("registers:ward_notifications_csv")).content.decode()
    assert ("Ann Resident" in page) is named
    assert ("Ann Resident" in csv_text) is named
    assert ("Withheld" in page) is (not named)
    api_client = APIClient()
    api_client.force_authenticate(world.users[user])
    body = api_client.get(f"/api/registers/ward-notifications/{n.pk}/").json()
    assert body["resident_name"] == ("Ann Resident" if named else None)
    assert body["resident_identity_withheld"] is (not named)
    assert shows_name  # every one of them sees the notification itself


def test_briefing_advice_is_hidden_from_offered_groups_until_shared(world):
    briefing = make_briefing(world)
    api_client = APIClient()
    api_client.force_authenticate(world.users["member_b"])
    body = api_client.get(f"/api/registers/briefings/{briefing.pk}/").json()
    assert body["advice"] is None
    assert {o["group"]: o["status"] for o in body["offers"]} == {
        "Group B": "offered",
        "Group C": "offered",
    }
