"""`visible_cases_for` is the one answer to "who sees what": list, detail, API and the web page
must agree for every role, and for every demo login of the contract."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import selectors, services
from cases.models import Case, CaseType
from cases.selectors import Access, case_access, case_for, case_list, visible_cases_for
from contacts.models import Council, Person
from contacts.selectors import UserGroup
from tests.factories import (
    CouncilFactory,
    CouncillorFactory,
    OfficerFactory,
    RoleAssignmentFactory,
    UserFactory,
    make_variant,
    user_for,
)

from .factories import build_world, loaded_for_module, open_test_case


def _api_ids(user) -> set[int]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    ids: set[int] = set()
    url: str | None = "/api/cases/?page_size=100"
    while url:
        body = client.get(url).json()
        ids |= {c["id"] for c in body["results"]}
        url = body["next"]
    return ids


def assert_one_answer(user, all_cases: list[Case], *, web: bool = False) -> set[int]:
    """List (selector and API), detail (selector, API and web page) agree for `user`."""
    visible = set(visible_cases_for(user).values_list("pk", flat=True))
    assert set(case_list(user).values_list("pk", flat=True)) == visible
    assert _api_ids(user) == visible
    api = APIClient()
    api.force_authenticate(user)
    browser = Client()
    if web:
        browser.force_login(user)
    # Through the API and the web page: every visible case, and one hidden case per council
    # (the selector itself is asked about every case).
    hidden_sample = {c.council_id: c.pk for c in all_cases if c.pk not in visible}
    for case in all_cases:
        expected = case.pk in visible
        assert (case_access(user, case) is not None) == expected, (user, case.reference)
        if not expected and case.pk not in hidden_sample.values():
            continue
        try:
            case_for(user, case.reference)
            found = True
        except Http404:
            found = False
        assert found == expected, (user, case.reference)
        assert api.get(f"/api/cases/{case.pk}/").status_code == (200 if expected else 404)
        if web:
            status = browser.get(f"/cases/{case.reference}/").status_code
            assert status == (200 if expected else 404), (user.username, case.reference, status)
    return visible


# -- roles, with factories ----------------------------------------------------------------------
@pytest.fixture
def two_councils(db):
    world = build_world()
    other = build_world("otherton", "OTH")
    return world, other


ROLE_TABLE = [
    # (login, which of case A (about officer) / B (officer concern) / C (other council) it sees)
    ("clerk", {"A", "B"}),
    ("mo", {"A", "B"}),
    ("deputy_mo", {"A", "B"}),
    ("director", {"A"}),  # handler of A's first rung
    ("councillor", {"A"}),  # raised A
    ("officer", {"A", "B"}),  # A is about them; they raised B
    ("councillor2", {"B"}),  # B is about them
    ("officer2", set()),
    # Kept informed of A (Maldon 4.3 "The Leader must always be kept informed"): reads it.
    ("leader", {"A"}),
    ("ceo", set()),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("login", "sees"), ROLE_TABLE)
def test_visibility_by_role(two_councils, login, sees):
    world, other = two_councils
    cases = {
        "A": open_test_case(world),
        "B": open_test_case(
            world,
            case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
            raised_by="officer",
            about="councillor2",
        ),
        "C": open_test_case(other),
    }
    user = world.user(login)
    visible = assert_one_answer(user, list(cases.values()))
    assert visible == {cases[k].pk for k in sees}


@pytest.mark.django_db
def test_past_handlers_keep_sight_and_grants_add_it(two_councils):
    world, _ = two_councils
    case = open_test_case(world)
    director = world.user("director")
    case = services.escalate_case(case=case, actor=director, reason="")
    assert case.handler == world["mo"]
    assert case.pk in assert_one_answer(director, [case])  # a past handler
    reviewer = world.user("officer2")
    assert case.pk not in assert_one_answer(reviewer, [case])
    services.grant_case_access(case=case, actor=world.user("clerk"), user=reviewer)
    assert case.pk in assert_one_answer(reviewer, [case])
    assert case_access(reviewer, case) == Access.FULL


@pytest.mark.django_db
def test_group_membership_is_required_for_council_wide_sight(two_councils):
    world, _ = two_councils
    case = open_test_case(world)
    clerk = world.user("clerk")
    clerk.groups.clear()
    assert not visible_cases_for(clerk).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_borrowed_monitoring_officer_sees_the_parish():
    district = CouncilFactory(slug="bigdistrict", reference_prefix="BIG")
    parish = CouncilFactory(
        slug="smalltown", tier="parish", reference_prefix="SML", monitoring_officer_council=district
    )
    mo = OfficerFactory(council=district, job_title="Monitoring Officer")
    RoleAssignmentFactory(person=mo, council=district, role="monitoring_officer")
    mo_user = user_for(mo, UserGroup.MONITORING_OFFICER)
    make_variant(
        parish,
        CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
        [("monitoring_officer", "monitoring_officer")],
    )
    clerk = OfficerFactory(council=parish, job_title="Clerk")
    member = CouncillorFactory(council=parish)

    def open_one() -> Case:
        return services.open_case(
            council=parish,
            case_type=CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER,
            raised_by=clerk,
            about=member,
            channel="letter",
            received_at=timezone.now(),
            summary="Code breach",
            actor=None,
        )

    case = open_one()
    assert case.handler == mo
    assert assert_one_answer(mo_user, [case]) == {case.pk}
    # Once the role has ended, a new parish case is out of sight; the old one stays visible
    # because they handled it.
    mo.role_assignments.update(ends_on=timezone.localdate() - timezone.timedelta(days=1))
    later = open_one()
    assert later.handler is None
    assert assert_one_answer(mo_user, [case, later]) == {case.pk}


@pytest.mark.django_db
def test_superuser_sees_all_and_anonymous_nothing(two_councils):
    world, other = two_councils
    a, c = open_test_case(world), open_test_case(other)
    admin = UserFactory(is_superuser=True, is_staff=True)
    every = set(Case.objects.values_list("pk", flat=True))
    assert {a.pk, c.pk} <= every
    assert set(visible_cases_for(admin).values_list("pk", flat=True)) == every
    assert not visible_cases_for(AnonymousUser()).exists()


@pytest.mark.django_db
def test_visibility_is_one_sql_statement(two_councils, django_assert_num_queries):
    world, _ = two_councils
    open_test_case(world)
    user = world.user("mo")
    with django_assert_num_queries(1):
        assert len(list(visible_cases_for(user))) == 1
    with django_assert_num_queries(1):
        rows = list(case_list(user))
        assert [r.raised_by.name for r in rows]  # select_related: no extra query


@pytest.mark.django_db
def test_parties_never_see_internal_notes(two_councils):
    world, _ = two_councils
    case = open_test_case(world)
    services.add_note(
        case=case, actor=world.user("director"), body="Internal view", visibility="internal"
    )
    services.add_note(case=case, actor=world.user("director"), body="For both", visibility="shared")
    for party in ("councillor", "officer"):
        user = world.user(party)
        assert case_access(user, case) == Access.PARTY
        assert [n.body for n in selectors.visible_notes(user, case)] == ["For both"]
    for officer in ("director", "clerk", "mo"):
        user = world.user(officer)
        assert case_access(user, case) == Access.FULL
        assert [n.body for n in selectors.visible_notes(user, case)] == [
            "Internal view",
            "For both",
        ]
    assert not selectors.visible_notes(world.user("officer2"), case).exists()


@pytest.mark.django_db
def test_case_list_filters(two_councils):
    world, _ = two_councils
    a = open_test_case(world)
    b = open_test_case(
        world,
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="officer",
        about="councillor2",
    )
    user = world.user("clerk")
    assert set(case_list(user, state="monitoring_officer").values_list("pk", flat=True)) == {b.pk}
    assert set(
        case_list(user, case_type="member_concern_about_officer").values_list("pk", flat=True)
    ) == {a.pk}
    assert set(case_list(user, handler=world["director"]).values_list("pk", flat=True)) == {a.pk}
    assert set(case_list(user, council="testshire").values_list("pk", flat=True)) == {a.pk, b.pk}
    assert set(case_list(user, search=a.reference).values_list("pk", flat=True)) == {a.pk}
    assert set(case_list(user, search="cllr councillor2").values_list("pk", flat=True)) == {b.pk}
    assert not case_list(user, overdue=True).exists()
    # Make one clock overdue.
    past = timezone.now() - timezone.timedelta(days=1)
    a.deadlines.update(starts_at=past - timezone.timedelta(days=7), due_at=past)
    assert set(case_list(user, overdue=True).values_list("pk", flat=True)) == {a.pk}
    assert case_list(user).get(pk=a.pk).is_overdue is True


# -- every demo login (issue 4 "Done when") -----------------------------------------------------
@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=True):
        with django_db_blocker.unblock():
            _extra_demo_cases()
        yield


def _extra_demo_cases() -> None:
    """One more case per council between demo people, so every login has something to see or
    not see beyond the sample cases."""
    users = get_user_model().objects
    for slug in ("maldon", "hounslow", "lancaster", "halstead", "west-lavington"):
        council = Council.objects.get(slug=slug)
        officer = Person.objects.get(user__username=f"{slug}-officer")
        councillor = Person.objects.get(user__username=f"{slug}-councillor")
        for variant in council.variants.filter(status="published"):
            kinds = CaseType(variant.case_type)
            raiser = councillor if kinds.raiser_kind == "councillor" else officer
            subject = officer if kinds.subject_kind == "officer" else councillor
            services.open_case(
                council=council,
                case_type=variant.case_type,
                raised_by=raiser,
                about=subject,
                channel="email",
                received_at=timezone.now(),
                summary=f"Demo {variant.case_type}",
                actor=users.get(username=f"{slug}-clerk"),
            )


DEMO_LOGINS = (
    ["admin"]
    + [
        f"{slug}-{role}"
        for slug in ("maldon", "hounslow", "lancaster", "halstead", "west-lavington")
        for role in ("clerk", "councillor", "officer")
    ]
    + ["maldon-mo", "hounslow-mo", "lancaster-mo", "braintree-mo", "wiltshire-mo"]
)


@pytest.mark.django_db
@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_demo_login_gets_one_answer(demo_data, username):
    user = get_user_model().objects.get(username=username)
    cases = list(Case.objects.select_related("council"))
    assert len(cases) >= 20
    visible = assert_one_answer(user, cases, web=True)
    councils = {c.council.slug for c in cases if c.pk in visible}
    if username == "admin":
        assert visible == {c.pk for c in cases}
    elif username.endswith("-clerk"):
        assert councils == {username.removesuffix("-clerk")}
        assert visible == {c.pk for c in cases if c.council.slug in councils}
    elif username == "braintree-mo":
        assert councils == {"halstead"}
        assert visible == {c.pk for c in cases if c.council.slug == "halstead"}
    elif username == "wiltshire-mo":
        assert councils == {"west-lavington"}
    elif username.endswith("-mo"):
        slug = username.removesuffix("-mo")
        assert visible == {c.pk for c in cases if c.council.slug == slug}
    else:
        person = user.person
        own = {c.pk for c in cases if person.pk in (c.raised_by_id, c.about_id)}
        assert own
        assert own <= visible
        assert councils <= {person.council.slug}


@pytest.mark.django_db
def test_parties_are_not_told_why_a_handler_was_chosen(two_councils):
    from contacts.models import PersonalRelationship

    world, _ = two_councils
    PersonalRelationship.objects.create(
        council=world.council,
        person=world["councillor"],
        related_person=world["director"],
        nature="partner",
        declared_on=timezone.localdate(),
    )
    case = case_for(world.user("clerk"), open_test_case(world).pk)
    # Maldon 5.1 (issue #23): the reason never names the relationship, for anyone.
    assert "cannot handle this case" in case.handler_reason
    assert "relationship" not in case.handler_reason
    party_events = selectors.visible_events(case, Access.PARTY)
    full_events = selectors.visible_events(case, Access.FULL)
    assigned = [e for e in party_events if e.action == "assigned"]
    assert assigned
    assert all(e.reason == "" for e in assigned)
    assert any("cannot handle this case" in e.reason for e in full_events)
    assert selectors.public_handler_reason(case, Access.PARTY) == ""
    assert "cannot handle this case" in selectors.public_handler_reason(case, Access.FULL)
