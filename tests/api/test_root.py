"""Issue #22: `/api/` lists the API's resources as JSON and links to `/api/docs/`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_root_lists_resources_and_links_to_the_docs(client):
    response = client.get("/api/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["docs"].endswith("/api/docs/")
    assert body["schema"].endswith("/api/schema/")
    assert body["resources"]["cases"].endswith("/api/cases/")
    assert body["resources"]["info-requests"].endswith("/api/info-requests/")
    # Every resource it names answers (with a token it would list; without one, 401 not 404).
    for url in body["resources"].values():
        path = url.split("testserver", 1)[1]
        assert client.get(path).status_code in {200, 401}, path
