"""Tokens on the account page (/account/) and in the admin (issue #8)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="jo-clerk")


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/councils/").status_code


@pytest.mark.parametrize("url", ["/account/", "/account/token/create/", "/account/token/revoke/"])
def test_signed_out_visitors_are_sent_to_sign_in(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/account/")
    assert Client().post(url).status_code == 302
    assert not Token.objects.exists()


def test_the_page_says_when_there_is_no_token(browser):
    page = browser.get("/account/").content.decode()
    assert "Your account" in page
    assert "jo-clerk" in page
    assert "No token" in page
    assert "Create a token" in page
    assert "Revoke token" not in page


def test_creating_shows_the_token_once(browser, user):
    confirm = browser.get("/account/token/create/")
    assert confirm.status_code == 200
    assert "Create an API token" in confirm.content.decode()
    assert not Token.objects.exists()  # a GET changes nothing

    created = browser.post("/account/token/create/")
    assert created.status_code == 200
    key = Token.objects.get(user=user).key
    assert key in created.content.decode()
    assert "no-store" in created["Cache-Control"]
    assert api_status(key) == 200

    later = browser.get("/account/").content.decode()
    assert key not in later
    assert "Active" in later
    assert "Regenerate token" in later
    assert "Revoke token" in later


def test_regenerating_replaces_the_key(browser, user):
    old = Token.objects.create(user=user).key
    confirm = browser.get("/account/token/create/").content.decode()
    assert "will stop working" in confirm
    response = browser.post("/account/token/create/")
    new = Token.objects.get(user=user).key
    assert new != old
    assert new in response.content.decode()
    assert "Token regenerated" in response.content.decode()
    assert api_status(old) == 401
    assert api_status(new) == 200


def test_revoking_asks_first_then_deletes(browser, user):
    key = Token.objects.create(user=user).key
    confirm = browser.get("/account/token/revoke/")
    assert "Are you sure" in confirm.content.decode()
    assert Token.objects.filter(user=user).exists()

    response = browser.post("/account/token/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == "/account/"
    assert "has been revoked" in response.content.decode()
    assert not Token.objects.filter(user=user).exists()
    assert api_status(key) == 401


def test_revoking_without_a_token_goes_back_to_the_account_page(browser):
    response = browser.post("/account/token/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == "/account/"
    assert "You do not have an API token" in response.content.decode()


def test_the_forms_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/account/token/create/").status_code == 403
    assert not Token.objects.exists()


def test_one_user_cannot_touch_another_users_token(browser, user):
    other = UserFactory(username="someone-else")
    theirs = Token.objects.create(user=other).key
    browser.post("/account/token/revoke/")
    browser.post("/account/token/create/")
    assert Token.objects.get(user=other).key == theirs


def test_admins_create_and_revoke_tokens_in_the_admin(user):
    admin = get_user_model().objects.create_superuser("boss", "boss@example.gov.uk", "pw-12345")
    client = Client()
    client.force_login(admin)
    changelist = client.get("/admin/authtoken/tokenproxy/")
    assert changelist.status_code == 200

    add = client.post("/admin/authtoken/tokenproxy/add/", {"user": user.pk})
    assert add.status_code == 302, add.content.decode()[:2000]
    token = Token.objects.get(user=user)
    assert api_status(token.key) == 200
    assert user.username in client.get("/admin/authtoken/tokenproxy/").content.decode()

    # The admin addresses a token by its user (DRF's TokenProxy).
    delete = client.post(
        f"/admin/authtoken/tokenproxy/{user.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert delete.status_code == 200
    assert not Token.objects.filter(user=user).exists()
    assert api_status(token.key) == 401
