"""Bulk reassignment: one handler and one reason for several cases, each through
`services.assign_handler` as when done one by one (issue #24)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent, EventAction
from tests.cases.factories import open_test_case, relate

pytestmark = pytest.mark.django_db


def _post(client, cases, **extra):
    data = {"case": [c.reference for c in cases], **extra}
    return client.post(reverse("cases:bulk_assign"), data)


def test_clerk_reassigns_several_cases_each_audited(world, as_user):
    cases = [open_test_case(world) for _ in range(5)]
    client = as_user("clerk")
    confirm = _post(client, cases)
    assert confirm.status_code == 200
    assert "Reassign 5 cases" in confirm.content.decode()
    done = _post(
        client, cases, confirm="1", person=world["officer2"].pk, reason="Leave cover for March"
    )
    assert done.status_code == 200
    assert len(done.context["done"]) == 5
    assert not done.context["refused"]
    for case in cases:
        case = Case.objects.get(pk=case.pk)
        assert case.handler == world["officer2"]
        event = CaseEvent.objects.filter(case=case, action=EventAction.ASSIGNED).last()
        assert event.reason == "Leave cover for March"


def test_a_party_or_a_related_person_is_refused_per_case_with_the_reason(world, as_user):
    """Maldon 6.2: nobody with a declared relationship with a party handles the case; the other
    cases are still reassigned, and the page says which were not and why (without naming a
    relationship to someone who cannot read the register, Maldon 5.1)."""
    fine = open_test_case(world, about="officer")
    about_them = open_test_case(world, about="officer2")
    relate(world, "officer2", "councillor2")
    related = open_test_case(world, raised_by="councillor2", about="officer")
    done = _post(
        as_user("clerk"),
        [fine, about_them, related],
        confirm="1",
        person=world["officer2"].pk,
        reason="Cover",
    )
    assert [o["reference"] for o in done.context["done"]] == [fine.reference]
    refused = {o["reference"]: o["message"] for o in done.context["refused"]}
    assert "is a party to" in refused[about_them.reference]
    # The clerk cannot read the relationships register: told only "cannot handle" (Maldon 5.1).
    assert "cannot handle" in refused[related.reference]
    assert "relationship" not in refused[related.reference]
    assert Case.objects.get(pk=about_them.pk).handler != world["officer2"]
    body = done.content.decode()
    assert about_them.reference in body
    assert "is a party to" in body


def test_a_reason_is_required(world, as_user):
    cases = [open_test_case(world)]
    response = _post(as_user("clerk"), cases, confirm="1", person=world["officer2"].pk, reason="")
    assert response.status_code == 400
    assert "Enter why this person should handle the cases" in response.content.decode()


def test_a_councillor_or_plain_officer_cannot_reassign(world, as_user):
    cases = [open_test_case(world)]
    for who in ("councillor", "officer2"):
        response = _post(
            as_user(who), cases, confirm="1", person=world["officer2"].pk, reason="Mine now"
        )
        assert response.status_code == 403
    assert Case.objects.get(pk=cases[0].pk).handler != world["officer2"]


def test_cases_the_clerk_cannot_see_are_left_out(world, as_user):
    from tests.cases.factories import build_world

    elsewhere = build_world(slug="othershire", prefix="OTH")
    theirs = open_test_case(elsewhere)
    mine = open_test_case(world)
    done = _post(
        as_user("clerk"), [mine, theirs], confirm="1", person=world["officer2"].pk, reason="Cover"
    )
    assert [o["reference"] for o in done.context["done"]] == [mine.reference]
    assert Case.objects.get(pk=theirs.pk).handler != world["officer2"]
