"""Requests no view answers: JSON under /api/, the GOV.UK page elsewhere."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nowhere/", "/api/cases/1/not-an-action/", "/api/v2/"])
def test_an_unknown_api_path_is_a_json_404(path):
    response = Client().get(path, HTTP_ACCEPT="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_is_the_html_404():
    response = Client().get("/nowhere/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Page not found" in response.content


def test_a_crash_under_the_api_outside_any_view_is_a_json_500(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    # A failure before the view (the URL resolver itself), which DRF's handler never sees.
    with mock.patch("django.urls.resolvers.URLResolver.resolve", side_effect=RuntimeError("boom")):
        response = client.get("/api/cases/")

    assert response.status_code == 500
    assert response.json() == {"detail": "Something went wrong on our side. Try again later."}
