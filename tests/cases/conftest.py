"""Fixtures the case tests share: a council with its officers, councillors and ladders, and a
test client logged in as one of them."""

from __future__ import annotations

import pytest

from .factories import build_world


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def as_user(client, world):
    def login(key: str):
        client.force_login(world.user(key))
        return client

    return login
