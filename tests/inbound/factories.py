"""The people the sample emails (tests/inbound/samples/*.eml) are written by and about."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token

from tests.cases.factories import World, build_world
from tests.factories import UserFactory

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def email_world() -> World:
    """Testshire with Cllr Jo Jones (jo.jones@…, stored in mixed case) and Pat Planner."""
    world = build_world()
    councillor = world["councillor"]
    councillor.name = "Cllr Jo Jones"
    councillor.email = "Jo.Jones@testshire.gov.uk"
    councillor.save()
    officer = world["officer"]
    officer.name = "Pat Planner"
    officer.email = "pat.planner@testshire.gov.uk"
    officer.save()
    return world


def gateway_token() -> str:
    user = UserFactory(username="mail-gateway")
    user.groups.add(Group.objects.get_or_create(name="email_gateway")[0])
    return Token.objects.create(user=user).key
