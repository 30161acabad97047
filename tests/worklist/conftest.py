import pytest

from tests.cases.factories import build_world


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def as_user(client, world):
    def login(key: str):
        client.force_login(world.user(key))
        return client

    return login
