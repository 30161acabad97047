"""Fixtures for the API contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test.utils import override_settings
from pytest_django import live_server_helper


@pytest.fixture(scope="session")
def live_server() -> Iterator[live_server_helper.LiveServer]:
    """pytest-django's live server, built with a MEDIA_URL.

    The app sets MEDIA_URL = None (uploads are only served through permission-checked views),
    and Django's live server wraps its handler in a media handler that cannot parse None. The
    placeholder exists only while the server is built; nothing is uploaded under it.
    """
    with override_settings(MEDIA_URL="/live-server-media/"):
        server = live_server_helper.LiveServer("localhost")
    yield server
    server.stop()
