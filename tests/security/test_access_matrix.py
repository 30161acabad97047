"""The access matrix (issue #11): every demo login × every object URL, web and API.

For each login and object the expected answer comes from an *independent* statement of the
rules (DESIGN.md "Who sees what"), not from the selectors under test:

- cases: admin sees all; a clerk their council's; an MO the councils they serve (their own and
  the parishes that borrow them); a party or a current/past handler that case; nobody else.
  Internal notes and their attachments: never to a party.
- information requests and register entries: the selectors decide the fine print (confidential
  registers); this test pins what must hold whatever they decide: the web page, the API and the
  selector agree; nobody but the admin sees another council's entries unless they serve it as
  its Monitoring Officer; a hidden entry is answered exactly as a missing one.

"Exactly as a missing one": the status *and* the body of a hidden object's 404 equal those of
an id or reference that does not exist (nonces and CSRF tokens aside), so neither sequential
API ids nor guessed references reveal whether something exists (SECURITY.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import Attachment, Case, CaseAssignment, NoteVisibility
from cases.permissions import Action, can
from contacts.models import Council, Person, PersonalRelationship
from info_requests.models import InfoRequest
from info_requests.selectors import visible_info_requests_for
from registers import selectors as register_selectors
from registers.models import (
    Briefing,
    ImproperApproach,
    InterestAdvice,
    OfficerHelpRequest,
    WardNotification,
)
from tests.cases.factories import loaded_for_module

pytestmark = pytest.mark.django_db

COUNCILS = ("maldon", "hounslow", "lancaster", "halstead", "west-lavington")
DEMO_LOGINS = (
    ["admin"]
    + [f"{slug}-{role}" for slug in COUNCILS for role in ("clerk", "councillor", "officer")]
    + ["maldon-mo", "hounslow-mo", "lancaster-mo", "braintree-mo", "wiltshire-mo"]
)
# Which councils' cases each MO login serves (contract: braintree-mo serves Halstead, ...).
MO_SERVES = {
    "maldon-mo": {"maldon"},
    "hounslow-mo": {"hounslow"},
    "lancaster-mo": {"lancaster"},
    "braintree-mo": {"braintree", "halstead"},
    "wiltshire-mo": {"wiltshire", "west-lavington"},
}
MISSING_ID = 987654321
MISSING_REF = "MAL-2099-9999"


@dataclass(frozen=True)
class Register:
    web: str  # /registers/<web>/<pk>/
    api: str  # /api/registers/<api>/<pk>/
    model: Any
    selector: Any


REGISTERS = (
    Register(
        "relationships",
        "relationships",
        PersonalRelationship,
        register_selectors.visible_relationships_for,
    ),
    Register("briefings", "briefings", Briefing, register_selectors.visible_briefings_for),
    Register(
        "approaches", "approaches", ImproperApproach, register_selectors.visible_approaches_for
    ),
    Register(
        "officer-help",
        "officer-help",
        OfficerHelpRequest,
        register_selectors.visible_help_requests_for,
    ),
    Register(
        "ward-notifications",
        "ward-notifications",
        WardNotification,
        register_selectors.visible_ward_notifications_for,
    ),
    Register(
        "interest-advice",
        "interest-advice",
        InterestAdvice,
        register_selectors.visible_interest_advice_for,
    ),
)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo (logins, sample cases, requests, registers) plus one internal and one shared
    note, each with a PDF, on Lancaster's sample case (both demo people are its parties)."""
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=True):
        with django_db_blocker.unblock():
            case = Case.objects.get(idempotency_key="demo-5")
            clerk = get_user_model().objects.get(username="lancaster-clerk")
            for visibility in NoteVisibility.values:
                case_services.add_note(
                    case=case,
                    actor=clerk,
                    body=f"A {visibility} note.",
                    visibility=visibility,
                    files=[
                        SimpleUploadedFile(
                            f"{visibility}.pdf", b"%PDF-1.4 " + visibility.encode(), "text/plain"
                        )
                    ],
                )
        yield


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _clients(user: Any) -> tuple[Client, APIClient]:
    web = Client()
    web.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    return web, api


_VOLATILE = re.compile(rb'(nonce|value)="[^"]*"')


def _normalised(body: bytes) -> bytes:
    """A page without its per-response nonce and CSRF token values."""
    return _VOLATILE.sub(rb'\1=""', body)


def _assert_hidden(response: Any, missing: Any, what: str) -> None:
    assert response.status_code == 404, (what, response.status_code)
    assert missing.status_code == 404
    assert _normalised(response.content) == _normalised(missing.content), what


# -- the independent statement of the case rules ------------------------------------------------
def _sees_case(username: str, user: Any, case: Case) -> bool:
    if username == "admin":
        return True
    slug = case.council.slug
    if username.endswith("-clerk"):
        return username == f"{slug}-clerk"
    if username in MO_SERVES and slug in MO_SERVES[username]:
        return True
    person = Person.objects.filter(user=user).first()
    if person is None:
        return False
    handled = CaseAssignment.objects.filter(case=case, person=person).exists()
    return person.pk in (case.raised_by_id, case.about_id, case.handler_id) or handled


def _is_party(user: Any, case: Case) -> bool:
    person = Person.objects.filter(user=user).first()
    return person is not None and person.pk in (case.raised_by_id, case.about_id)


def _councils_served(username: str, user: Any) -> set[str]:
    """Councils whose entries this login may ever see (their own; an MO's served councils)."""
    if username in MO_SERVES:
        return MO_SERVES[username]
    person = Person.objects.filter(user=user).select_related("council").first()
    return {person.council.slug} if person else set()


# -- cases ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_cases_web_and_api(demo_data, username):
    user = _user(username)
    web, api = _clients(user)
    cases = list(Case.objects.select_related("council").order_by("pk"))
    assert len(cases) >= 7
    missing = {
        "detail": web.get(f"/cases/{MISSING_REF}/"),
        "action": web.get(f"/cases/{MISSING_REF}/escalate/"),
        "note": web.get(f"/cases/{MISSING_REF}/notes/new/"),
        "api": api.get(f"/api/cases/{MISSING_ID}/"),
        "api_transitions": api.get(f"/api/cases/{MISSING_ID}/transitions/"),
        "api_escalate": api.post(
            f"/api/cases/{MISSING_ID}/escalate/", {"reason": "x"}, format="json"
        ),
    }
    seen = 0
    for case in cases:
        sees = _sees_case(username, user, case)
        ref, pk = case.reference, case.pk
        responses = {
            "detail": web.get(f"/cases/{ref}/"),
            "action": web.get(f"/cases/{ref}/escalate/"),
            "note": web.get(f"/cases/{ref}/notes/new/"),
            "api": api.get(f"/api/cases/{pk}/"),
            "api_transitions": api.get(f"/api/cases/{pk}/transitions/"),
        }
        if not sees:
            responses["api_escalate"] = api.post(
                f"/api/cases/{pk}/escalate/", {"reason": "x"}, format="json"
            )
            for what, response in responses.items():
                _assert_hidden(response, missing[what], f"{username} {what} {ref}")
            continue
        seen += 1
        assert responses["detail"].status_code == 200, (username, ref)
        assert responses["action"].status_code == 200, (username, ref)
        assert responses["api"].status_code == 200
        assert responses["api"].json()["reference"] == ref
        # The note page opens for everyone who sees the case (the service refuses the note
        # itself to anyone who may not write one; tests/cases/test_refusals.py).
        assert responses["note"].status_code == 200, (username, ref)
        # The transitions listed are the ones the API then allows: otherwise 403 (may not) or
        # 409 (not from this state), never 404 for a case the caller can see.
        names = {t["name"] for t in responses["api_transitions"].json()}
        escalate = api.post(f"/api/cases/{pk}/escalate/", {"reason": "Matrix."}, format="json")
        if "escalate" in names:
            assert escalate.status_code == 200, (username, ref, escalate.json())
        elif can(user, Action.ESCALATE, case):
            # Theirs to escalate, but not from here (closed, or at the top of the ladder).
            assert escalate.status_code == 409, (username, ref, escalate.status_code)
        else:
            assert escalate.status_code == 403, (username, ref, escalate.status_code)
    assert seen >= 1 or username.endswith(("-councillor", "-officer"))


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_notes_and_attachments(demo_data, username):
    user = _user(username)
    web, _ = _clients(user)
    case = Case.objects.select_related("council").get(idempotency_key="demo-5")
    sees = _sees_case(username, user, case)
    party = _is_party(user, case) and username != "admin"
    missing = web.get(f"/cases/{case.reference}/attachments/{MISSING_ID}/")
    missing_case = web.get(f"/cases/{MISSING_REF}/attachments/1/")
    page = web.get(f"/cases/{case.reference}/")
    for attachment in Attachment.objects.filter(note__case=case).select_related("note"):
        internal = attachment.note.visibility == NoteVisibility.INTERNAL
        response = web.get(f"/cases/{case.reference}/attachments/{attachment.pk}/")
        what = f"{username} {attachment.original_name}"
        if not sees:
            _assert_hidden(response, missing_case, what)
        elif internal and party:
            # The case is theirs, the internal note is not: a 404 like a missing attachment.
            _assert_hidden(response, missing, what)
            assert attachment.note.body not in page.content.decode()
        else:
            assert response.status_code == 200, what
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["X-Content-Type-Options"] == "nosniff"
            assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
            assert attachment.note.body in page.content.decode()


# -- information requests ------------------------------------------------------------------------
@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_information_requests(demo_data, username):
    user = _user(username)
    web, api = _clients(user)
    requests = list(InfoRequest.objects.select_related("council"))
    assert requests, "load_demo ships sample information requests"
    visible = set(visible_info_requests_for(user).values_list("pk", flat=True))
    served = _councils_served(username, user)
    missing_web = web.get(f"/information-requests/{MISSING_REF}/")
    missing_api = api.get(f"/api/info-requests/{MISSING_ID}/")
    for request in requests:
        if username != "admin" and request.council.slug not in served:
            assert request.pk not in visible, (username, request.reference)
        page = web.get(f"/information-requests/{request.reference}/")
        body = api.get(f"/api/info-requests/{request.pk}/")
        if request.pk in visible:
            assert page.status_code == 200
            assert body.status_code == 200
            assert body.json()["reference"] == request.reference
        else:
            _assert_hidden(page, missing_web, f"{username} {request.reference}")
            _assert_hidden(body, missing_api, f"{username} api {request.reference}")
    if username == "admin":
        assert visible == {r.pk for r in requests}


# -- registers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("username", DEMO_LOGINS)
@pytest.mark.parametrize("register", REGISTERS, ids=[r.web for r in REGISTERS])
def test_register_entries(demo_data, username, register):
    user = _user(username)
    web, api = _clients(user)
    entries = list(register.model.objects.select_related("council"))
    visible = set(register.selector(user).values_list("pk", flat=True))
    served = _councils_served(username, user)
    missing_web = web.get(f"/registers/{register.web}/{MISSING_ID}/")
    missing_api = api.get(f"/api/registers/{register.api}/{MISSING_ID}/")
    for entry in entries:
        what = f"{username} {register.web} #{entry.pk}"
        if username != "admin" and entry.council.slug not in served:
            assert entry.pk not in visible, what
        page = web.get(f"/registers/{register.web}/{entry.pk}/")
        body = api.get(f"/api/registers/{register.api}/{entry.pk}/")
        if entry.pk in visible:
            assert page.status_code == 200, what
            assert body.status_code == 200, what
        else:
            _assert_hidden(page, missing_web, what)
            _assert_hidden(body, missing_api, f"{what} api")


def test_every_register_has_sample_entries(demo_data):
    """The register matrix above is only as good as the data it walks."""
    assert Council.objects.filter(slug__in=COUNCILS).count() == len(COUNCILS)
    empty = [r.web for r in REGISTERS if not r.model.objects.exists()]
    assert len(empty) <= 2, empty


# -- the admin -----------------------------------------------------------------------------------
@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_admin(demo_data, username):
    user = _user(username)
    web, _ = _clients(user)
    case = Case.objects.first()
    for url in ("/admin/", f"/admin/cases/case/{case.pk}/change/", "/admin/auth/user/"):
        response = web.get(url)
        if username == "admin":
            assert response.status_code == 200, url
        else:
            # Not staff: sent to the admin's own sign-in, which they cannot pass.
            assert response.status_code == 302, (username, url)
            assert response["Location"].startswith("/admin/login/")


# -- oversized and malformed ids -----------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/cases/99999999999999999999999/",
        "/api/cases/99999999999999999999999/",
        "/information-requests/99999999999999999999999/",
        "/api/info-requests/99999999999999999999999/",
        "/api/registers/relationships/99999999999999999999999/",
        "/registers/relationships/99999999999999999999999/",
        "/cases/MAL-2026-0001/attachments/99999999999999999999999/",
    ],
)
def test_an_id_beyond_bigint_is_a_404_not_an_error(demo_data, url):
    web, api = _clients(_user("admin"))
    client = api if url.startswith("/api/") else web
    assert client.get(url).status_code == 404


def test_anonymous_callers_get_nothing(demo_data):
    case = Case.objects.first()
    assert Client().get(f"/cases/{case.reference}/").status_code == 302
    assert APIClient().get(f"/api/cases/{case.pk}/").status_code == 401
    request = InfoRequest.objects.first()
    assert APIClient().get(f"/api/info-requests/{request.pk}/").status_code == 401
