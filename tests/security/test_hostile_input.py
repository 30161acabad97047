"""Hostile input never gives a 500 (issue #23): NUL bytes, numbers out of range, deep JSON."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.cases.factories import build_world, open_test_case
from tests.cases.test_api import client_for

pytestmark = pytest.mark.django_db

# The 15 addresses the security review found answering 500 to a NUL byte, and their neighbours.
NUL_URLS = [
    "/cases/?q=%00",
    "/cases/?council=%00",
    "/cases/%00/",
    "/cases/TST-2026-0001%00/",
    "/registers/relationships/?q=%00",
    "/registers/relationships/export.csv?q=%00",
    "/registers/approaches/?q=%00",
    "/registers/approaches/export.csv?q=%00",
    "/registers/briefings/?q=%00",
    "/registers/officer-help/?q=%00",
    "/registers/interest-advice/export.csv?q=%00",
    "/information-requests/?state=%00",
    "/information-requests/?council=%00",
    "/councils/testshire/?kind=%00&page=%00",
    "/reports/testshire/?format=%00&table=%00",
    "/api/cases/?search=%00",
    "/api/cases/?council=%00",
    "/api/cases/?cursor=cD0A",
    "/api/cases/?cursor=%00",
    "/api/cases/%00/",
    "/api/information-requests/?council=%00",
    "/api/registers/relationships/?council=%00",
    "/api/people/?search=%00",
    "/api/people/?council=%00",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_byte_is_a_400_or_404_never_a_500(client, url):
    world = build_world()
    open_test_case(world)
    client.force_login(world.user("clerk"))
    response = client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)


@pytest.mark.parametrize("url", [u for u in NUL_URLS if u.startswith("/api/")])
def test_a_nul_byte_in_the_api_answers_json(url):
    world = build_world()
    response = client_for(world.user("clerk")).get(url)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert "detail" in response.json() or response.json()


@pytest.mark.parametrize(
    "body",
    [
        b'{"person": 1e400, "reason": "x"}',
        b'{"person": -1e400, "reason": "x"}',
        b'{"person": NaN, "reason": "x"}',
        b'{"person": Infinity, "reason": "x"}',
        b'{"person": 99999999999999999999999999, "reason": "x"}',
        b'{"person": 1.5, "reason": "x"}',
        b'{"person": true, "reason": "x"}',
    ],
)
def test_a_number_out_of_range_is_a_400(body):
    world = build_world()
    case = open_test_case(world)
    response = client_for(world.user("clerk")).post(
        f"/api/cases/{case.pk}/handler/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("depth", [200, 5000, 100_000])
def test_deeply_nested_json_is_a_400(depth):
    world = build_world()
    body = b"[" * depth + b"]" * depth
    response = client_for(world.user("clerk")).post(
        "/api/cases/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:200]
    assert "nested" in response.json()["detail"]


def test_an_anonymous_nul_byte_is_not_a_500():
    assert APIClient().get("/api/cases/?search=%00").status_code in (400, 401)


# -- the YAML import ----------------------------------------------------------------------------
BILLION_LAUGHS = b"""council: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS, "must not use YAML aliases"),
        (b"council: {slug: x}\nother: *missing\n", "must not use YAML aliases"),
        (b"council:\n" + b"  " + b"[" * 50 + b"]" * 50 + b"\n", "nests more than 20 levels"),
        (b"council: " + b"{a: " * 30 + b"1" + b"}" * 30 + b"\n", "nests more than 20 levels"),
    ],
)
def test_the_yaml_import_refuses_aliases_and_deep_documents_before_building_them(content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.variant_forms import ImportForm

    form = ImportForm(files={"file": SimpleUploadedFile("c.yaml", content, "application/yaml")})
    assert not form.is_valid()
    assert message in " ".join(form.errors["file"])


def test_the_yaml_shape_check_reads_events_only(monkeypatch):
    """An alias is refused before PyYAML builds a single object."""
    import yaml

    from contacts import config_io

    def never(*args, **kwargs):
        raise AssertionError("the document was built")

    monkeypatch.setattr(yaml, "safe_load", never)
    with pytest.raises(config_io.UnsafeYAML):
        config_io.safe_load_yaml(BILLION_LAUGHS.decode())


def test_a_shipped_council_file_still_loads():
    from contacts import config_io

    for path in config_io.council_files():
        assert config_io.load_yaml(path)["council"]["slug"]


# -- a subject line is one line -----------------------------------------------------------------
@pytest.mark.parametrize("subject", ["Your concern\nBcc: everyone@example.org", "A\rB", "A\x0bB"])
def test_an_acknowledgement_subject_with_a_line_break_is_refused(subject):
    """Issue #23: a subject with a line break was accepted, the case said "acknowledgement
    emailed", and the email could never be built. The form and the service refuse it."""
    from clocks.forms import AcknowledgementForm

    form = AcknowledgementForm({"subject": subject, "body": "Dear member"})
    assert not form.is_valid()
    assert "one line" in " ".join(form.errors["subject"])


def test_the_acknowledgement_service_refuses_a_subject_with_a_line_break():
    import datetime

    from django.core.exceptions import ValidationError

    from clocks import services as clock_services
    from clocks.models import DraftStatus
    from tests.clocks.factories import make_case, make_route

    route = make_route()
    case = make_case(route, received_at=datetime.datetime.now(datetime.UTC))
    draft = clock_services.on_case_opened(case=case)
    with pytest.raises(ValidationError) as refused:
        clock_services.send_acknowledgement(
            draft=draft, actor=route.handler.user, subject="Hi\nBcc: x@example.org", body="Hello"
        )
    assert "subject" in refused.value.message_dict
    draft.refresh_from_db()
    assert draft.status == DraftStatus.DRAFT


def test_the_ward_notification_subject_is_one_line():
    from registers.forms import WardNotificationForm

    field = WardNotificationForm.base_fields["subject"]
    with pytest.raises(Exception, match="one line"):
        field.clean("Flooding\nBcc: everyone@example.org")
    assert field.clean("Flooding on the High Street") == "Flooding on the High Street"
