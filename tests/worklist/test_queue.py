"""The case queue: open cases by default, every column sorts with keyset paging, filters kept
in the URL and saved as named views, and what changed since the person looked (issue #24)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.audit import record_event
from cases.models import Case, EventAction
from tests.cases.factories import open_test_case
from worklist.models import CaseSeen, SavedView
from worklist.queue import SORTS
from worklist.selectors import home_work

pytestmark = pytest.mark.django_db


def _refs(response) -> list[str]:
    return [c.reference for c in response.context["cases"]]


def test_closed_cases_are_behind_a_filter(world, as_user):
    open_ = open_test_case(world)
    closed = open_test_case(world)
    services.resolve_case(case=closed, actor=None, outcome="Apology given")
    client = as_user("clerk")
    assert _refs(client.get(reverse("cases:list"))) == [open_.reference]
    assert _refs(client.get(reverse("cases:list") + "?status=closed")) == [closed.reference]
    assert set(_refs(client.get(reverse("cases:list") + "?status=all"))) == {
        open_.reference,
        closed.reference,
    }


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_through_every_case_once_in_order(world, as_user, sort, descending):
    """Keyset paging in each sort: no case twice, none missed, pages in the sort's order, and
    "previous" returns the page before."""
    start = timezone.now() - datetime.timedelta(days=60)
    cases = [
        open_test_case(world, received_at=start + datetime.timedelta(days=i)) for i in range(28)
    ]
    # Spread the handlers and acknowledgements so the sorts differ from "received".
    for i, case in enumerate(cases):
        if i % 4 == 0:
            services.acknowledge_case(case=case, actor=None)
        if i % 3 == 0:
            Case.objects.filter(pk=case.pk).update(handler=world["officer2"])
    client = as_user("clerk")
    param = f"-{sort}" if descending else sort
    first = client.get(reverse("cases:list") + f"?sort={param}")
    assert len(first.context["cases"]) == 25
    second = client.get(reverse("cases:list") + first.context["next_url"])
    assert second.context["next_url"] is None
    seen = _refs(first) + _refs(second)
    assert sorted(seen) == sorted(c.reference for c in cases)
    field = SORTS[sort].field
    keys = [getattr(c, field) for c in list(first.context["cases"]) + list(second.context["cases"])]
    db_descending = descending != SORTS[sort].inverted
    assert keys == sorted(keys, reverse=db_descending)
    back = client.get(reverse("cases:list") + second.context["previous_url"])
    assert _refs(back) == _refs(first)


def test_the_list_shows_age_in_working_days_last_activity_and_acknowledged(world, as_user):
    # Monday 2 March 2026 10:00; "now" is whenever the test runs, so only check it is counted.
    case = open_test_case(world, received_at=datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC))
    response = as_user("clerk").get(reverse("cases:list"))
    row = response.context["cases"][0]
    assert row.pk == case.pk
    assert row.age_in_working_days > 0
    body = response.content.decode()
    for heading in ("Received", "Age", "Last activity", "Handler", "Acknowledged", "Next due"):
        assert f">{heading}</a>" in body
    assert 'data-label="Age"' in body  # the row reflows on a phone


def test_a_view_is_saved_with_its_filters_and_sort_and_listed(world, as_user):
    open_test_case(world)
    client = as_user("clerk")
    query = "status=all&sort=-next_due&after=abc&unknown=1"
    response = client.post(reverse("worklist:save_view"), {"name": "Everything", "query": query})
    view = SavedView.objects.get(user=world.user("clerk"))
    assert view.query == "status=all&sort=-next_due"  # no cursor, nothing unknown
    assert response.url == reverse("cases:list") + "?status=all&sort=-next_due"
    listed = client.get(response.url)
    assert "<strong>Everything</strong>" in listed.content.decode()
    # Saving again under the same name overwrites it.
    client.post(reverse("worklist:save_view"), {"name": "Everything", "query": "status=closed"})
    assert list(SavedView.objects.values_list("query", flat=True)) == ["status=closed"]


def test_a_view_needs_a_name_and_another_persons_view_cannot_be_deleted(world, as_user):
    client = as_user("clerk")
    client.post(reverse("worklist:save_view"), {"name": "  ", "query": "status=all"})
    assert not SavedView.objects.exists()
    theirs = SavedView.objects.create(user=world.user("mo"), name="Mine", query="")
    response = client.post(reverse("worklist:delete_view", args=[theirs.pk]))
    assert response.status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()
    as_user("mo").post(reverse("worklist:delete_view", args=[theirs.pk]))
    assert not SavedView.objects.filter(pk=theirs.pk).exists()


def test_changed_since_you_looked(world, as_user, django_assert_max_num_queries):
    case = open_test_case(world)
    other = open_test_case(world)
    client = as_user("clerk")
    # Never opened, not handled by the clerk: not marked.
    assert client.get(reverse("cases:list") + "?changed=1").context["cases"] == []
    client.get(reverse("cases:detail", args=[case.reference]))
    client.get(reverse("cases:detail", args=[other.reference]))
    assert CaseSeen.objects.filter(user=world.user("clerk")).count() == 2
    record_event(
        case=case,
        actor=None,
        action=EventAction.NOTE_ADDED,
        from_state=case.state,
        to_state=case.state,
        reason="A new note",
    )
    response = client.get(reverse("cases:list") + "?changed=1")
    assert _refs(response) == [case.reference]
    assert "Changed</strong>" in response.content.decode()
    assert {t.key: t.count for t in home_work(world.user("clerk")).tiles}["changed"] == 1
    client.get(reverse("cases:detail", args=[case.reference]))
    assert client.get(reverse("cases:list") + "?changed=1").context["cases"] == []
    # One row per person and case, however often they look.
    assert CaseSeen.objects.filter(user=world.user("clerk"), case=case).count() == 1


def test_a_case_handed_to_me_and_not_yet_opened_is_marked(world, as_user):
    case = open_test_case(world)
    handler_key = next(k for k, p in world.people.items() if p.pk == case.handler_id)
    response = as_user(handler_key).get(reverse("cases:list"))
    assert [c.is_changed for c in response.context["cases"]] == [True]
