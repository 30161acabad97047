"""The API contract's cross-cutting rules (api-contract.md, docs/api.md), on the demo data.

Each rule is checked on every endpoint it applies to: naive date-times are a 400, unknown fields
are ignored, every list is `{"next", "previous", "results"}`, filters and ordering work, no token
is a 401, an invisible object is a 404 (never a 403), a stale transition a 409 `{"detail"}`.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case
from contacts.models import Person
from info_requests.models import InfoRequest
from tests.cases.factories import loaded_for_module

pytestmark = pytest.mark.django_db

PASSWORD = "protocol-demo-2026"
LISTS = [
    "/api/councils/",
    "/api/people/",
    "/api/cases/",
    "/api/info-requests/",
    "/api/registers/relationships/",
    "/api/registers/briefings/",
    "/api/registers/approaches/",
    "/api/registers/officer-help/",
    "/api/registers/ward-notifications/",
    "/api/registers/interest-advice/",
]


@pytest.fixture(scope="module", autouse=True)
def _demo(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=True):
        yield


def login(username: str) -> APIClient:
    client = APIClient()
    user = get_user_model().objects.get(username=username)
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def person(key: str) -> Person:
    return Person.objects.get(key=key)


def case_body(**overrides):
    body = {
        "council": "maldon",
        "case_type": "member_concern_about_officer",
        "raised_by": person("cllr-tom-castleton").pk,
        "about": person("daniel-frost").pk,
        "channel": "email",
        "received_at": "2026-03-02T10:00:00+00:00",
        "summary": "No reply to three emails",
    }
    body.update(overrides)
    return body


def info_body(**overrides):
    body = {
        "council": "maldon",
        "requested_by": person("cllr-tom-castleton").pk,
        "description": "Minutes of the car parks working group",
        "received_at": "2026-03-02T10:00:00+00:00",
        "own_committee_business": True,
    }
    body.update(overrides)
    return body


# -- Date-times --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "body"),
    [("/api/cases/", case_body), ("/api/info-requests/", info_body)],
)
@pytest.mark.parametrize(
    ("received_at", "status"),
    [
        ("2026-03-02T10:00:00", 400),  # naive: which 10 o'clock?
        ("2026-03-02 10:00", 400),
        ("2026-03-02T10:00:00+01:00", 201),
        ("2026-03-02T10:00:00Z", 201),
    ],
)
def test_naive_date_times_are_400_everywhere(url, body, received_at, status):
    response = login("maldon-clerk").post(url, body(received_at=received_at), format="json")
    assert response.status_code == status, response.json()
    if status == 400:
        assert "offset" in response.json()["received_at"][0]


def test_every_writable_date_time_field_refuses_naive_values():
    """Any serializer that accepts a date-time uses the aware field (so the rule cannot be
    forgotten on a new endpoint)."""
    from rest_framework import serializers

    import cases.api.serializers as cases_s
    import info_requests.api.serializers as info_s
    import registers.api.serializers as registers_s
    from cases.api.serializers import AwareDateTimeField as CaseAware
    from info_requests.api.serializers import AwareDateTimeField as InfoAware

    checked = 0
    for module in (cases_s, info_s, registers_s):
        for value in vars(module).values():
            if not (isinstance(value, type) and issubclass(value, serializers.Serializer)):
                continue
            if issubclass(value, serializers.ModelSerializer):
                continue  # output shapes: read-only
            for name, field in value().fields.items():
                if isinstance(field, serializers.DateTimeField) and not field.read_only:
                    checked += 1
                    assert isinstance(field, CaseAware | InfoAware), f"{value.__name__}.{name}"
    assert checked >= 2


# -- Unknown fields: ignored (docs/api.md) -----------------------------------------------------
@pytest.mark.parametrize(
    ("url", "body"),
    [("/api/cases/", case_body), ("/api/info-requests/", info_body)],
)
def test_unknown_fields_are_ignored(url, body):
    payload = body(colour="purple", id=999999, state="resolved", reference="HACK-1")
    response = login("maldon-clerk").post(url, payload, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert "colour" not in data
    assert data["id"] != 999999
    assert data["reference"] != "HACK-1"
    assert data["state"] != "resolved"


def test_unknown_fields_on_a_transition_are_ignored():
    case = Case.objects.filter(
        council__slug="maldon", closed_at__isnull=True, acknowledged_at__isnull=True
    ).first()
    assert case is not None, "the demo data has an open Maldon case awaiting acknowledgement"
    response = login("maldon-clerk").post(
        f"/api/cases/{case.pk}/acknowledge/", {"state": "resolved", "x": 1}, format="json"
    )
    # The acknowledgement happens; the extra fields change nothing.
    assert response.status_code == 200, response.json()
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == case.state
    assert fresh.acknowledged_at is not None


# -- Pagination --------------------------------------------------------------------------------
@pytest.mark.parametrize("url", LISTS)
def test_every_list_has_the_pagination_shape(url):
    response = login("maldon-clerk").get(url)
    assert response.status_code == 200, response.content
    data = response.json()
    assert {"next", "previous", "results"} <= set(data)
    assert isinstance(data["results"], list)


def test_cases_are_cursor_paginated():
    client = login("admin")
    first = client.get("/api/cases/", {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert "cursor=" in first["next"]
    assert "count" not in first  # keyset: no COUNT(*)
    second = client.get(first["next"]).json()
    seen = {c["id"] for c in first["results"]}
    assert seen.isdisjoint({c["id"] for c in second["results"]})
    assert "cursor=" in second["previous"]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/cases/", {"cursor": "not-a-cursor"}, "cursor"),
        ("/api/people/", {"page": 999}, "page"),
        ("/api/cases/", {"state": "nonsense"}, "state"),
        ("/api/cases/", {"case_type": "nonsense"}, "case_type"),
        ("/api/people/", {"kind": "alien"}, "kind"),
        ("/api/info-requests/", {"state": "nonsense"}, "state"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(url, params, field):
    response = login("maldon-clerk").get(url, params)
    assert response.status_code == 400
    assert field in response.json()


# -- Filtering and ordering --------------------------------------------------------------------
def test_cases_filter_by_council_state_type_and_overdue():
    client = login("admin")
    every = client.get("/api/cases/", {"page_size": 100}).json()["results"]
    assert {c["council"] for c in every} > {"maldon"}
    for params, keep in [
        ({"council": "maldon"}, lambda c: c["council"] == "maldon"),
        ({"state": "informal"}, lambda c: c["state"] == "informal"),
        (
            {"case_type": "officer_concern_about_member"},
            lambda c: c["case_type"] == "officer_concern_about_member",
        ),
    ]:
        got = client.get("/api/cases/", {**params, "page_size": 100}).json()["results"]
        assert got, params
        assert {c["id"] for c in got} == {c["id"] for c in every if keep(c)}, params
    overdue = client.get("/api/cases/", {"overdue": "true", "page_size": 100}).json()["results"]
    assert overdue
    assert all(any(d["breached"] for d in c["deadlines"]) or c["deadlines"] for c in overdue)
    not_overdue = client.get("/api/cases/", {"overdue": "false", "page_size": 100}).json()
    ids = {c["id"] for c in overdue}
    assert ids.isdisjoint({c["id"] for c in not_overdue["results"]})


@pytest.mark.parametrize(
    ("url", "params", "key"),
    [
        ("/api/cases/", {"ordering": "received_at"}, "received_at"),
        ("/api/cases/", {"ordering": "-received_at"}, "received_at"),
        ("/api/councils/", {"ordering": "-name"}, "name"),
        ("/api/people/", {"ordering": "name"}, "name"),
        ("/api/info-requests/", {"ordering": "-received_at"}, "received_at"),
    ],
)
def test_lists_can_be_ordered(url, params, key):
    results = login("admin").get(url, {**params, "page_size": 100}).json()["results"]
    values = [r[key] for r in results]
    assert len(values) >= 2
    assert values == sorted(values, reverse=params["ordering"].startswith("-"))


def test_filters_by_council_on_people_and_info_requests():
    client = login("admin")
    people = client.get("/api/people/", {"council": "hounslow", "kind": "officer"}).json()
    assert people["results"]
    assert {(p["council"], p["kind"]) for p in people["results"]} == {("hounslow", "officer")}
    login("maldon-clerk").post("/api/info-requests/", info_body(), format="json")
    requests = client.get("/api/info-requests/", {"council": "maldon"}).json()["results"]
    assert requests
    assert {r["council"] for r in requests} == {"maldon"}
    assert client.get("/api/info-requests/", {"council": "hounslow"}).json()["results"] == []


# -- 401 and 404-not-403 -----------------------------------------------------------------------
@pytest.mark.parametrize("url", [*LISTS, "/api/councils/maldon/", "/api/cases/1/"])
def test_no_token_is_401_with_a_json_detail(url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert response.headers["WWW-Authenticate"].startswith("Token")


def test_a_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/cases/").status_code == 401


@pytest.mark.parametrize(
    "suffix",
    ["", "transitions/", "acknowledge/", "escalate/", "respond/", "resolve/", "withdraw/"],
)
def test_another_councils_case_is_404_never_403(suffix):
    case = Case.objects.filter(council__slug="hounslow").first()
    client = login("maldon-clerk")
    url = f"/api/cases/{case.pk}/{suffix}"
    response = client.post(url, {"reason": "x", "text": "x", "outcome": "x"}, format="json")
    if not suffix or suffix == "transitions/":
        response = client.get(url)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    # And by reference too: existence is not leaked either way.
    by_reference = client.get(f"/api/cases/{case.reference}/")
    assert by_reference.status_code == 404


def test_another_councils_info_request_is_404_never_403():
    created = login("maldon-clerk").post("/api/info-requests/", info_body(), format="json")
    pk = created.json()["id"]
    client = login("hounslow-clerk")
    assert client.get(f"/api/info-requests/{pk}/").status_code == 404
    response = client.post(f"/api/info-requests/{pk}/treat_as_foi/", {}, format="json")
    assert response.status_code == 404
    assert InfoRequest.objects.get(pk=pk).state == "received"


# -- 409 ---------------------------------------------------------------------------------------
def test_a_stale_escalate_is_409_with_a_detail():
    client = login("maldon-clerk")
    case = client.post("/api/cases/", case_body(), format="json").json()
    seen = case["state"]
    first = client.post(
        f"/api/cases/{case['id']}/escalate/",
        {"reason": "No reply", "expected_state": seen},
        format="json",
    )
    assert first.status_code == 200, first.json()
    assert first.json()["state"] != seen
    stale = client.post(
        f"/api/cases/{case['id']}/escalate/",
        {"reason": "No reply", "expected_state": seen},
        format="json",
    )
    assert stale.status_code == 409
    assert set(stale.json()) == {"detail"}
    assert stale["Content-Type"] == "application/json"


def test_a_transition_not_allowed_now_is_409():
    client = login("maldon-clerk")
    case = client.post("/api/cases/", case_body(), format="json").json()
    assert client.post(f"/api/cases/{case['id']}/withdraw/", {}, format="json").status_code == 200
    again = client.post(f"/api/cases/{case['id']}/withdraw/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["detail"]


# -- Size limits -------------------------------------------------------------------------------
def test_a_huge_json_body_is_413_json(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(case_body(summary="x" * 20_000))
    response = login("maldon-clerk").generic(
        "POST", "/api/cases/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert not Case.objects.filter(summary="x" * 20_000).exists()


def test_a_body_under_the_limit_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = login("maldon-clerk").post("/api/cases/", case_body(), format="json")
    assert response.status_code == 201


def test_malformed_json_is_400_json():
    response = login("maldon-clerk").generic(
        "POST", "/api/cases/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


# -- Throttling --------------------------------------------------------------------------------
@pytest.fixture
def _strict_rates(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute", "token": "2/minute"},
    }
    yield
    cache.clear()


@pytest.mark.usefixtures("_strict_rates")
def test_the_token_endpoint_has_its_own_stricter_throttle():
    client = APIClient()
    body = {"username": "maldon-clerk", "password": PASSWORD}
    assert client.post("/api/token/", body, format="json").status_code == 200
    wrong = {**body, "password": "wrong"}
    assert client.post("/api/token/", wrong, format="json").status_code == 400
    third = client.post("/api/token/", body, format="json")
    assert third.status_code == 429
    assert "detail" in third.json()
    assert int(third.headers["Retry-After"]) > 0


@pytest.mark.usefixtures("_strict_rates")
def test_authenticated_callers_are_throttled_per_user():
    client = login("maldon-clerk")
    codes = [client.get("/api/councils/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    # Another user has their own allowance.
    assert login("hounslow-clerk").get("/api/councils/").status_code == 200


@pytest.mark.usefixtures("_strict_rates")
def test_anonymous_callers_are_throttled():
    client = APIClient()
    codes = [client.get("/api/schema/").status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429


def test_a_stale_authorization_header_does_not_block_getting_a_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token revoked-long-ago")
    response = client.post(
        "/api/token/", {"username": "maldon-clerk", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_councils_give_their_monitoring_officer_council_as_a_slug():
    data = login("maldon-clerk").get("/api/councils/", {"page_size": 100}).json()["results"]
    mo = {c["slug"]: c["monitoring_officer_council"] for c in data}
    assert mo["halstead"] == "braintree"
    assert mo["west-lavington"] == "wiltshire"
    assert mo["maldon"] == "maldon"  # its own Monitoring Officer (api-contract.md: "itself")


def test_received_at_keeps_its_offset_meaning():
    client = login("maldon-clerk")
    data = client.post(
        "/api/cases/", case_body(received_at="2026-06-02T10:00:00+01:00"), format="json"
    ).json()
    assert datetime.datetime.fromisoformat(data["received_at"]) == datetime.datetime(
        2026, 6, 2, 9, 0, tzinfo=datetime.UTC
    )


@pytest.mark.parametrize("url", [u for u in LISTS if u.startswith("/api/registers/")])
def test_registers_filter_by_council(url):
    client = login("admin")
    every = client.get(url, {"page_size": 100}).json()["results"]
    maldon = client.get(url, {"council": "maldon", "page_size": 100}).json()["results"]
    assert {r["council"] for r in maldon} <= {"maldon"}
    assert {r["id"] for r in maldon} == {r["id"] for r in every if r["council"] == "maldon"}
    assert client.get(url, {"council": "nowhere"}).json()["results"] == []


@pytest.mark.parametrize("url", ["/api/registers/approaches/", "/api/registers/interest-advice/"])
def test_registers_filter_by_state(url):
    client = login("admin")
    every = client.get(url, {"page_size": 100}).json()["results"]
    states = {r["state"] for r in every}
    for state in states:
        got = client.get(url, {"state": state, "page_size": 100}).json()["results"]
        assert {r["state"] for r in got} == {state}
    bad = client.get(url, {"state": "nonsense"})
    assert bad.status_code == 400
    assert "state" in bad.json()
