"""POST /api/inbound-email/: the gateway endpoint."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case
from inbound.models import InboundEmail
from tests.inbound.factories import email_world, gateway_token, sample

pytestmark = pytest.mark.django_db

URL = "/api/inbound-email/"


@pytest.fixture
def world():
    return email_world()


def post(client: APIClient, name: str, token: str | None = None, raw: bytes | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.post(
        URL, data=raw if raw is not None else sample(name), content_type="message/rfc822", **headers
    )


@pytest.fixture
def api():
    return APIClient()


def test_without_a_token_it_is_401(api, world):
    response = post(api, "plain.eml")
    assert response.status_code == 401
    assert InboundEmail.objects.count() == 0


def test_with_a_wrong_token_it_is_401(api, world, settings):
    settings.INBOUND_EMAIL_TOKEN = "right-token"
    assert post(api, "plain.eml", token="wrong-token").status_code == 401


def test_a_token_of_a_user_outside_the_gateway_group_is_403(api, world):
    token = Token.objects.create(user=world.user("clerk")).key
    assert post(api, "plain.eml", token=token).status_code == 403
    assert InboundEmail.objects.count() == 0


def test_the_gateway_user_opens_a_case(api, world):
    response = post(api, "plain.eml", token=gateway_token())
    assert response.status_code == 201
    case = Case.objects.get()
    assert response.json() == {
        "id": InboundEmail.objects.get().pk,
        "outcome": "case_opened",
        "status": "processed",
        "case": case.reference,
        "reason": None,
    }
    assert InboundEmail.objects.get().source == "api"


def test_the_setting_token_works_without_a_user(api, world, settings):
    settings.INBOUND_EMAIL_TOKEN = "s3cret-gateway-token"
    response = post(api, "unknown_sender.eml", token="s3cret-gateway-token")
    assert response.status_code == 201
    body = response.json()
    assert body["outcome"] == "triage"
    assert body["status"] == "new"
    assert body["reason"].startswith("Unknown sender")


def test_the_same_message_twice_is_one_case_and_a_200(api, world):
    token = gateway_token()
    assert post(api, "plain.eml", token=token).status_code == 201
    again = post(api, "plain.eml", token=token)
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("malformed_no_from.eml", "The email has no From address"),
        ("malformed_no_date.eml", "The email has no Date header"),
        ("malformed_not_an_email.eml", "The message has no email headers"),
    ],
)
def test_malformed_mail_is_a_400_with_the_reason(api, world, name, detail):
    response = post(api, name, token=gateway_token())
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert InboundEmail.objects.count() == 0


def test_an_empty_body_is_a_400(api, world):
    response = post(api, "", token=gateway_token(), raw=b"")
    assert response.status_code == 400
    assert response.json()["detail"] == "The message is empty."


def test_a_message_over_the_limit_is_413(api, world, settings):
    settings.INBOUND_EMAIL_MAX_BYTES = 100
    response = post(api, "plain.eml", token=gateway_token())
    assert response.status_code == 413
    assert InboundEmail.objects.count() == 0


def test_an_attachment_arrives_through_the_endpoint(api, world):
    response = post(api, "with_attachment.eml", token=gateway_token())
    assert response.status_code == 201
    email = InboundEmail.objects.get()
    assert email.note.attachments.get().original_name == "minutes.pdf"
