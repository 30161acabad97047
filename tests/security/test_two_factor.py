"""Optional TOTP second factor (django-otp) for Monitoring Officers and admins."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.cases.factories import build_world

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase-2026"


@pytest.fixture
def world():
    world = build_world()
    for key in ("mo", "councillor"):
        user = world.user(key)
        user.set_password(PASSWORD)
        user.save()
    return world


def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    """The app's code now (offset 0) or for the next 30 seconds (1: a code is used only once)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:06d}"


def _sign_in(user) -> Client:
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _enrol(world) -> TOTPDevice:
    client = Client()
    client.force_login(world.user("mo"))
    page = client.get("/account/two-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=world.user("mo"), confirmed=False)
    assert "<svg" in page.content.decode()
    assert device.key in page.content.decode()  # the key, for typing in by hand
    done = client.post("/account/two-factor/", {"token": _code(device)})
    assert done.status_code == 200
    assert "Authenticator app added" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_nobody_is_asked_for_a_code_until_they_add_an_app(world):
    client = _sign_in(world.user("mo"))
    assert client.get("/cases/").status_code == 200


@pytest.mark.parametrize(("who", "status"), [("mo", 200), ("councillor", 404), ("clerk", 404)])
def test_only_monitoring_officers_and_admins_can_add_an_app(world, who, status):
    client = Client()
    client.force_login(world.user(who))
    assert client.get("/account/two-factor/").status_code == status


def test_a_wrong_code_does_not_add_the_app(world):
    client = Client()
    client.force_login(world.user("mo"))
    client.get("/account/two-factor/")
    response = client.post("/account/two-factor/", {"token": "000000"})
    assert response.status_code == 400
    assert "The code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_after_adding_an_app_the_password_alone_is_not_enough(world):
    device = _enrol(world)
    client = _sign_in(world.user("mo"))

    page = client.get("/cases/")
    assert page.status_code == 302
    assert page["Location"] == "/account/two-factor/verify/?next=/cases/"
    api = client.get("/api/cases/")
    assert api.status_code == 403
    assert "authenticator" in api.json()["detail"]

    wrong = client.post("/account/two-factor/verify/", {"token": "000000", "next": "/cases/"})
    assert wrong.status_code == 400
    assert "The code is not right" in wrong.content.decode()
    assert client.get("/cases/").status_code == 302

    device.refresh_from_db()
    device.throttle_reset()
    right = client.post(
        "/account/two-factor/verify/", {"token": _code(device, offset=1), "next": "/cases/"}
    )
    assert right.status_code == 302
    assert right["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    assert client.get("/api/cases/").status_code == 200


def test_the_next_address_cannot_leave_the_site(world):
    device = _enrol(world)
    client = _sign_in(world.user("mo"))
    response = client.post(
        "/account/two-factor/verify/",
        {"token": _code(device, offset=1), "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_api_token_is_its_own_credential(world):
    from rest_framework.authtoken.models import Token

    _enrol(world)
    token = Token.objects.create(user=world.user("mo"))
    response = Client().get("/api/cases/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_a_code_works_once(world):
    """The code that confirmed the app cannot be replayed to pass the second step."""
    device = _enrol(world)
    used = _code(device)
    client = _sign_in(world.user("mo"))
    response = client.post("/account/two-factor/verify/", {"token": used, "next": "/cases/"})
    assert response.status_code == 400
