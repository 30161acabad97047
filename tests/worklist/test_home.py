"""The home page is the person's work: counts that link to the lists behind them (issue #24)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ClockKind
from clocks.models import Deadline
from contacts.models import ClosureDay
from tests.cases.factories import open_test_case
from worklist.selectors import home_work

pytestmark = pytest.mark.django_db

# Friday 6 March 2026, 10:00; the following Monday is 9 March.
FRIDAY = datetime.datetime(2026, 3, 6, 10, 0, tzinfo=datetime.UTC)


def _due(case, at: datetime.datetime, kind: str = ClockKind.RESPONSE) -> Deadline:
    Deadline.objects.filter(case=case).update(cancelled_at=timezone.now())
    return Deadline.objects.create(
        case=case,
        kind=kind,
        length=5,
        working_days=True,
        calendar="council",
        starts_at=at - datetime.timedelta(days=7),
        due_at=at,
        original_due_at=at,
    )


def _tiles(user, now=None) -> dict[str, int]:
    return {t.key: t.count for t in home_work(user, now=now).tiles}


def test_due_in_the_next_five_working_days_counts_monday_on_a_friday(world):
    """The issue: "Due this week" on a Friday showed nothing although clocks fell due on
    Monday. Five working days from Friday run to the next Friday."""
    monday = open_test_case(world)
    next_friday = open_test_case(world)
    later = open_test_case(world)
    _due(monday, datetime.datetime(2026, 3, 9, 23, 0, tzinfo=datetime.UTC))
    _due(next_friday, datetime.datetime(2026, 3, 13, 20, 0, tzinfo=datetime.UTC))
    _due(later, datetime.datetime(2026, 3, 16, 12, 0, tzinfo=datetime.UTC))
    assert _tiles(world.user("clerk"), now=FRIDAY)["due_soon"] == 2


def test_a_closure_day_of_the_council_pushes_the_horizon_out(world):
    """Maldon 2.2: working days are the council's; a closure day does not count as one."""
    case = open_test_case(world)
    _due(case, datetime.datetime(2026, 3, 16, 12, 0, tzinfo=datetime.UTC))  # the Monday after
    assert _tiles(world.user("clerk"), now=FRIDAY)["due_soon"] == 0
    ClosureDay.objects.create(council=world.council, date=datetime.date(2026, 3, 10))
    assert _tiles(world.user("clerk"), now=FRIDAY)["due_soon"] == 1


def test_overdue_and_waiting_for_acknowledgement_are_counted_for_the_clerk(world):
    late = open_test_case(world, channel="email")  # email: an acknowledgement clock runs
    _due(late, timezone.now() - datetime.timedelta(days=1))
    acked = open_test_case(world, channel="email")
    services.acknowledge_case(case=acked, actor=world.user("clerk"))
    in_person = open_test_case(world, channel="in_person")
    assert in_person.acknowledged_at is None
    tiles = _tiles(world.user("clerk"))
    assert tiles["overdue"] == 1
    # `late` lost its acknowledgement clock to _due; in_person never had one.
    assert tiles["unacknowledged"] == 0
    fresh = open_test_case(world, channel="email")
    assert _tiles(world.user("clerk"))["unacknowledged"] == 1
    client = Client()  # the list behind the count lists exactly that case
    client.force_login(world.user("clerk"))
    listed = client.get(reverse("cases:list") + "?work=unacknowledged").context["cases"]
    assert [c.pk for c in listed] == [fresh.pk]


def test_a_councillor_is_not_shown_counts_they_cannot_act_on(world):
    open_test_case(world)  # raised by "councillor"
    keys = {t.key for t in home_work(world.user("councillor")).tiles}
    assert "overdue" not in keys
    assert "unacknowledged" not in keys
    assert "triage" not in keys
    assert "changed" in keys


def test_the_clerk_sees_the_triage_count_and_the_handler_their_assigned_count(world):
    case = open_test_case(world)
    assert "triage" in {t.key for t in home_work(world.user("clerk")).tiles}
    handler_key = next(k for k, p in world.people.items() if p.pk == case.handler_id)
    assert _tiles(world.user(handler_key))["assigned"] == 1


@pytest.mark.parametrize("who", ["clerk", "mo", "officer", "councillor"])
def test_home_page_links_each_count_to_its_list_and_says_where_to_look_when_zero(
    world, as_user, django_assert_max_num_queries, who
):
    late = open_test_case(world)
    _due(late, timezone.now() - datetime.timedelta(days=1))
    client = as_user(who)
    client.get("/")  # stamps the session
    # The budget the issue sets for the home page, whatever the counts.
    with django_assert_max_num_queries(10):
        response = client.get("/")
    body = response.content.decode()
    assert '<h1 class="govuk-heading-l">Your work</h1>' in body
    if who not in ("clerk", "mo"):
        assert "No email is waiting" not in body  # nothing to triage
        return
    assert 'href="/cases/?work=overdue"' in body
    assert "No email is waiting to be placed on a case." in body
    listed = client.get("/cases/?work=overdue").context["cases"]
    assert [c.pk for c in listed] == [late.pk]


def test_information_requests_waiting_for_my_decision(client):
    """Lancaster 8: the policy's decider decides; the count and its list agree."""
    from tests.info_requests.factories import make_cast, make_request

    cast = make_cast()
    request = make_request(cast)
    assert request.decider == cast.decider
    tiles = {t.key: t for t in home_work(cast.user("decider")).tiles}
    assert tiles["to_decide"].count == 1
    client.force_login(cast.user("decider"))
    listed = client.get(tiles["to_decide"].href).context["rows"]
    assert [row["request"].pk for row in listed] == [request.pk]
    # The member who asked decides nothing, and is not shown the count.
    assert "to_decide" not in {t.key for t in home_work(cast.user("member")).tiles}


@pytest.mark.usefixtures("councils")
def test_the_leader_kept_informed_sees_a_count_linking_to_the_kept_informed_list():
    """Maldon 4.3 "The Leader must always be kept informed": the Leader's home page counts the
    open cases a route keeps them informed of and links to that list; the Opposition Leader, who
    is not kept informed, is shown no such count; a closed case drops out of it."""
    import datetime

    from django.test import Client
    from django.utils import timezone

    from cases import services
    from cases.models import CaseType
    from contacts.models import Person
    from tests.factories import user_for

    maldon = {p.key: p for p in Person.objects.filter(council__slug="maldon")}
    case = services.open_case(
        council=maldon["daniel-frost"].council,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by=maldon["daniel-frost"],
        about=maldon["cllr-tom-castleton"],
        channel="email",
        received_at=timezone.now() - datetime.timedelta(hours=1),
        summary="The concern, in the officer's words.",
        actor=None,
    )

    def home_of(key: str) -> str:
        person = maldon[key]
        client = Client()
        client.force_login(person.user if person.user_id else user_for(person))
        return client.get("/").content.decode()

    leader = home_of("cllr-margaret-ashdown")
    assert 'href="/cases/kept-informed/"' in leader
    assert "Cases you are kept informed of" in leader
    assert "Cases you are kept informed of" not in home_of("cllr-richard-fenwick")

    services.withdraw_case(case=case, actor=None, reason="Resolved between them")
    assert "Cases you are kept informed of" not in home_of("cllr-margaret-ashdown")
