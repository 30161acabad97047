"""Two (and eight) people escalating one case at the same moment, on the real PostgreSQL:
exactly one wins; the others are told the case changed (StaleObject in the service, 409 in the
API); exactly one `escalated` event is written. A double-submitted form opens one case."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent, EventAction
from protocol_site.errors import StaleObject

from .factories import build_world, open_test_case

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def run_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_escalations_one_wins(threads):
    assert connection.vendor == "postgresql"
    world = build_world()
    case = open_test_case(world)
    actors = [world.user("clerk"), world.user("mo"), world.user("director")]
    # Every thread holds its own copy, loaded before anyone escalates: what a person sees on
    # the page when they press the button.
    copies = [Case.objects.get(pk=case.pk) for _ in range(threads)]

    def escalate(i: int) -> Case:
        return services.escalate_case(case=copies[i], actor=actors[i % len(actors)], reason=f"#{i}")

    results = run_at_once(threads, escalate)
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, StaleObject)]
    assert len(winners) == 1, results
    assert len(losers) == threads - 1, results
    assert "reload" in str(losers[0])
    assert CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).count() == 1
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == "monitoring_officer"
    assert fresh.step_position == 2


@pytest.mark.parametrize("threads", [2, 8])
def test_concurrent_escalations_through_the_api(threads):
    world = build_world()
    case = open_test_case(world)
    state = case.state
    token = Token.objects.create(user=world.user("clerk")).key

    def escalate(i: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        # The client says which state it saw, as a page's hidden field would.
        response = client.post(
            f"/api/cases/{case.pk}/escalate/", {"expected_state": state}, format="json"
        )
        return response.status_code

    statuses = run_at_once(threads, escalate)
    assert sorted(statuses) == [200] + [409] * (threads - 1), statuses
    assert CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).count() == 1


def test_double_submit_opens_one_case():
    world = build_world()
    clerk = world.user("clerk")

    def submit(i: int) -> int:
        return open_test_case(world, actor=clerk, idempotency_key="form-7f3a").pk

    ids = run_at_once(4, submit)
    assert all(isinstance(i, int) for i in ids), ids
    assert len(set(ids)) == 1
    assert Case.objects.count() == 1
