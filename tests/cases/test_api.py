"""The REST API of ../shared/api-contract.md: shapes, and 200/201/400/401/403/404/409."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import services
from cases.models import CaseEvent, CaseType, EventAction
from tests.factories import PASSWORD

from .factories import build_world, open_test_case

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def new_case_body(world, **overrides):
    body = {
        "council": world.council.slug,
        "case_type": "member_concern_about_officer",
        "raised_by": world["councillor"].pk,
        "about": world["officer"].pk,
        "channel": "email",
        "received_at": "2026-03-02T10:00:00+00:00",
        "summary": "No reply to three emails",
    }
    body.update(overrides)
    return body


# -- auth ---------------------------------------------------------------------------------------
def test_token_endpoint(world):
    client = APIClient()
    user = world.user("clerk")
    ok = client.post(
        "/api/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["token"] == Token.objects.get(user=user).key
    bad = client.post(
        "/api/token/", {"username": user.username, "password": "wrong"}, format="json"
    )
    assert bad.status_code == 400


@pytest.mark.parametrize("url", ["/api/cases/", "/api/cases/1/", "/api/councils/", "/api/people/"])
def test_no_token_is_401(world, url):
    assert APIClient().get(url).status_code == 401


# -- councils and people ------------------------------------------------------------------------
def test_councils(world):
    client = client_for(world.user("councillor"))
    listing = client.get("/api/councils/").json()
    assert {"slug", "name", "tier", "nation", "monitoring_officer_council"} <= set(
        listing["results"][0]
    )
    assert "variants" not in listing["results"][0]
    detail = client.get(f"/api/councils/{world.council.slug}/").json()
    concern = next(
        v for v in detail["variants"] if v["case_type"] == "member_concern_about_officer"
    )
    assert concern["version"] == 1
    assert [s["state"] for s in concern["steps"]] == [
        "chief_officer",
        "monitoring_officer",
        "head_of_paid_service",
        "standards_committee",
    ]
    assert concern["steps"][0] == {
        "state": "chief_officer",
        "label": "Step 1",
        "handler_role": "chief_officer",
    }
    assert client.get("/api/councils/nowhere/").status_code == 404


def test_people(world):
    build_world("otherton", "OTH")
    client = client_for(world.user("clerk"))
    body = client.get(f"/api/people/?council={world.council.slug}&kind=officer").json()
    names = {p["name"] for p in body["results"]}
    assert "Chief Executive testshire" in names
    assert all(p["kind"] == "officer" and p["council"] == "testshire" for p in body["results"])
    mo = next(p for p in body["results"] if p["id"] == world["mo"].pk)
    assert mo["roles"] == ["monitoring_officer"]
    # Another council's people are not listed for this clerk.
    assert client.get("/api/people/?council=otherton").json()["results"] == []
    assert client.get("/api/people/?kind=alien").status_code == 400


# -- create -------------------------------------------------------------------------------------
def test_create_case(world):
    client = client_for(world.user("clerk"))
    response = client.post("/api/cases/", new_case_body(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {
        "id",
        "reference",
        "council",
        "case_type",
        "state",
        "stage",
        "raised_by",
        "about",
        "channel",
        "received_at",
        "deadlines",
        "history",
    }
    assert body["council"] == "testshire"
    assert body["state"] == "chief_officer"
    assert body["stage"] == {
        "state": "chief_officer",
        "label": "Step 1",
        "handler": {"id": world["director"].pk, "name": world["director"].name},
        "panel": [],
    }
    assert body["raised_by"] == world["councillor"].pk
    kinds = {d["kind"]: d for d in body["deadlines"]}
    assert set(kinds) == {"acknowledgement", "response"}
    assert set(kinds["response"]) >= {"kind", "due_at", "met_at", "breached", "paused"}
    assert kinds["response"]["breached"] is False
    assert body["history"][0].keys() >= {
        "at",
        "actor",
        "action",
        "from_state",
        "to_state",
        "reason",
    }
    assert "opened" in [h["action"] for h in body["history"]]


def test_create_is_idempotent_with_a_key(world):
    client = client_for(world.user("clerk"))
    first = client.post(
        "/api/cases/", new_case_body(world), format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    second = client.post(
        "/api/cases/", new_case_body(world), format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert first.json()["id"] == second.json()["id"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"received_at": "2026-03-02T10:00:00"}, "received_at", "time zone offset"),
        ({"received_at": "yesterday"}, "received_at", ""),
        (
            {"case_type": "officer_complaint_about_member", "raised_by": None, "about": None},
            "case_type",
            "Testshire District Council has no protocol route for officer_complaint_about_member",
        ),
        ({"case_type": "gossip"}, "case_type", ""),
        ({"channel": "pigeon"}, "channel", ""),
        ({"council": "nowhere"}, "council", ""),
        ({"about": 999999}, "about", ""),
        ({"about": 99999999999999999999999}, "about", ""),
        ({"about": "x"}, "about", ""),
        ({"summary": "x" * 20001}, "summary", ""),
        ({"summary": ""}, "summary", ""),
        ({"raised_by": "officer2"}, "raised_by", "raised by a councillor"),
    ],
)
def test_create_bad_input_is_400(world, overrides, field, message):
    if overrides.get("raised_by") is None and "raised_by" in overrides:
        overrides = {**overrides, "raised_by": world["officer"].pk, "about": world["councillor"].pk}
    if overrides.get("raised_by") == "officer2":
        overrides = {**overrides, "raised_by": world["officer2"].pk}
    client = client_for(world.user("clerk"))
    response = client.post("/api/cases/", new_case_body(world, **overrides), format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors
    assert message in " ".join(errors[field])


def test_create_in_someone_elses_name_is_403(world):
    client = client_for(world.user("councillor2"))
    response = client.post("/api/cases/", new_case_body(world), format="json")
    assert response.status_code == 403
    assert "only in your own name" in response.json()["detail"]


def test_malformed_json_is_400(world):
    client = client_for(world.user("clerk"))
    response = client.post("/api/cases/", "{not json", content_type="application/json")
    assert response.status_code == 400


# -- read ---------------------------------------------------------------------------------------
def test_list_and_filters(world):
    case = open_test_case(world)
    other = open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor2",
    )
    client = client_for(world.user("clerk"))
    body = client.get("/api/cases/").json()
    assert set(body) >= {"next", "previous", "results"}
    assert {c["id"] for c in body["results"]} == {case.pk, other.pk}
    assert [
        c["id"] for c in client.get("/api/cases/?state=monitoring_officer").json()["results"]
    ] == [other.pk]
    assert [
        c["id"]
        for c in client.get("/api/cases/?case_type=member_concern_about_officer").json()["results"]
    ] == [case.pk]
    assert client.get("/api/cases/?council=otherplace").json()["results"] == []
    assert client.get("/api/cases/?overdue=true").json()["results"] == []
    assert len(client.get("/api/cases/?overdue=false").json()["results"]) == 2
    assert client.get("/api/cases/?state=nonsense").status_code == 400


def test_list_pagination_is_cursor_based(world):
    for _ in range(3):
        open_test_case(world)
    client = client_for(world.user("clerk"))
    page = client.get("/api/cases/?page_size=2").json()
    assert len(page["results"]) == 2
    assert "cursor=" in page["next"]
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 1


def test_detail_by_id_and_reference(world):
    case = open_test_case(world)
    client = client_for(world.user("councillor"))
    assert client.get(f"/api/cases/{case.pk}/").json()["reference"] == case.reference
    assert client.get(f"/api/cases/{case.reference}/").json()["id"] == case.pk


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("councillor", 200),
        ("officer", 200),
        ("director", 200),
        ("clerk", 200),
        ("mo", 200),
        ("councillor2", 404),
        ("officer2", 404),
        # Kept informed by the first step (Maldon 4.3): reads it, read-only (issue #20).
        ("leader", 200),
    ],
)
def test_detail_visibility(world, who, status):
    case = open_test_case(world)
    client = client_for(world.user(who))
    assert client.get(f"/api/cases/{case.pk}/").status_code == status
    assert client.get(f"/api/cases/{case.pk}/transitions/").status_code == status
    if who == "leader":
        assert client.get(f"/api/cases/{case.pk}/transitions/").json() == []
        assert client.post(f"/api/cases/{case.pk}/escalate/", {}).status_code == 403
    listed = {c["id"] for c in client.get("/api/cases/").json()["results"]}
    assert (case.pk in listed) == (status == 200)


def test_invisible_and_missing_look_the_same(world):
    case = open_test_case(world)
    client = client_for(world.user("councillor2"))
    hidden = client.get(f"/api/cases/{case.pk}/")
    missing = client.get("/api/cases/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get("/api/cases/99999999999999999999999/").status_code == 404
    assert client.get("/api/cases/NOPE-2026-0001/").status_code == 404
    assert client.post(f"/api/cases/{case.pk}/escalate/", {}, format="json").status_code == 404


def test_parties_do_not_see_internal_note_events(world):
    case = open_test_case(world)
    services.add_note(
        case=case, actor=world.user("director"), body="Private", visibility="internal"
    )
    party = client_for(world.user("councillor")).get(f"/api/cases/{case.pk}/").json()
    handler = client_for(world.user("director")).get(f"/api/cases/{case.pk}/").json()
    assert "note_added" not in [h["action"] for h in party["history"]]
    assert "note_added" in [h["action"] for h in handler["history"]]
    assigned = [h for h in party["history"] if h["action"] == "assigned"]
    assert assigned
    assert all(h["reason"] == "" for h in assigned)


# -- transitions --------------------------------------------------------------------------------
def test_transitions_endpoint(world):
    case = open_test_case(world)
    body = client_for(world.user("director")).get(f"/api/cases/{case.pk}/transitions/").json()
    assert [t["name"] for t in body] == ["acknowledge", "respond", "escalate", "resolve"]
    assert body[2] == {
        "name": "escalate",
        "label": "Escalate to Step 2",
        "target": "monitoring_officer",
    }
    assert client_for(world.user("officer")).get(f"/api/cases/{case.pk}/transitions/").json() == []


@pytest.mark.parametrize(
    ("name", "body", "state"),
    [
        ("acknowledge", {}, "chief_officer"),
        ("respond", {"text": "Let us meet"}, "chief_officer"),
        ("escalate", {"reason": "Still unhappy"}, "monitoring_officer"),
        ("resolve", {"outcome": "Apology"}, "resolved"),
        ("withdraw", {"reason": "Sorted"}, "withdrawn"),
    ],
)
def test_each_transition_returns_case_json(world, name, body, state):
    case = open_test_case(world)
    response = client_for(world.user("clerk")).post(
        f"/api/cases/{case.pk}/{name}/", body, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == state
    assert response.json()["id"] == case.pk


def test_reopen(world):
    case = open_test_case(world)
    services.resolve_case(case=case, actor=None, outcome="Done")
    client = client_for(world.user("mo"))
    assert client.post(f"/api/cases/{case.pk}/reopen/", {}, format="json").status_code == 400
    response = client.post(f"/api/cases/{case.pk}/reopen/", {"reason": "New facts"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "chief_officer"
    handler = client_for(world.user("director"))
    services.resolve_case(case=case, actor=None, outcome="Done again")
    assert (
        handler.post(f"/api/cases/{case.pk}/reopen/", {"reason": "x"}, format="json").status_code
        == 403
    )


@pytest.mark.parametrize(
    ("who", "name", "body"),
    [
        ("officer", "escalate", {}),  # the subject may not escalate
        ("councillor", "acknowledge", {}),  # the raiser is not the handler
        ("councillor", "resolve", {"outcome": "x"}),
        ("director", "withdraw", {}),  # only the raiser (or a clerk) withdraws
        ("director", "reopen", {"reason": "x"}),
    ],
)
def test_refused_actions_on_a_visible_case_are_403(world, who, name, body):
    case = open_test_case(world)
    response = client_for(world.user(who)).post(
        f"/api/cases/{case.pk}/{name}/", body, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]


def test_party_escalating_where_the_variant_forbids_is_403(world):
    case = open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor",
    )
    response = client_for(world.user("officer")).post(
        f"/api/cases/{case.pk}/escalate/", {}, format="json"
    )
    assert response.status_code == 403
    assert "does not let the person who raised a case escalate it" in response.json()["detail"]


def test_not_allowed_now_is_409(world):
    case = open_test_case(world)
    client = client_for(world.user("clerk"))
    assert client.post(f"/api/cases/{case.pk}/acknowledge/", {}, format="json").status_code == 200
    again = client.post(f"/api/cases/{case.pk}/acknowledge/", {}, format="json")
    assert again.status_code == 409
    assert "already acknowledged" in again.json()["detail"]
    client.post(f"/api/cases/{case.pk}/resolve/", {"outcome": "ok"}, format="json")
    closed = client.post(f"/api/cases/{case.pk}/escalate/", {}, format="json")
    assert closed.status_code == 409
    assert "is resolved" in closed.json()["detail"]


def test_escalate_past_the_top_is_409(world):
    case = open_test_case(world, case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER)
    response = client_for(world.user("clerk")).post(
        f"/api/cases/{case.pk}/escalate/", {}, format="json"
    )
    assert response.status_code == 409
    assert "is already at the last step" in response.json()["detail"]


def test_stale_expected_state_is_409_with_reload_message(world):
    case = open_test_case(world)
    client = client_for(world.user("clerk"))
    response = client.post(
        f"/api/cases/{case.pk}/escalate/", {"expected_state": "informal"}, format="json"
    )
    assert response.status_code == 409
    assert "reload" in response.json()["detail"]
    assert not CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).exists()


def test_respond_needs_text(world):
    case = open_test_case(world)
    response = client_for(world.user("director")).post(
        f"/api/cases/{case.pk}/respond/", {}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()


# -- performance --------------------------------------------------------------------------------
def test_list_and_detail_query_counts_are_constant(world, django_assert_max_num_queries):
    client = client_for(world.user("clerk"))
    case = open_test_case(world)
    with django_assert_max_num_queries(12) as small:
        assert client.get("/api/cases/").status_code == 200
    for _ in range(6):
        c = open_test_case(world)
        services.escalate_case(case=c, actor=None, reason="")
        services.add_note(case=c, actor=None, body="x", visibility="internal")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get("/api/cases/").json()["results"]) == 7
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/cases/{case.pk}/").status_code == 200


def test_schema_documents_cases(world):
    client = client_for(world.user("clerk"))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/cases/{id}/escalate/" in schema["paths"]
    escalate = schema["paths"]["/api/cases/{id}/escalate/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(escalate)
    assert client.get("/api/docs/").status_code == 200


def test_received_at_keeps_the_offset(world):
    client = client_for(world.user("clerk"))
    body = client.post(
        "/api/cases/", new_case_body(world, received_at="2026-07-01T09:00:00+01:00"), format="json"
    ).json()
    parsed = datetime.datetime.fromisoformat(body["received_at"])
    assert parsed == datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC)


# -- assigning a handler by hand ----------------------------------------------------------------
def test_a_clerk_assigns_a_handler_and_gets_the_case_back(world):
    case = open_test_case(world)
    officer = world["officer2"]

    response = client_for(world.user("clerk")).post(
        f"/api/cases/{case.reference}/handler/",
        {"person": officer.pk, "reason": "Knows the planning file"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["stage"]["handler"] == {"id": officer.pk, "name": officer.name}
    case.refresh_from_db()
    assert (case.handler, case.handler_reason) == (officer, "Knows the planning file")
    assert case.events.filter(action=EventAction.ASSIGNED).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "Knows the file"}, "person"),
        ({"person": 99999999, "reason": "Knows the file"}, "person"),
        ({"person": "officer2"}, "reason"),
        ({"person": "councillor", "reason": "A party"}, "person"),  # the service refuses parties
    ],
)
def test_assigning_a_handler_with_bad_input_is_400(world, body, field):
    case = open_test_case(world)
    if isinstance(body.get("person"), str):
        body = {**body, "person": world[body["person"]].pk}

    response = client_for(world.user("clerk")).post(
        f"/api/cases/{case.pk}/handler/", body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    case.refresh_from_db()
    assert case.handler != world["officer2"]


def test_assigning_a_handler_is_403_for_a_party_404_out_of_sight_409_when_closed(world):
    case = open_test_case(world)
    body = {"person": world["officer2"].pk, "reason": "Knows the file"}
    url = f"/api/cases/{case.pk}/handler/"

    assert client_for(world.user("councillor")).post(url, body, format="json").status_code == 403
    assert client_for(world.user("councillor2")).post(url, body, format="json").status_code == 404
    clerk = client_for(world.user("clerk"))
    clerk.post(f"/api/cases/{case.pk}/resolve/", {"outcome": "Settled"}, format="json")
    closed = clerk.post(url, body, format="json")
    assert closed.status_code == 409
    assert "resolved" in closed.json()["detail"]
