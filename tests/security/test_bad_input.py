"""Bad input never reaches the database as a crash (issue #11): hypothesis throws oversize
fields, impossible dates, other councils' people, wrong types, malformed JSON and huge bodies
at the case-opening API and at three forms. The answer is always a clear 4xx (400 with the
field named, or 413), never a 500.

The whole API is also fuzzed against its own schema by schemathesis (tests/api/
test_schemathesis.py); these tests aim at the inputs a schema does not describe.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from cases.models import Case
from tests.cases.factories import build_world
from tests.info_requests.factories import InformationPolicyFactory

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),  # NaN: see the malformed bodies
    st.text(max_size=50),
    st.text(min_size=20_001, max_size=20_050),  # just over the summary's limit
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(
        [
            "",
            " ",
            "2026-02-30T10:00:00+00:00",  # no such day
            "2026-03-01T10:00:00",  # naive
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00+00:00",
            "not a date",
            "99999999999999999999",
            "maldon",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\u202e\u0000",
        ]
    ),
)


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def valid(world) -> dict[str, Any]:
    other = build_world("otherton", "OTH")
    return {
        "council": world.council.slug,
        "case_type": "member_concern_about_officer",
        "raised_by": world["councillor"].pk,
        "about": world["officer"].pk,
        "channel": "email",
        "received_at": "2026-03-02T10:00:00+00:00",
        "summary": "The officer did not reply.",
        "_other_councillor": other["councillor"].pk,
    }


def _api(world) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient(raise_request_exception=False)
    token, _ = Token.objects.get_or_create(user=world.user("clerk"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _assert_clear_refusal(response: Any) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 400:
        body = response.json()
        assert isinstance(body, dict), body
        assert body
        for messages in body.values():
            assert messages  # every refused field says why


@given(
    field=st.sampled_from(
        ["council", "case_type", "raised_by", "about", "channel", "received_at", "summary"]
    ),
    value=JUNK,
)
@FUZZ
def test_one_bad_field_in_a_new_case_is_a_400_naming_it(world, valid, field, value):
    payload = {k: v for k, v in valid.items() if not k.startswith("_")}
    payload[field] = value
    before = Case.objects.count()

    response = _api(world).post("/api/cases/", payload, format="json")

    _assert_clear_refusal(response)
    if response.status_code == 400:
        assert Case.objects.count() == before
        body = response.json()
        assert field in body or "detail" in body or "non_field_errors" in body, body


@given(data=st.dictionaries(st.text(max_size=12), JUNK, max_size=8))
@FUZZ
def test_a_random_object_is_never_a_server_error(world, data):
    _assert_clear_refusal(_api(world).post("/api/cases/", data, format="json"))


@given(body=st.binary(max_size=300))
@FUZZ
def test_malformed_json_is_a_400(world, body):
    response = _api(world).post("/api/cases/", body, content_type="application/json")
    _assert_clear_refusal(response)


@pytest.mark.parametrize(
    "body",
    ['{"council": ', "[1, 2", "\xff\xfe", "null", "[]", '"text"', "1e999999", "NaN", "{" * 5000],
    ids=[
        "truncated",
        "open-list",
        "bad-encoding",
        "null",
        "list",
        "string",
        "huge-number",
        "nan",
        "deep-nesting",
    ],
)
def test_specific_malformed_bodies(world, body):
    response = _api(world).post("/api/cases/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]


def test_the_other_councils_people_are_refused(world, valid):
    payload = {k: v for k, v in valid.items() if not k.startswith("_")}
    payload["raised_by"] = valid["_other_councillor"]
    response = _api(world).post("/api/cases/", payload, format="json")
    assert response.status_code == 400
    assert "raised_by" in response.json() or "detail" in response.json()


def test_a_huge_payload_is_a_413(world, valid, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    payload = {k: v for k, v in valid.items() if not k.startswith("_")}
    payload["summary"] = "x" * 200_000
    response = _api(world).post("/api/cases/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 413
    assert "detail" in response.json()


def test_a_huge_form_is_refused(world, settings):
    from django.test import Client

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    case = _open(world)
    client = Client(raise_request_exception=False)
    client.force_login(world.user("clerk"))
    response = client.post(
        f"/cases/{case.reference}/notes/new/", {"body": "x" * 200_000, "visibility": "internal"}
    )
    assert response.status_code == 400


# -- forms ---------------------------------------------------------------------------------------
def _open(world) -> Case:
    from tests.cases.factories import open_test_case

    return open_test_case(world)


FORM_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(min_size=10_001, max_size=10_010),
    st.sampled_from(["", "0", "-1", "99999999999999999999999", "1e9", "31", "13", "<b>", "\x00"]),
)


# Mostly numbers (so the date is actually built), some of them far too big for a C long.
DATE_PART = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=40).map(str),
    FORM_TEXT,
)
TIME = st.one_of(
    st.tuples(st.integers(-(10**25), 10**25), st.integers(-100, 100)).map(
        lambda t: f"{t[0]}:{t[1]}"
    ),
    FORM_TEXT,
)


def _wizard_at_received(world):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(world.user("clerk"))
    session = client.session
    session["case_wizard"] = {
        "case_type": "member_concern_about_officer",
        "raised_by": world["councillor"].pk,
        "about": world["officer"].pk,
    }
    session.save()
    return client


def _has_nul(*values: str) -> bool:
    """A NUL byte anywhere in the request is refused whole, before any view (issue #23)."""
    return any("\x00" in (v or "") for v in values)


@given(day=DATE_PART, month=DATE_PART, year=DATE_PART, time=TIME)
@FUZZ
def test_the_date_received_question_never_errors(world, day, month, year, time):
    """The case wizard's GOV.UK date input: impossible dates are a message, not a crash."""
    response = _wizard_at_received(world).post(
        "/cases/new/received/",
        {"day": day, "month": month, "year": year, "time": time, "channel": "email"},
    )
    # Either the answer is taken and the wizard moves on to the summary, or the question is
    # asked again with the problem named, or a NUL byte is refused whole: nothing else.
    if _has_nul(day, month, year, time):
        assert response.status_code == 400
    elif response.status_code == 302:
        assert response["Location"] == "/cases/new/summary/"
    else:
        assert response.status_code == 200, response.status_code
        assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize(
    ("day", "month", "year", "time", "message"),
    [
        ("1", "1", "9" * 25, "10:00", "The date received must be a real date"),
        ("1", "9" * 25, "2026", "10:00", "The date received must be a real date"),
        ("30", "2", "2026", "10:00", "The date received must be a real date"),
        ("1", "1", "2026", "9" * 25 + ":00", "Enter the time received as hours and minutes"),
        ("1", "1", "2099", "10:00", "The date received must be today or in the past"),
    ],
    ids=["huge-year", "huge-month", "30-feb", "huge-hour", "future"],
)
def test_impossible_dates_received_are_explained(world, day, month, year, time, message):
    response = _wizard_at_received(world).post(
        "/cases/new/received/",
        {"day": day, "month": month, "year": year, "time": time, "channel": "email"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize("month", ["9" * 25, "13", "0"])
def test_an_impossible_report_date_is_explained(world, month):
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(world.user("clerk"))
    response = client.get(
        f"/reports/{world.council.slug}/",
        {"from_day": "1", "from_month": month, "from_year": "2026"},
    )
    assert response.status_code == 200
    assert "The start date must be a real date" in response.content.decode()


@given(body=FORM_TEXT, visibility=FORM_TEXT)
@FUZZ
def test_the_note_form_never_errors(world, body, visibility):
    from django.test import Client

    from cases.models import Note

    case = Case.objects.first() or _open(world)
    notes = Note.objects.filter(case=case).count()
    client = Client(raise_request_exception=False)
    client.force_login(world.user("clerk"))
    response = client.post(
        f"/cases/{case.reference}/notes/new/", {"body": body, "visibility": visibility}
    )
    # Either the note is saved and the case page shown, or the form comes back (400) with the
    # problem named and nothing saved, or a NUL byte is refused whole (400) and nothing saved.
    if _has_nul(body, visibility):
        assert response.status_code == 400
        assert Note.objects.filter(case=case).count() == notes
    elif response.status_code == 302:
        assert response["Location"] == f"/cases/{case.reference}/#notes"
        assert Note.objects.filter(case=case).count() == notes + 1
    else:
        assert response.status_code == 400, response.status_code
        assert "There is a problem" in response.content.decode()
        assert Note.objects.filter(case=case).count() == notes


@given(description=FORM_TEXT, received_on=FORM_TEXT, requested_by=FORM_TEXT, own=FORM_TEXT)
@FUZZ
def test_the_information_request_form_never_errors(
    world, description, received_on, requested_by, own
):
    from django.test import Client

    from info_requests.models import InfoRequest

    InformationPolicyFactory(council=world.council)
    logged = InfoRequest.objects.count()
    client = Client(raise_request_exception=False)
    client.force_login(world.user("clerk"))
    response = client.post(
        f"/information-requests/new/?council={world.council.slug}",
        {
            "council_slug": world.council.slug,
            "description": description,
            "received_on": received_on,
            "requested_by": requested_by,
            "own_committee_business": own,
        },
    )
    # Either the request is logged and its page shown, or the form comes back with the problem
    # named and nothing logged, or a NUL byte is refused whole (400) and nothing logged.
    if _has_nul(description, received_on, requested_by, own):
        assert response.status_code == 400
        assert InfoRequest.objects.count() == logged
    elif response.status_code == 302:
        created = InfoRequest.objects.order_by("-pk").first()
        assert InfoRequest.objects.count() == logged + 1
        assert response["Location"] == f"/information-requests/{created.reference}/"
    else:
        assert response.status_code == 200, response.status_code
        assert "There is a problem" in response.content.decode()
        assert InfoRequest.objects.count() == logged
