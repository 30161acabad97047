"""The report pages as their readers meet them: who sees which council, charts, CSV, dates."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from cases.models import CaseState, CaseType, Channel
from contacts.models import Role, Tier
from contacts.selectors import UserGroup
from tests.cases.factories import build_world
from tests.factories import (
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    UserFactory,
    make_variant,
    user_for,
)
from tests.reports.factories import at, build_fixture, make_case

pytestmark = pytest.mark.django_db

INDEX = reverse("reports:index")


def council_url(slug: str) -> str:
    return reverse("reports:council", args=[slug])


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def world():
    world = build_world()
    build_fixture(world)
    return world


@pytest.fixture
def other():
    """A second district with one case of its own."""
    other = build_world(slug="otherton", prefix="OTH")
    make_case(other, received=at(1, 12), state=CaseState.CHIEF_OFFICER)
    return other


@pytest.fixture
def parish(world):
    """A parish borrowing Testshire's Monitoring Officer (as Halstead borrows Braintree's)."""
    council = CouncilFactory(
        slug="little-testing",
        name="Little Testing Parish Council",
        tier=Tier.PARISH,
        monitoring_officer_council=world.council,
        reference_prefix="LTP",
    )
    variant = make_variant(
        council, CaseType.MEMBER_CONCERN_ABOUT_OFFICER, [("informal", Role.CLERK)]
    )
    clerk = OfficerFactory(council=council, name="Parish Clerk", job_title="Clerk")
    from cases.models import Case

    Case.objects.create(
        reference="LTP-2026-0001",
        council=council,
        case_type=variant.case_type,
        variant=variant,
        step_position=1,
        state="informal",
        raised_by=CouncillorFactory(council=council),
        about=clerk,
        channel=Channel.EMAIL,
        received_at=at(2, 2),
        summary="The agenda went out late.",
    )
    user_for(clerk, UserGroup.CLERK)
    return council


def opened(response) -> int:
    return int(re.search(r"(\d+) cases opened", text(response)).group(1))


# == scope =======================================================================================
def test_a_clerk_sees_their_own_council_only(client, world, other):
    client.force_login(world.user("clerk"))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert opened(response) == 6  # not Otherton's case
    assert "Otherton" not in text(response)
    assert client.get(council_url("testshire")).status_code == 200
    assert client.get(council_url("otherton")).status_code == 404


def test_the_mo_sees_the_borrowing_parish_too(client, world, parish):
    client.force_login(world.user("mo"))
    response = client.get(INDEX)
    assert opened(response) == 7  # six in Testshire, one in the parish
    assert "Little Testing Parish Council" in text(response)
    parish_page = client.get(council_url(parish.slug))
    assert parish_page.status_code == 200
    assert opened(parish_page) == 1


def test_the_parish_clerk_does_not_see_the_lending_council(client, world, parish):
    client.force_login(parish.people.get(name="Parish Clerk").user)
    assert opened(client.get(INDEX)) == 1
    assert client.get(council_url("testshire")).status_code == 404


def test_a_superuser_sees_every_council(client, world, other):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert opened(client.get(INDEX)) == 7
    assert opened(client.get(council_url("otherton"))) == 1


@pytest.mark.parametrize("who", ["councillor", "officer", "service_head"])
def test_people_who_do_not_administer_a_council_get_no_report(client, world, who):
    client.force_login(world.user(who))
    response = client.get(INDEX)
    assert response.status_code == 403
    assert "clerks and case administrators" in text(response)
    assert client.get(council_url("testshire")).status_code == 404
    assert client.get(INDEX + "?format=csv&table=backlog").status_code == 403


def test_signed_out_readers_are_sent_to_sign_in(client, world):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"] or "login" in response["Location"]


# == page ========================================================================================
def test_each_table_has_an_accessible_chart_a_table_and_a_csv_link(client, world):
    client.force_login(world.user("clerk"))
    response = client.get(council_url("testshire"))
    body = response.content.decode()
    assert body.count('role="img"') == 6
    assert body.count("<title id=") == 6
    assert body.count("<desc id=") == 6
    # The chart's description carries the figures, for a screen reader.
    assert "January 2026: Opened 2, Resolved 0" in body
    for name in ("by_month", "by_case_type", "by_stage", "clocks", "backlog", "info_requests"):
        assert f'id="table-{name}"' in body
        assert f"format=csv&amp;table={name}" in body
    page = text(response)
    assert "Median days to meet" in page
    assert "Showing all dates" in page


def test_the_page_answers_in_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.user("clerk"))
    with django_assert_max_num_queries(30):
        assert client.get(INDEX).status_code == 200


# == CSV =========================================================================================
def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_of_cases_by_month(client, world):
    client.force_login(world.user("clerk"))
    response = client.get(council_url("testshire") + "?format=csv&table=by_month")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="testshire-by_month-' in response["Content-Disposition"]
    assert read_csv(response) == [
        ["Month", "Opened", "Resolved"],
        ["January 2026", "2", "0"],
        ["February 2026", "2", "1"],
        ["March 2026", "2", "1"],
    ]


def test_csv_keeps_the_date_filter(client, world):
    client.force_login(world.user("clerk"))
    query = "from_day=1&from_month=2&from_year=2026&to_day=28&to_month=2&to_year=2026"
    response = client.get(f"{INDEX}?{query}&format=csv&table=clocks")
    assert (
        'filename="all-councils-clocks-2026-02-01-2026-02-28.csv"'
        in (response["Content-Disposition"])
    )
    assert read_csv(response)[1:] == [
        ["Acknowledgement", "1", "0", "0", "0", "0", "0", "1.0"],
        ["Response", "0", "0", "0", "0", "1", "1", "–"],
    ]
    page = client.get(f"{INDEX}?{query}").content.decode()
    assert f"?{query}&format=csv&table=clocks".replace("&", "&amp;") in page


def test_csv_neutralises_formulas_in_names(client, world):
    world["service_head"].name = "=HYPERLINK(1)"
    world["service_head"].save()
    client.force_login(world.user("clerk"))
    rows = read_csv(client.get(INDEX + "?format=csv&table=backlog"))
    assert ["'=HYPERLINK(1)", "Testshire District Council", "1", "1", "10 Jan 2026"] in rows


def test_csv_of_an_unknown_table_is_404(client, world):
    client.force_login(world.user("clerk"))
    assert client.get(INDEX + "?format=csv&table=secrets").status_code == 404


# == date filter =================================================================================
def test_a_date_range_filters_the_page(client, world):
    client.force_login(world.user("clerk"))
    response = client.get(
        INDEX + "?from_day=1&from_month=2&from_year=2026&to_day=28&to_month=2&to_year=2026"
    )
    assert opened(response) == 2
    assert "Showing 1 February 2026 to 28 February 2026" in text(response)
    # The inputs keep what was typed.
    assert 'name="from_month" type="text" inputmode="numeric" value="2"' in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "message", "anchor"),
    [
        ("from_day=1&from_year=2026", "The start date must include a month", "id_from_day"),
        ("to_day=31&to_month=2&to_year=2026", "The end date must be a real date", "id_to_day"),
        ("from_day=a&from_month=2&from_year=2026", "written in numbers", "id_from_day"),
        ("from_day=1&from_month=2&from_year=26", "year must include 4 numbers", "id_from_day"),
        (
            "from_day=2&from_month=3&from_year=2026&to_day=1&to_month=3&to_year=2026",
            "The end date must be the same as or after the start date",
            "id_to_day",
        ),
    ],
)
def test_invalid_dates_are_explained_and_linked(client, world, query, message, anchor):
    client.force_login(world.user("clerk"))
    response = client.get(f"{INDEX}?{query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in html.unescape(body)
    assert f'href="#{anchor}"' in body
    assert "govuk-input--error" in body
    assert "<title>Error: Reports" in body
    assert "cases opened" not in body  # no figures for a range that is not one
    csv_response = client.get(f"{INDEX}?{query}&format=csv&table=by_month")
    assert csv_response.status_code == 400
    assert message in csv_response.content.decode()


def test_the_page_never_shows_installation_details(client, world, monkeypatch):
    """Issue #24: users are not told which database the service runs on; the medians are the
    same either way (tests/reports/test_figures.py)."""
    import reports.selectors

    monkeypatch.setattr(reports.selectors, "uses_database_median", lambda: False)
    client.force_login(world.user("clerk"))
    body = text(client.get(INDEX))
    assert "SQLite" not in body
    assert "PostgreSQL" not in body


def test_the_figures_link_to_the_cases_behind_them(client, world):
    client.force_login(world.user("clerk"))
    body = client.get(INDEX).content.decode()
    assert 'href="/cases/?status=closed' in body
    assert ">See the open cases</a>" in body


@pytest.mark.parametrize("who", ["clerk", "mo", "deputy_mo", "superuser"])
def test_the_report_scope_is_exactly_visible_cases_for(world, other, parish, who):
    """scoped_cases takes a council filter where the user sees every case of the council: it
    must count the very cases `visible_cases_for` lets the user open."""
    from cases.selectors import visible_cases_for
    from reports.selectors import report_councils_for, scoped_cases

    user = UserFactory(is_superuser=True) if who == "superuser" else world.user(who)
    councils = list(report_councils_for(user))
    scoped = set(scoped_cases(user, councils).values_list("pk", flat=True))
    visible = set(
        visible_cases_for(user)
        .filter(council__in=[c.pk for c in councils])
        .values_list("pk", flat=True)
    )
    assert scoped == visible
    assert scoped
