"""The shipped councils (fixtures/councils/*.yaml) and the demo logins of the contract."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseState, ClockRule, ProtocolVariant, VariantStatus, VariantStep
from contacts.models import (
    ClosureDay,
    Council,
    Person,
    PoliticalGroup,
    Role,
    RoleAssignment,
    Ward,
)
from contacts.selectors import UserGroup, monitoring_officer_council_ids, role_holder, role_holders

PASSWORD = "protocol-demo-2026"
MODELS = (
    Council,
    ClosureDay,
    Ward,
    PoliticalGroup,
    Person,
    RoleAssignment,
    ProtocolVariant,
    VariantStep,
    ClockRule,
)


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """Load the councils and demo logins once per module, inside a transaction rolled back at
    the end: every test runs in a savepoint within it, so a test's writes vanish with the test
    and the module's data with the module (the suite's other modules never see it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_demo", verbosity=0, sample_cases=False)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def shipped(demo_module, db) -> dict[str, Council]:
    return {c.slug: c for c in Council.objects.all()}


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


# -- idempotence ----------------------------------------------------------------------------------
def test_loading_twice_creates_and_changes_nothing(shipped):
    before = _counts()
    with CaptureQueriesContext(connection) as queries:
        call_command("load_councils", verbosity=0)
    assert _counts() == before
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert before["Council"] == 7
    # The 14 ladders of DESIGN.md, and Halstead footnote 1's two routes.
    assert before["ProtocolVariant"] == 16


# -- the contract's councils -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("slug", "name", "tier", "mo_council", "prefix"),
    [
        ("maldon", "Maldon District Council", "district", None, "MAL"),
        ("hounslow", "London Borough of Hounslow", "london_borough", None, "HOU"),
        ("lancaster", "Lancaster City Council", "district", None, "LAN"),
        ("halstead", "Halstead Town Council", "parish", "braintree", "HAL"),
        ("west-lavington", "West Lavington Parish Council", "parish", "wiltshire", "WLV"),
        ("braintree", "Braintree District Council", "district", None, "BRA"),
        ("wiltshire", "Wiltshire Council", "unitary", None, "WIL"),
    ],
)
def test_every_council_of_the_contract_is_shipped(shipped, slug, name, tier, mo_council, prefix):
    council = shipped[slug]
    assert (council.name, council.tier, council.nation) == (name, tier, "england")
    lender = council.monitoring_officer_council
    assert (lender.slug if lender else None) == mo_council
    assert council.reference_prefix == prefix


# -- the ladders of DESIGN.md ------------------------------------------------------------------
LADDERS = [
    ("maldon", "member_concern_about_officer", ["informal", "leader"]),
    ("maldon", "member_complaint_about_officer", ["head_of_paid_service"]),
    (
        "maldon",
        "officer_concern_about_member",
        ["chief_officer", "monitoring_officer", "standards_committee"],
    ),
    ("maldon", "officer_complaint_about_member", ["monitoring_officer", "standards_committee"]),
    (
        "hounslow",
        "member_complaint_about_officer",
        ["chief_officer", "head_of_paid_service", "leader"],
    ),
    ("hounslow", "officer_concern_about_member", ["monitoring_officer", "standards_committee"]),
    *[
        (
            "lancaster",
            case_type,
            ["chief_officer", "monitoring_officer", "head_of_paid_service", "standards_committee"],
        )
        for case_type in ("member_concern_about_officer", "officer_concern_about_member")
    ],
    ("lancaster", "officer_complaint_about_member", ["monitoring_officer", "standards_committee"]),
    ("lancaster", "member_complaint_about_officer", ["head_of_paid_service"]),
    ("halstead", "member_concern_about_officer", ["head_of_paid_service"]),
    (
        "halstead",
        "officer_complaint_about_member",
        ["head_of_paid_service", "monitoring_officer", "standards_committee"],
    ),
    # Halstead footnote 1: members contact the Monitoring Officer; staff grievances go to the
    # grievance procedure (the Town Clerk, then the Staff Advisory Committee as a panel).
    ("halstead", "member_complaint_about_officer", ["monitoring_officer"]),
    ("halstead", "officer_concern_about_member", ["head_of_paid_service", "personnel_committee"]),
    ("west-lavington", "member_concern_about_officer", ["informal", "personnel_committee"]),
    (
        "west-lavington",
        "officer_concern_about_member",
        ["informal", "monitoring_officer", "personnel_committee"],
    ),
]


@pytest.mark.parametrize(("slug", "case_type", "states"), LADDERS)
def test_each_shipped_ladder_climbs_the_councils_rungs_in_order(shipped, slug, case_type, states):
    variant = ProtocolVariant.objects.get(
        council=shipped[slug], case_type=case_type, status=VariantStatus.PUBLISHED
    )
    steps = variant.ordered_steps()
    assert [s.state for s in steps] == states
    assert [s.position for s in steps] == list(range(1, len(states) + 1))
    assert all(s.label and s.protocol_reference for s in steps)
    assert variant.version == 1


def test_exactly_the_designed_ladders_are_shipped(shipped):
    shipped = set(ProtocolVariant.objects.values_list("council__slug", "case_type"))
    assert shipped == {(slug, case_type) for slug, case_type, _ in LADDERS}
    # Braintree and Wiltshire only lend their Monitoring Officers.
    assert not ProtocolVariant.objects.filter(council__slug__in=["braintree", "wiltshire"]).exists()


def test_every_step_has_a_handler_today(shipped):
    today = timezone.localdate()
    for step in VariantStep.objects.select_related("variant__council"):
        council = step.variant.council
        holders = role_holders(council=council, role=step.handler_role, on=today)
        assert holders, f"{council.slug} {step.variant.case_type} step {step.position}"
        for role in step.inform_roles:
            assert role_holders(council=council, role=role, on=today), (council.slug, role)


@pytest.mark.parametrize(
    ("parish", "lender"), [("halstead", "braintree"), ("west-lavington", "wiltshire")]
)
def test_a_parish_monitoring_officer_step_goes_to_the_lenders_mo(shipped, parish, lender):
    steps = VariantStep.objects.filter(
        variant__council__slug=parish, handler_role=Role.MONITORING_OFFICER
    )
    assert steps.exists()
    holder = role_holder(council=shipped[parish], role=Role.MONITORING_OFFICER)
    assert holder is not None
    assert holder.council.slug == lender
    # Recorded against the lender, not the parish.
    assert not RoleAssignment.objects.filter(
        council=shipped[parish], role__in=[Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER]
    ).exists()
    deputies = role_holders(council=shipped[parish], role=Role.MONITORING_OFFICER)
    assert [h.is_deputy for h in deputies] == [False, True]


def test_maldon_informal_concern_carries_the_two_clocks_of_2_2(shipped):
    step = VariantStep.objects.get(
        variant__council__slug="maldon",
        variant__case_type="member_concern_about_officer",
        state=CaseState.INFORMAL,
    )
    clocks = {c.kind: (c.length, c.unit, c.calendar, c.only_channel) for c in step.clocks.all()}
    assert clocks == {
        "response": (7, "calendar_days", "council", ""),
        "acknowledgement": (3, "working_days", "council", "email"),
    }
    assert step.variant.informal_wording_check is True
    # No other shipped step has a clock: where a protocol is silent, ship none.
    assert ClockRule.objects.exclude(step=step).count() == 0


def test_maldon_leader_is_always_kept_informed_of_an_officers_concern(shipped):
    step = VariantStep.objects.get(
        variant__council__slug="maldon",
        variant__case_type="officer_concern_about_member",
        position=1,
    )
    assert step.handler_role == Role.DIRECTOR
    assert Role.LEADER in step.inform_roles


def test_wording_check_is_on_only_for_maldons_informal_routes(shipped):
    checked = set(
        ProtocolVariant.objects.filter(informal_wording_check=True).values_list(
            "council__slug", "case_type"
        )
    )
    assert checked == {
        ("maldon", "member_concern_about_officer"),
        ("maldon", "officer_concern_about_member"),
    }


# -- the roles the protocols name ----------------------------------------------------------------
DISTRICT_ROLES = [
    Role.HEAD_OF_PAID_SERVICE,
    Role.MONITORING_OFFICER,
    Role.DEPUTY_MONITORING_OFFICER,
    Role.CHIEF_FINANCE_OFFICER,
    Role.LEADER,
    Role.OPPOSITION_LEADER,
    Role.GROUP_LEADER,
    Role.CHAIRMAN,
    Role.STANDARDS_COMMITTEE_MEMBER,
    Role.CASE_ADMINISTRATOR,
]
REQUIRED_ROLES = {
    "maldon": [*DISTRICT_ROLES, Role.DIRECTOR],
    "hounslow": [*DISTRICT_ROLES, Role.CHIEF_OFFICER, Role.DIRECTOR, Role.HUMAN_RESOURCES],
    "lancaster": [*DISTRICT_ROLES, Role.SERVICE_HEAD],
    "braintree": DISTRICT_ROLES,
    "wiltshire": DISTRICT_ROLES,
    "halstead": [
        Role.CLERK,
        Role.HEAD_OF_PAID_SERVICE,
        Role.CHAIRMAN,
        Role.GROUP_LEADER,
        Role.CHIEF_FINANCE_OFFICER,
        Role.PERSONNEL_COMMITTEE_MEMBER,
        Role.MONITORING_OFFICER,
        Role.DEPUTY_MONITORING_OFFICER,
    ],
    "west-lavington": [
        Role.CLERK,
        Role.HEAD_OF_PAID_SERVICE,
        Role.CHAIRMAN,
        Role.PERSONNEL_COMMITTEE_MEMBER,
        Role.MONITORING_OFFICER,
        Role.DEPUTY_MONITORING_OFFICER,
    ],
}


@pytest.mark.parametrize(("slug", "roles"), REQUIRED_ROLES.items())
def test_every_role_the_protocols_name_has_a_holder(shipped, slug, roles):
    vacant = [
        role
        for role in roles
        if not role_holders(council=shipped[slug], role=role, include_deputies=False)
    ]
    assert vacant == []


def test_a_parish_clerk_is_also_its_head_of_paid_service(shipped):
    for slug in ("halstead", "west-lavington"):
        council = shipped[slug]
        assert role_holder(council=council, role=Role.CLERK) == role_holder(
            council=council, role=Role.HEAD_OF_PAID_SERVICE
        )


def test_ended_and_acting_holders_answer_for_their_dates(shipped):
    maldon, lancaster = shipped["maldon"], shipped["lancaster"]
    mo = Role.MONITORING_OFFICER
    assert role_holder(council=maldon, role=mo).key == "alison-drury"
    assert role_holder(council=maldon, role=mo, on=datetime.date(2023, 6, 1)).key == (
        "terence-wilkes"
    )
    acting = role_holders(council=maldon, role=mo, on=datetime.date(2024, 2, 1))
    assert acting[0].person.key == "samuel-okafor"
    assert acting[0].capacity == "acting"
    heads = {
        h.person.key: h.capacity for h in role_holders(council=lancaster, role=Role.SERVICE_HEAD)
    }
    assert heads.get("rahul-chauhan") == "acting"
    assert "angela-moss" not in heads


def test_every_councillor_has_a_ward_and_every_officer_a_job_title(shipped):
    for person in Person.objects.all():
        if person.kind == "councillor":
            assert person.ward is not None
            assert person.ward.council_id == person.council_id
        else:
            assert person.job_title
        assert person.key


def test_group_leaders_lead_their_own_group(shipped):
    for group in PoliticalGroup.objects.select_related("leader"):
        assert group.leader is not None
        assert group.leader.political_group_id == group.pk


# -- demo logins ----------------------------------------------------------------------------------
FIVE = ["maldon", "hounslow", "lancaster", "halstead", "west-lavington"]
LOGINS = [
    *[(f"{s}-clerk", s, UserGroup.CLERK) for s in FIVE],
    *[(f"{s}-councillor", s, UserGroup.COUNCILLOR) for s in FIVE],
    *[(f"{s}-officer", s, UserGroup.OFFICER) for s in FIVE],
    *[
        (f"{s}-mo", s, UserGroup.MONITORING_OFFICER)
        for s in ("maldon", "hounslow", "lancaster", "braintree", "wiltshire")
    ],
]


@pytest.mark.parametrize(("username", "slug", "group"), LOGINS)
def test_demo_login_signs_in_in_the_right_group_and_council(shipped, client, username, slug, group):
    assert client.login(username=username, password=PASSWORD)
    person = Person.objects.select_related("user", "council").get(user__username=username)
    assert person.council.slug == slug
    assert list(person.user.groups.values_list("name", flat=True)) == [group]
    assert not person.user.is_staff
    if group == UserGroup.COUNCILLOR:
        assert person.kind == "councillor"
    else:
        assert person.kind == "officer"


@pytest.mark.parametrize(
    ("username", "role"),
    [
        *[(f"{s}-clerk", Role.CASE_ADMINISTRATOR) for s in ("maldon", "hounslow", "lancaster")],
        ("halstead-clerk", Role.CLERK),
        ("west-lavington-clerk", Role.CLERK),
        *[
            (f"{s}-mo", Role.MONITORING_OFFICER)
            for s in ("maldon", "hounslow", "lancaster", "braintree", "wiltshire")
        ],
    ],
)
def test_clerk_and_mo_logins_belong_to_the_role_holders(shipped, username, role):
    person = Person.objects.get(user__username=username)
    assert role_holder(council=person.council, role=role) == person


# api-contract.md: `S-R` for a member of each committee that sits as a panel (R's underscores
# as hyphens); the second member gets `S-R` without "-member" (the contract's own example,
# `west-lavington-personnel-committee`), so two members of one panel can each act.
_STANDARDS = Role.STANDARDS_COMMITTEE_MEMBER
_PERSONNEL = Role.PERSONNEL_COMMITTEE_MEMBER
COMMITTEE_LOGINS = [
    ("maldon-standards-committee-member", "maldon", _STANDARDS),
    ("maldon-standards-committee", "maldon", _STANDARDS),
    ("hounslow-standards-committee-member", "hounslow", _STANDARDS),
    ("hounslow-standards-committee", "hounslow", _STANDARDS),
    ("lancaster-standards-committee-member", "lancaster", _STANDARDS),
    ("lancaster-standards-committee", "lancaster", _STANDARDS),
    ("halstead-personnel-committee-member", "halstead", _PERSONNEL),
    ("halstead-personnel-committee", "halstead", _PERSONNEL),
    ("west-lavington-personnel-committee-member", "west-lavington", _PERSONNEL),
    ("west-lavington-personnel-committee", "west-lavington", _PERSONNEL),
]


@pytest.mark.parametrize(("username", "slug", "role"), COMMITTEE_LOGINS)
def test_committee_member_logins_sit_on_their_committee(shipped, client, username, slug, role):
    """Maldon 5.1, Hounslow 11.3, Lancaster 13.2 (Standards Committee); West Lavington 4.2 and
    Halstead footnote 1 (the personnel committee): each panel has members who can sign in."""
    assert client.login(username=username, password=PASSWORD)
    person = Person.objects.get(user__username=username)
    assert person.council.slug == slug
    assert person.kind == "councillor"
    assert person.pk in {h.person.pk for h in role_holders(council=shipped[slug], role=role)}
    assert list(person.user.groups.values_list("name", flat=True)) == [UserGroup.COUNCILLOR]


@pytest.mark.parametrize(
    ("username", "parish"), [("braintree-mo", "halstead"), ("wiltshire-mo", "west-lavington")]
)
def test_lenders_mo_logins_serve_their_parish(shipped, username, parish):
    person = Person.objects.get(user__username=username)
    assert shipped[parish].pk in monitoring_officer_council_ids(person)


def test_admin_is_a_superuser_and_wrong_passwords_are_refused(shipped, client):
    assert client.login(username="admin", password=PASSWORD)
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    client.logout()
    assert not client.login(username="maldon-clerk", password="wrong-password")
    assert not client.login(username="halstead-mo", password=PASSWORD)  # Halstead borrows its MO


def test_load_demo_twice_duplicates_nothing(shipped):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    users = get_user_model().objects.count()
    before = _counts()
    call_command("load_demo", verbosity=0, sample_cases=False)
    assert get_user_model().objects.count() == users == 39 + len(COMMITTEE_LOGINS)
    assert set(Group.objects.values_list("name", flat=True)) == set(UserGroup.ALL)
    assert _counts() == before
    assert Person.objects.filter(user__isnull=False).count() == 38 + len(COMMITTEE_LOGINS)


# -- sample cases ---------------------------------------------------------------------------------
def test_sample_cases_are_realistic_and_never_duplicated(shipped):
    from cases.models import Case

    call_command("load_demo", verbosity=0)
    cases = {c.idempotency_key: c for c in Case.objects.select_related("council", "handler")}
    assert len(cases) >= 5
    now = timezone.now()
    recent, old = cases["demo-1"], cases["demo-2"]
    for case in (recent, old):
        assert case.council.slug == "maldon"
        assert case.channel == "email"
        assert {d.kind for d in case.deadlines.all()} == {"acknowledgement", "response"}
    ack = recent.deadlines.get(kind="acknowledgement")
    # Running, and due within days (a fortnight covers Christmas closures and bank holidays).
    assert now < ack.due_at < now + datetime.timedelta(days=14)
    assert ack.met_at is None
    assert all(d.due_at < now for d in old.deadlines.all())  # overdue
    # Escalated samples sit on a later rung, with a handler from the right council.
    halstead = cases["demo-6"]
    assert halstead.state == CaseState.MONITORING_OFFICER
    assert halstead.handler is not None
    assert halstead.handler.council.slug == "braintree"
    assert cases["demo-5"].state == CaseState.MONITORING_OFFICER  # Lancaster: MO before CE

    call_command("load_demo", verbosity=0)
    assert Case.objects.count() == len(cases)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "person_key", "role", "service"),
    [
        # api-contract.md: `S-R` for one holder, `S-R-<service slug>` for the others.
        ("maldon-leader", "cllr-margaret-ashdown", "leader", None),
        ("maldon-head-of-paid-service", "helen-marchbank", "head_of_paid_service", None),
        ("maldon-director", "nadia-petrova", "director", "resources"),
        ("maldon-director-service-delivery", "owen-treharne", "director", "service-delivery"),
        ("hounslow-chief-officer", "claire-whitfield", "chief_officer", "finance-and-resources"),
        ("hounslow-chief-officer-place", "marcus-adeyemi", "chief_officer", "place"),
        ("hounslow-director", "david-lindqvist", "director", "housing"),
        ("lancaster-service-head", "gemma-thorpe", "service_head", None),
        ("lancaster-service-head-planning-and-place", "rahul-chauhan", "service_head", None),
    ],
)
def test_every_decision_maker_has_a_demo_login(shipped, username, person_key, role, service):
    """Issue #20: each Director / Service Head / Chief Officer in a route, the Leader and the
    Head of Paid Service can walk their journey in the browser under their own login."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    assert user.check_password("protocol-demo-2026")
    assert user.person.key == person_key
    held = user.person.role_assignments.filter(role=role)
    assert held.exists()
    if service:
        assert held.filter(service__slug=service).exists()
