"""Always-on query budgets for the hot pages (issue #10), so an N+1 can never creep back.

`manage.py bench` measures the same pages on a million cases (docs/perf/README.md); these tests
pin the number of SQL statements, which does not depend on the data's size: the list page at
most 10 whatever the page or filters, the case page at most 14 and the same for a case with a
long history as for a new one. The API pages are held to the same budgets.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.audit import record_event
from cases.models import Case, CaseState, CaseType, EventAction
from tests.cases.factories import build_world, open_test_case

pytestmark = pytest.mark.django_db

# Issue #24 added two to the list (the closure days for each case's age in working days, and
# the person's saved views) and two to the case page (remembering that the person looked;
# its email thread). Issue #20 added two to the case page (the committee panel seated at the
# rung; the people kept informed). Still constant in the history's length; issue #25 owns
# bringing every page back under 12.
LIST_BUDGET = 10
DETAIL_BUDGET = 16
LONG_HISTORY = 60


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def cases(world):
    """Thirty cases (more than a page of 25) at every rung, one with a long history."""
    opened = []
    start = timezone.now() - datetime.timedelta(days=40)
    for i in range(30):
        case = open_test_case(world, received_at=start + datetime.timedelta(days=i))
        if i % 3 == 1:
            case = services.escalate_case(case=case, actor=None, reason="Not resolved")
        elif i % 3 == 2:
            case = services.resolve_case(case=case, actor=None, outcome="Apology given")
        opened.append(case)
    short, long_ = opened[0], opened[3]
    for n in range(LONG_HISTORY):
        record_event(
            case=long_,
            actor=None,
            action=EventAction.NOTE_ADDED,
            from_state=long_.state,
            to_state=long_.state,
            reason=f"History entry {n}",
        )
    return {"all": opened, "short": short, "long": long_}


def _count(django_assert_max_num_queries, budget: int, client, url: str, **extra) -> int:
    # A first request stamps the session's activity (written at most once a minute,
    # protocol_site.middleware); the budget is for the page itself.
    client.get(url, **extra)
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


# -- the case list ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["clerk", "mo", "councillor", "director"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?state=chief_officer",
        f"?case_type={CaseType.MEMBER_CONCERN_ABOUT_OFFICER}&state=monitoring_officer",
        "?overdue=1",
        "?assigned=me",
        "?queue=mine",
        "?q=emails",
    ],
)
def test_the_case_list_stays_within_its_query_budget(
    world, cases, client, django_assert_max_num_queries, who, query
):
    client.force_login(world.user(who))
    _count(django_assert_max_num_queries, LIST_BUDGET, client, reverse("cases:list") + query)


def test_every_page_of_the_list_costs_the_same(world, cases, client, django_assert_max_num_queries):
    client.force_login(world.user("clerk"))
    everything = reverse("cases:list") + "?status=all"  # closed cases too: 30 of them
    client.get(everything)  # stamps the session (see _count)
    first = client.get(everything)
    assert len(first.context["cases"]) == 25
    next_url = first.context["next_url"]
    assert next_url, "30 cases make two pages"
    with django_assert_max_num_queries(LIST_BUDGET) as captured:
        second = client.get(reverse("cases:list") + next_url)
    assert len(second.context["cases"]) == 5
    # Keyset pagination: no page counts the whole table.
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    back = client.get(reverse("cases:list") + second.context["previous_url"])
    assert [c.pk for c in back.context["cases"]] == [c.pk for c in first.context["cases"]]


# -- the case page ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["clerk", "mo", "councillor"])
def test_the_case_page_costs_the_same_whatever_the_length_of_its_history(
    world, cases, client, django_assert_max_num_queries, who
):
    short, long_ = cases["short"], cases["long"]
    assert short.state == long_.state == CaseState.CHIEF_OFFICER
    assert long_.events.count() >= short.events.count() + LONG_HISTORY
    client.force_login(world.user(who))
    url = "cases:detail"
    small = _count(
        django_assert_max_num_queries,
        DETAIL_BUDGET,
        client,
        reverse(url, args=[short.reference]),
    )
    large = _count(
        django_assert_max_num_queries, small, client, reverse(url, args=[long_.reference])
    )
    assert large == small


def test_the_case_page_of_a_case_out_of_scope_is_still_404(world, cases, client):
    client.force_login(world.user("councillor2"))
    assert client.get(reverse("cases:detail", args=[cases["short"].reference])).status_code == 404


# -- the API ---------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["clerk", "mo", "councillor"])
def test_the_api_case_list_stays_within_its_query_budget(
    world, cases, client, django_assert_max_num_queries, who
):
    client.force_login(world.user(who))
    for query in ("", "?state=chief_officer", "?overdue=true", "?page_size=100"):
        _count(
            django_assert_max_num_queries,
            LIST_BUDGET,
            client,
            "/api/cases/" + query,
            HTTP_ACCEPT="application/json",
        )


def test_the_api_case_detail_costs_the_same_whatever_the_length_of_its_history(
    world, cases, client, django_assert_max_num_queries
):
    client.force_login(world.user("clerk"))
    short, long_ = cases["short"], cases["long"]
    small = _count(
        django_assert_max_num_queries,
        DETAIL_BUDGET,
        client,
        f"/api/cases/{short.pk}/",
        HTTP_ACCEPT="application/json",
    )
    large = _count(
        django_assert_max_num_queries,
        small,
        client,
        f"/api/cases/{long_.pk}/",
        HTTP_ACCEPT="application/json",
    )
    assert large == small
    body = client.get(f"/api/cases/{long_.pk}/", HTTP_ACCEPT="application/json").json()
    assert len(body["history"]) == Case.objects.get(pk=long_.pk).events.count()
