"""No side channels (issue #23): a refusal, a reason or a replayed key tells nobody what the
access rules would not show them."""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Case, EventAction
from tests.cases.factories import build_world, open_test_case, relate
from tests.cases.test_api import client_for, new_case_body
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

MISSING_ID = 987_654_321


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


# -- a declared relationship stays in its register (Maldon 5.1) ----------------------------------
def test_routing_reason_never_names_the_relationship_maldon_5_1():
    """Maldon 5.1: a declared relationship is confidential to the people it was declared to and
    the Monitoring Officer. The routing reason, which the clerk and the handler read on the case,
    says only that the related Director cannot handle it."""
    world = build_world()
    relate(world, "councillor", "director")
    case = open_test_case(world)
    assert case.handler is not None
    assert case.handler != world["director"]
    assert "relationship" not in case.handler_reason
    assert "cannot handle this case" in case.handler_reason
    assigned = case.events.get(action=EventAction.ASSIGNED)
    assert "relationship" not in assigned.reason
    page = _text(world_client(world, "clerk").get(reverse("cases:detail", args=[case.reference])))
    assert "relationship" not in page


def world_client(world, key):
    from django.test import Client

    client = Client()
    client.force_login(world.user(key))
    return client


def test_the_assign_refusal_names_the_relationship_only_to_who_may_read_it_maldon_5_1():
    """Maldon 5.1 ("not even the clerk"): the clerk is told only that the Director cannot handle
    the case; the Monitoring Officer, who keeps the register, is told why (Maldon 6.2)."""
    world = build_world()
    case = open_test_case(world, about="service_head")
    relate(world, "councillor", "director")
    for key, told in (("clerk", False), ("mo", True)):
        with pytest.raises(ValidationError) as refused:
            services.assign_handler(
                case=case, actor=world.user(key), person=world["director"], reason="x"
            )
        message = " ".join(refused.value.messages)
        assert ("personal relationship" in message) is told, (key, message)
        assert world["director"].name in message


def test_the_api_assign_refusal_is_the_same_for_the_clerk():
    world = build_world()
    case = open_test_case(world, about="service_head")
    relate(world, "councillor", "director")
    response = client_for(world.user("clerk")).post(
        f"/api/cases/{case.pk}/handler/",
        {"person": world["director"].pk, "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "relationship" not in response.content.decode()


# -- other councils' people answer like missing ids ----------------------------------------------
def _same_as_missing(response, missing, foreign_id: int) -> None:
    assert response.status_code == missing.status_code == 400
    body = response.content.decode().replace(str(foreign_id), str(MISSING_ID))
    assert body == missing.content.decode()


@pytest.mark.parametrize("field", ["raised_by", "about"])
def test_a_person_of_another_council_is_as_missing_when_opening_a_case(field):
    world = build_world()
    stranger = OfficerFactory(council=build_world("elsewhere", "ELS").council, name="Zed Secret")
    api = client_for(world.user("clerk"))
    foreign = api.post("/api/cases/", new_case_body(world, **{field: stranger.pk}), format="json")
    missing = api.post("/api/cases/", new_case_body(world, **{field: MISSING_ID}), format="json")
    _same_as_missing(foreign, missing, stranger.pk)
    assert "Zed Secret" not in foreign.content.decode()


def test_a_person_of_another_council_is_as_missing_when_assigning():
    world = build_world()
    case = open_test_case(world)
    stranger = OfficerFactory(council=build_world("elsewhere", "ELS").council, name="Zed Secret")
    api = client_for(world.user("clerk"))
    url = f"/api/cases/{case.pk}/handler/"
    foreign = api.post(url, {"person": stranger.pk, "reason": "x"}, format="json")
    missing = api.post(url, {"person": MISSING_ID, "reason": "x"}, format="json")
    _same_as_missing(foreign, missing, stranger.pk)


def test_a_person_of_another_council_is_as_missing_in_a_register():
    world = build_world()
    stranger = OfficerFactory(council=build_world("elsewhere", "ELS").council, name="Zed Secret")
    api = client_for(world.user("councillor"))
    body = {"nature": "family", "declared_on": "2026-01-05"}
    foreign = api.post(
        "/api/registers/relationships/", {**body, "related_person": stranger.pk}, format="json"
    )
    missing = api.post(
        "/api/registers/relationships/", {**body, "related_person": MISSING_ID}, format="json"
    )
    _same_as_missing(foreign, missing, stranger.pk)


def test_the_service_never_names_a_person_of_another_council():
    world = build_world()
    stranger = OfficerFactory(council=build_world("elsewhere", "ELS").council, name="Zed Secret")
    with pytest.raises(ValidationError) as refused:
        open_test_case(world, about=stranger)
    assert "Zed Secret" not in str(refused.value)
    case = open_test_case(world)
    with pytest.raises(ValidationError) as refused:
        services.assign_handler(case=case, actor=world.user("clerk"), person=stranger, reason="x")
    assert "Zed Secret" not in str(refused.value)


# -- idempotency keys belong to a council and a login --------------------------------------------
def test_a_key_used_at_another_council_neither_returns_nor_blocks_anything():
    here, there = build_world(), build_world("elsewhere", "ELS")
    mine = open_test_case(here, actor=here.user("clerk"), idempotency_key="retry-1")
    theirs = open_test_case(there, actor=there.user("clerk"), idempotency_key="retry-1")
    assert theirs.pk != mine.pk
    assert theirs.council == there.council
    # Through the API the same: a 201 with a new case of its own council, never ours.
    response = client_for(there.user("mo")).post(
        "/api/cases/", new_case_body(there, idempotency_key="retry-1"), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] not in (mine.pk, theirs.pk)
    assert mine.reference not in response.content.decode()


def test_a_key_replayed_by_another_login_of_the_council_is_a_new_case():
    world = build_world()
    first = open_test_case(world, actor=world.user("clerk"), idempotency_key="form-123")
    again = open_test_case(world, actor=world.user("clerk"), idempotency_key="form-123")
    other = open_test_case(world, actor=world.user("mo"), idempotency_key="form-123")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert Case.objects.count() == 2
