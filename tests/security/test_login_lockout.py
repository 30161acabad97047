"""Login throttling (django-axes): five wrong passwords lock the username from that address out
for 15 minutes with a clear page, even when the sixth attempt has the right password."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-2026"


@pytest.fixture
def axes_on():
    from axes.models import AccessAttempt

    with override_settings(AXES_ENABLED=True):
        yield
    AccessAttempt.objects.all().delete()


@pytest.fixture
def officer():
    user = get_user_model().objects.create_user("lockout-officer", password=PASSWORD)
    return user


def _sign_in(client: Client, password: str, *, address: str = "198.51.100.7"):
    return client.post(
        "/sign-in/",
        {"username": "lockout-officer", "password": password},
        REMOTE_ADDR=address,
    )


def test_five_bad_attempts_then_the_locked_out_page(axes_on, officer):
    client = Client()
    for _ in range(4):
        response = _sign_in(client, "wrong")
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()

    fifth = _sign_in(client, "wrong")
    assert fifth.status_code == 429
    # The right password does not help while locked out.
    sixth = _sign_in(client, PASSWORD)
    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert "You cannot sign in at the moment" in page
    assert "5 unsuccessful attempts" in page
    assert "Wait 15 minutes" in page
    assert "govuk-warning-text" in page
    assert "_auth_user_id" not in client.session


def test_another_address_is_not_locked_out(axes_on, officer):
    """The lock is on username + address: a stranger cannot lock an officer out everywhere."""
    for _ in range(5):
        _sign_in(Client(), "wrong", address="198.51.100.7")

    response = _sign_in(Client(), PASSWORD, address="203.0.113.9")
    assert response.status_code == 302


def test_a_success_resets_the_count(axes_on, officer):
    client = Client()
    for _ in range(4):
        _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _sign_in(client, "wrong").status_code == 200


def test_the_api_token_endpoint_is_throttled_too(axes_on, officer):
    api = APIClient()
    for _ in range(5):
        api.post(
            "/api/token/",
            {"username": "lockout-officer", "password": "wrong"},
            format="json",
            REMOTE_ADDR="198.51.100.8",
        )
    response = api.post(
        "/api/token/",
        {"username": "lockout-officer", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.8",
    )
    # DRF answers its own 400 (the lockout flag lands on DRF's request wrapper, not Django's),
    # but the right password no longer buys a token.
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize(
    "password",
    ["short", "password123", "12345678901234", "lockout-officer"],
    ids=["too-short", "common", "numeric", "like-username"],
)
def test_weak_passwords_are_refused(officer, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=officer)
