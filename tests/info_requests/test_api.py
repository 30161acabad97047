"""The /api/info-requests/ endpoints: shapes and status codes of the contract."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from info_requests import services
from info_requests.models import InfoRequest

from .factories import make_cast, make_request

pytestmark = pytest.mark.django_db

SHAPE = {"id", "reference", "council", "state", "route", "deadlines", "history"}


@pytest.fixture
def lan():
    return make_cast("lancaster")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _create(client, lan, **overrides):
    body = {
        "council": lan.council.slug,
        "requested_by": lan.member.pk,
        "description": "Minutes of the car parks working group",
        "received_at": "2026-03-02T10:00:00+00:00",
    }
    body.update(overrides)
    return client.post("/api/info-requests/", body, format="json")


def test_create_returns_the_contract_shape(lan):
    response = _create(api(lan.member.user), lan)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) >= SHAPE
    assert data["council"] == "lancaster"
    assert data["state"] == "received"
    assert data["route"] is None
    assert data["deadlines"] == []
    assert data["history"][0]["action"] == "created"
    assert set(data["history"][0]) == {"at", "actor", "action", "from_state", "to_state", "reason"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_at": "2026-03-02T10:00:00"}, "received_at"),
        ({"council": "nowhere"}, "council"),
        ({"description": ""}, "description"),
    ],
)
def test_create_bad_input_is_400(lan, overrides, field):
    response = _create(api(lan.member.user), lan, **overrides)
    assert response.status_code == 400
    assert field in response.json()


def test_create_for_an_officer_is_400_and_for_another_council_403(lan):
    response = _create(api(lan.member.user), lan, requested_by=lan.officer.pk)
    assert response.status_code == 400
    assert "requested_by" in response.json()
    response = _create(api(lan.other_member.user), lan)
    assert response.status_code == 403


def test_maldon_api_requires_reasons_when_outside_own_committees():
    mal = make_cast("maldon")
    response = _create(api(mal.member.user), mal, own_committee_business=False)
    assert response.status_code == 400
    assert "reasons" in response.json()


def test_unauthenticated_is_401(lan):
    assert APIClient().get("/api/info-requests/").status_code == 401


def test_list_and_detail_only_what_the_caller_may_see(lan):
    r = make_request(lan)
    listed = api(lan.member.user).get("/api/info-requests/").json()
    assert {"next", "previous", "results"} <= set(listed)
    assert [x["reference"] for x in listed["results"]] == [r.reference]
    assert api(lan.other_member.user).get("/api/info-requests/").json()["results"] == []
    assert api(lan.other_member.user).get(f"/api/info-requests/{r.pk}/").status_code == 404
    assert api(lan.mo.user).get(f"/api/info-requests/{r.pk}/").status_code == 200
    assert api(lan.mo.user).get(f"/api/info-requests/{r.reference}/").status_code == 200
    assert api(lan.mo.user).get("/api/info-requests/?state=nonsense").status_code == 400


def test_transitions_list_what_the_caller_may_do_now(lan):
    r = make_request(lan)
    names = {
        t["name"]
        for t in api(lan.decider.user).get(f"/api/info-requests/{r.pk}/transitions/").json()
    }
    assert names == {"provide_as_public", "consider_member_rights"}
    member = api(lan.member.user).get(f"/api/info-requests/{r.pk}/transitions/").json()
    assert [t["name"] for t in member] == ["withdraw"]
    mo = {t["name"] for t in api(lan.mo.user).get(f"/api/info-requests/{r.pk}/transitions/").json()}
    assert "treat_as_foi" in mo
    transition = api(lan.mo.user).get(f"/api/info-requests/{r.pk}/transitions/").json()[0]
    assert set(transition) == {"name", "label", "target"}
    assert api(lan.officer.user).get(f"/api/info-requests/{r.pk}/transitions/").status_code == 404


def test_treat_as_foi_then_review_through_the_api(lan):
    r = make_request(lan)
    mo = api(lan.mo.user)
    response = mo.post(f"/api/info-requests/{r.pk}/treat_as_foi/", {}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["state"], data["route"]) == ("foi", "foi")
    [deadline] = data["deadlines"]
    assert deadline["kind"] == "foi_response"
    assert deadline["due_at"].startswith("2026-03-31T23:59:59")
    assert {"kind", "due_at", "met_at", "breached", "paused"} <= set(deadline)
    assert mo.post(f"/api/info-requests/{r.pk}/treat_as_foi/", {}, format="json").status_code == 409
    # A review before a decision: 409; by someone other than the member: 403.
    member = api(lan.member.user)
    early = member.post(
        f"/api/info-requests/{r.pk}/request_internal_review/", {"reason": "x"}, format="json"
    )
    assert early.status_code == 409
    decided = api(lan.decider.user).post(
        f"/api/info-requests/{r.pk}/decide_foi/",
        {"outcome": "refused", "exemptions": ["s41"]},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    assert (
        member.post(
            f"/api/info-requests/{r.pk}/request_internal_review/", {}, format="json"
        ).status_code
        == 400
    )
    assert (
        mo.post(
            f"/api/info-requests/{r.pk}/request_internal_review/", {"reason": "x"}, format="json"
        ).status_code
        == 403
    )
    review = member.post(
        f"/api/info-requests/{r.pk}/request_internal_review/",
        {"reason": "The confidence has lapsed."},
        format="json",
    )
    assert review.status_code == 200
    kinds = {d["kind"]: d for d in review.json()["deadlines"]}
    assert kinds["foi_response"]["met_at"] is not None
    assert kinds["internal_review"]["met_at"] is None
    assert review.json()["state"] == "internal_review"


def test_transition_on_an_invisible_request_is_404(lan):
    r = make_request(lan)
    response = api(lan.officer.user).post(
        f"/api/info-requests/{r.pk}/treat_as_foi/", {}, format="json"
    )
    assert response.status_code == 404
    assert InfoRequest.objects.get().state == "received"


def test_non_mo_deciding_need_to_know_is_403(lan):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    response = api(lan.decider.user).post(
        f"/api/info-requests/{r.pk}/provide_on_need_to_know/", {}, format="json"
    )
    assert response.status_code == 403
    response = api(lan.mo.user).post(
        f"/api/info-requests/{r.pk}/refuse_access/", {"reason": "whim"}, format="json"
    )
    assert response.status_code == 400
    response = api(lan.mo.user).post(
        f"/api/info-requests/{r.pk}/provide_on_need_to_know/", {"note": "Ward"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["route"] == "need_to_know"
    assert "not be made public" in response.json()["caveat"]


def test_schema_documents_the_endpoints(lan):
    schema = api(lan.mo.user).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/info-requests/{id}/treat_as_foi/" in text
    assert "/api/info-requests/{id}/request_internal_review/" in text
