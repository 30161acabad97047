"""Pages with case, request or register data send `Cache-Control: no-store` (issue #23): on a
shared council PC, neither the browser cache nor the back button keeps them after sign-out."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.factories import build_world, open_test_case
from tests.cases.test_api import client_for

pytestmark = pytest.mark.django_db


def test_signed_in_pages_are_never_stored():
    world = build_world()
    case = open_test_case(world)
    client = Client()
    client.force_login(world.user("clerk"))
    for url in (
        "/",
        "/cases/",
        f"/cases/{case.reference}/",
        "/registers/relationships/",
        "/registers/relationships/export.csv",
        "/information-requests/",
        "/clocks/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_api_answers_are_never_stored():
    world = build_world()
    case = open_test_case(world)
    response = client_for(world.user("clerk")).get(f"/api/cases/{case.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
