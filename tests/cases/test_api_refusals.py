"""The guards only a service holds, through the API (issue #26): the serializer lets the request
through, the service refuses it, and the API answers 400 naming the field, with nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseAssignment, CaseEvent
from tests.factories import OfficerFactory

from .factories import build_world, open_test_case
from .test_api import client_for, new_case_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_a_handler_from_another_council_is_refused(world):
    case = open_test_case(world)
    stranger = OfficerFactory(name="Olive Elsewhere")
    events = CaseEvent.objects.filter(case=case).count()

    response = client_for(world.user("clerk")).post(
        f"/api/cases/{case.pk}/handler/",
        {"person": stranger.pk, "reason": "Knows the file"},
        format="json",
    )

    # Issue #23: another council's person answers exactly like an id that does not exist, so
    # the refusal names nobody of another council.
    assert response.status_code == 400
    assert response.json() == {"person": [f'Invalid pk "{stranger.pk}" - object does not exist.']}
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.handler_id == case.handler_id
    assert not CaseAssignment.objects.filter(case=case, person=stranger).exists()
    assert CaseEvent.objects.filter(case=case).count() == events


def test_a_case_received_in_the_future_is_refused(world):
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).isoformat()

    response = client_for(world.user("clerk")).post(
        "/api/cases/", new_case_body(world, received_at=tomorrow), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"received_at": ["The case cannot have been received in the future."]}
    assert not Case.objects.exists()


def test_a_case_for_someone_else_is_refused_to_a_councillor(world):
    """A councillor raises a case in their own name only; the clerk logs one for anyone."""
    response = client_for(world.user("councillor2")).post(
        "/api/cases/", new_case_body(world), format="json"
    )

    assert response.status_code == 403
    assert "You can raise a case only in your own name" in response.json()["detail"]
    assert not Case.objects.exists()
