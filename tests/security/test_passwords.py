"""Self-service passwords (issue #23): change, reset by email without user enumeration,
throttled; the demo password is changed on first sign-in in production."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db
OLD = "an-old-and-unusual-passphrase-2026"
NEW = "a-new-and-unusual-passphrase-2027"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user():
    return get_user_model().objects.create_user(
        "pw-officer", email="pw.officer@example.gov.uk", password=OLD
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- change ---------------------------------------------------------------------------------------
def test_a_signed_in_user_changes_their_password(user):
    client = _signed_in(user)
    page = client.get("/account/")
    assert 'href="/account/password/"' in page.content.decode()
    form = client.get("/account/password/").content.decode()
    assert 'type="password"' in form
    assert "Current password" in form
    response = client.post(
        "/account/password/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/password/changed/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    # Still signed in on this browser (Django keeps the session's hash up to date).
    assert client.get("/account/").status_code == 200


def test_the_change_form_never_echoes_a_password(user):
    response = _signed_in(user).post(
        "/account/password/",
        {"old_password": "wrong-one", "new_password1": NEW, "new_password2": NEW},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in text
    assert "wrong-one" not in text
    assert NEW not in text


def test_wrong_current_passwords_are_throttled(user):
    client = _signed_in(user)
    for _ in range(5):
        client.post(
            "/account/password/",
            {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
        )
    # The sixth try, even with the right password, is refused for the rest of the window.
    response = client.post(
        "/account/password/", {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}
    )
    assert "Too many wrong passwords" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_the_change_page_needs_a_sign_in():
    response = Client().get("/account/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# -- reset ----------------------------------------------------------------------------------------
def _reset(client: Client, email: str, address: str = "198.51.100.20"):
    return client.post("/account/password/reset/", {"email": email}, REMOTE_ADDR=address)


def test_a_reset_link_by_email_sets_a_new_password(user, settings):
    settings.SITE_URL = "https://protocol.example.gov.uk"
    client = Client()
    assert "Forgotten your password?" in client.get("/sign-in/").content.decode()
    response = _reset(client, "PW.Officer@example.gov.uk", address="198.51.100.21")
    assert response.status_code == 302
    assert response["Location"] == "/account/password/reset/sent/"
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"https://protocol\.example\.gov\.uk(/account/password/reset/\S+)", body)
    assert link, body
    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    # The link works once.
    again = client.get(link.group(1), follow=True).content.decode()
    assert "This link has expired or has been used" in again


def test_reset_never_tells_whether_an_address_has_an_account(user):
    known = _reset(Client(), "pw.officer@example.gov.uk", address="198.51.100.22")
    unknown = _reset(Client(), "nobody@example.gov.uk", address="198.51.100.23")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [["pw.officer@example.gov.uk"]]
    page = Client().get(unknown["Location"]).content.decode()
    assert "If the address belongs to an account" in page


def test_reset_requests_are_throttled_per_email_address_silently(user):
    client = Client()
    for n in range(5):
        response = _reset(client, "pw.officer@example.gov.uk", address=f"198.51.100.{30 + n}")
        assert response["Location"] == "/account/password/reset/sent/"
    assert len(mail.outbox) == 3  # then nothing more, and the page says the same


def test_reset_requests_are_throttled_per_client_address(user):
    client = Client()
    for n in range(7):
        _reset(client, f"someone{n}@example.gov.uk", address="198.51.100.40")
    _reset(client, "pw.officer@example.gov.uk", address="198.51.100.40")
    assert mail.outbox == []


# -- the demo password in production --------------------------------------------------------------
def test_the_demo_password_must_be_changed_on_first_sign_in_in_production(settings):
    from contacts.management.commands.load_demo import DEMO_PASSWORD

    settings.FORCE_DEMO_PASSWORD_CHANGE = True
    demo = get_user_model().objects.create_user("demo-clerk", password=DEMO_PASSWORD)
    client = Client()
    signed_in = client.post("/sign-in/", {"username": "demo-clerk", "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    for url in ("/", "/cases/", "/registers/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/account/password/"
    assert client.get("/api/cases/").status_code == 403
    client.post(
        "/account/password/",
        {"old_password": DEMO_PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    demo.refresh_from_db()
    assert demo.check_password(NEW)
    assert client.get("/cases/").status_code == 200


def test_outside_production_the_demo_password_is_not_forced(settings):
    from contacts.management.commands.load_demo import DEMO_PASSWORD

    settings.FORCE_DEMO_PASSWORD_CHANGE = False
    get_user_model().objects.create_user("demo-clerk", password=DEMO_PASSWORD)
    client = Client()
    client.post("/sign-in/", {"username": "demo-clerk", "password": DEMO_PASSWORD})
    assert client.get("/cases/").status_code == 200


def test_production_settings_force_the_change():
    import importlib

    prod = importlib.import_module("protocol_site.settings.prod")
    assert prod.FORCE_DEMO_PASSWORD_CHANGE is True
