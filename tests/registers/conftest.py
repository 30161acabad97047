import pytest

from .factories import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def lancaster(db):
    return build_world(slug="lancaster", name="Lancaster City Council")
