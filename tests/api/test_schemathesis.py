"""Schemathesis fuzzes the live API against the schema it serves (issue #8).

A real server (pytest-django's `live_server`) on the real PostgreSQL, the demo data loaded, the
schema fetched from `/api/schema/`, and every operation called with generated input as
`maldon-clerk`: no 5xx, every status code documented, every body matching its schema. Each
operation with an `{id}` runs twice: with a real id from the demo data (so the transitions reach
the services) and with generated ids (404s).

It takes about two and a half minutes on two cores, so it runs in `make test` (and so in
`.ci/run`); `pytest -m schemathesis` runs it alone, `-m "not schemathesis"` leaves it out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 25
# Generated ids find nothing (404); a handful per operation is enough to prove that.
MAX_EXAMPLES_RANDOM_ID = 5
# The email gateway's endpoint takes raw RFC 822 bytes and only a gateway's token; the clerk's
# token gets a 403 before anything is read (tests/inbound/ covers it).
SKIP_PATHS = {"/api/inbound-email/"}


def _known_ids() -> dict[str, Any]:
    """A real, visible id per collection, so detail and transition operations get past 404."""
    from cases.models import Case
    from info_requests.models import InfoRequest
    from registers import models as r

    def first_id(model: Any, **filters: Any) -> Any:
        return model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True).first()

    return {
        "/api/cases/{id}/": first_id(Case, council__slug="maldon"),
        "/api/info-requests/{id}/": first_id(InfoRequest, council__slug="maldon"),
        "/api/registers/approaches/{id}/": first_id(r.ImproperApproach, council__slug="maldon"),
        "/api/registers/briefings/{id}/": first_id(r.Briefing, council__slug="maldon"),
        "/api/registers/officer-help/{id}/": first_id(r.OfficerHelpRequest, council__slug="maldon"),
        "/api/registers/ward-notifications/{id}/": first_id(
            r.WardNotification, council__slug="maldon"
        ),
        "/api/registers/interest-advice/{id}/": first_id(r.InterestAdvice, council__slug="maldon"),
        "/api/councils/{slug}/": "maldon",
    }


def _fixed_parameters(path: str, known: dict[str, Any]) -> dict[str, Any] | None:
    for prefix, value in known.items():
        stem = prefix.rsplit("{", 1)[0]
        name = prefix.rsplit("{", 1)[1].rstrip("}/")
        if path.startswith(stem) and "{" + name + "}" in path and value is not None:
            return {name: value}
    return None


def _valid_bodies() -> dict[tuple[str, str], dict[str, Any]]:
    """Well-formed requests from the demo data, so successful answers are checked too (generated
    bodies rarely name a real person)."""
    from contacts.models import Person

    councillor = Person.objects.get(key="cllr-tom-castleton").pk
    officer = Person.objects.get(key="daniel-frost").pk
    return {
        ("POST", "/api/token/"): {"username": "maldon-clerk", "password": "protocol-demo-2026"},
        ("POST", "/api/cases/"): {
            "council": "maldon",
            "case_type": "member_concern_about_officer",
            "raised_by": councillor,
            "about": officer,
            "channel": "email",
            "received_at": "2026-03-02T10:00:00+00:00",
            "summary": "No reply to three emails",
        },
        ("POST", "/api/info-requests/"): {
            "council": "maldon",
            "requested_by": councillor,
            "description": "Minutes of the car parks working group",
            "received_at": "2026-03-02T10:00:00+00:00",
            "own_committee_business": True,
        },
        ("POST", "/api/cases/{id}/acknowledge/"): {},
        ("POST", "/api/cases/{id}/escalate/"): {"reason": "No reply after seven days"},
        ("POST", "/api/info-requests/{id}/treat_as_foi/"): {},
    }


def _run(
    operation: Any,
    base_url: str,
    headers: dict[str, str],
    seen: Counter[tuple[str, int]],
    limit: int | None = None,
    **fixed: Any,
) -> list[str]:
    failures: list[str] = []
    if limit is None:
        limit = MAX_EXAMPLES if fixed or "{" not in operation.path else MAX_EXAMPLES_RANDOM_ID

    @settings(
        max_examples=limit,
        deadline=None,
        derandomize=True,  # the same examples every run: a CI failure reproduces locally
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(**fixed))
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        seen[(operation.label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported below
            failures.append(
                f"{operation.label} {fixed or ''}: {type(exc).__name__}: {exc}".strip()[:2000]
            )
            raise

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported below
        if not failures:  # not a check's failure: the generation or the call went wrong
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:2000])
    return failures


def test_the_live_api_matches_its_schema(live_server):
    call_command("load_demo", sample_cases=True, verbosity=0)
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.get(username="maldon-clerk")
    token, _ = Token.objects.get_or_create(user=clerk)
    headers = {"Authorization": f"Token {token.key}"}
    # The demo has no information request: one for Maldon, so its transitions get real calls.
    from contacts.models import Council, Person
    from info_requests.services import create_info_request

    create_info_request(
        council=Council.objects.get(slug="maldon"),
        requested_by=Person.objects.get(key="cllr-tom-castleton"),
        description="Minutes of the car parks working group",
        received_at=timezone.now(),
        own_committee_business=True,
        actor=clerk,
    )
    known = _known_ids()
    valid = _valid_bodies()
    seen: Counter[tuple[str, int]] = Counter()

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIP_PATHS:
            continue
        operations += 1
        fixed = _fixed_parameters(operation.path, known)
        path_parameters = {"path_parameters": fixed} if fixed else {}
        if (body := valid.get((operation.method.upper(), operation.path))) is not None:
            failures += _run(
                operation,
                live_server.url,
                headers,
                seen,
                limit=1,
                body=body,
                media_type="application/json",
                **path_parameters,
            )
        if fixed:
            failures += _run(operation, live_server.url, headers, seen, **path_parameters)
        failures += _run(operation, live_server.url, headers, seen)

    assert operations > 40, "the schema lost its operations"
    assert not failures, f"{len(failures)} schemathesis failures:\n\n" + "\n\n".join(failures)
    # The run reached the services, not only the validators: real creates and transitions.
    assert seen[("POST /api/cases/", 201)] >= 1, seen
    assert seen[("POST /api/info-requests/", 201)] >= 1, seen
    assert seen[("POST /api/token/", 200)] >= 1, seen
    assert sum(n for (label, code), n in seen.items() if code == 200 and "{id}" in label) > 20
