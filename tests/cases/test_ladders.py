"""Every shipped variant (fixtures/councils/*.yaml), walked from opening to its last step.

The expected rungs are DESIGN.md's "Ladders to ship" table, i.e. the five protocols: Lancaster
13.1 asks the Monitoring Officer *before* the Chief Executive, Maldon 5.1 sends an officer's
complaint about a member to the Standards Committee via the MO, Halstead and West Lavington use
the district's / unitary's MO.
"""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseState,
    CaseType,
    EventAction,
    ProtocolVariant,
    VariantStatus,
)
from contacts.models import Council, Person, RoleAssignment
from contacts.selectors import UserGroup
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from tests.factories import user_for

from .factories import loaded_for_module

EXPECTED: dict[tuple[str, str], list[str]] = {
    ("maldon", "member_concern_about_officer"): ["informal", "leader"],  # 2.1-2.3
    ("maldon", "member_complaint_about_officer"): ["head_of_paid_service"],  # 3.1
    ("maldon", "officer_concern_about_member"): [
        "chief_officer",
        "monitoring_officer",
        "standards_committee",
    ],  # 4.2-4.3, 5.1
    ("maldon", "officer_complaint_about_member"): ["monitoring_officer", "standards_committee"],
    ("hounslow", "member_complaint_about_officer"): [
        "chief_officer",
        "head_of_paid_service",
        "leader",
    ],  # 11.2
    ("hounslow", "officer_concern_about_member"): ["monitoring_officer", "standards_committee"],
    ("lancaster", "member_concern_about_officer"): [
        "chief_officer",
        "monitoring_officer",
        "head_of_paid_service",
        "standards_committee",
    ],  # 13.1-13.2
    ("lancaster", "officer_concern_about_member"): [
        "chief_officer",
        "monitoring_officer",
        "head_of_paid_service",
        "standards_committee",
    ],
    ("lancaster", "officer_complaint_about_member"): ["monitoring_officer", "standards_committee"],
    ("lancaster", "member_complaint_about_officer"): ["head_of_paid_service"],  # 6.3
    ("halstead", "member_concern_about_officer"): ["head_of_paid_service"],  # 4.2
    ("halstead", "officer_complaint_about_member"): [
        "head_of_paid_service",
        "monitoring_officer",
        "standards_committee",
    ],  # 4.3
    # Halstead footnote 1: members contact the Monitoring Officer; staff grievances (not Code of
    # Conduct matters) go to the grievance procedure.
    ("halstead", "member_complaint_about_officer"): ["monitoring_officer"],
    ("halstead", "officer_concern_about_member"): ["head_of_paid_service", "personnel_committee"],
    ("west-lavington", "member_concern_about_officer"): ["informal", "personnel_committee"],
    ("west-lavington", "officer_concern_about_member"): [
        "informal",
        "monitoring_officer",
        "personnel_committee",
    ],  # 4.1-4.3
}


@pytest.fixture(scope="module", autouse=True)
def _shipped(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_councils"):
        yield


def _pick(council: Council, kind: str, *, exclude: set[int] = frozenset()) -> Person:
    """Someone of `kind` at `council`, preferring a person who holds no role there."""
    people = Person.objects.filter(council=council, kind=kind).exclude(pk__in=exclude)
    today = timezone.localdate()
    holders = RoleAssignment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today
    ).values("person_id")
    person = people.exclude(pk__in=holders).order_by("pk").first() or people.order_by("pk").first()
    assert person is not None, f"{council.name} has no {kind} to raise a case"
    return person


def _open(slug: str, case_type: str) -> Case:
    council = Council.objects.get(slug=slug)
    kinds = CaseType(case_type)
    raiser = _pick(council, kinds.raiser_kind)
    subject = _pick(council, kinds.subject_kind, exclude={raiser.pk})
    return services.open_case(
        council=council,
        case_type=case_type,
        raised_by=raiser,
        about=subject,
        channel="email",
        received_at=timezone.now(),
        summary="Walking the ladder",
        actor=None,
    )


@pytest.mark.django_db
def test_every_route_of_the_protocols_is_shipped():
    shipped = set(
        ProtocolVariant.objects.filter(status=VariantStatus.PUBLISHED).values_list(
            "council__slug", "case_type"
        )
    )
    assert shipped == set(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "case_type"), sorted(EXPECTED))
def test_walk_the_ladder(slug, case_type):
    expected = EXPECTED[(slug, case_type)]
    case = _open(slug, case_type)
    steps = case.variant.ordered_steps()
    assert [s.state for s in steps] == expected
    parties = {case.raised_by_id, case.about_id}
    for position, state in enumerate(expected, start=1):
        if position > 1:
            case = services.escalate_case(case=case, actor=None, reason=f"to {state}")
        step = steps[position - 1]
        assert case.state == state
        assert case.step_position == position
        assert case.current_step.label == step.label
        assert step.label.strip()
        # Somebody independent handles every rung (one person, or a committee's panel: Maldon
        # 5.1, West Lavington 4.2), and the case says why.
        panel = set(case.panel_member_ids())
        if panel:
            assert case.handler_id is None
            assert not panel & parties
        else:
            assert case.handler_id is not None, case.handler_reason
            assert case.handler_id not in parties
        assert case.handler_reason
    assert (
        CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).count()
        == len(expected) - 1
    )
    # Past the top: refused with the council's own words for the last rung.
    with pytest.raises(ActionNotAllowed) as exc:
        services.escalate_case(case=case, actor=None, reason="")
    council = case.council.name
    assert str(exc.value) == (
        f"{case.reference} is already at the last step of {council}'s route: {steps[-1].label}."
    )
    # Closed: nothing more but reopening.
    case = services.resolve_case(case=case, actor=None, outcome="Settled")
    assert case.state == CaseState.RESOLVED
    for act in (
        lambda: services.escalate_case(case=case, actor=None, reason=""),
        lambda: services.acknowledge_case(case=case, actor=None),
        lambda: services.withdraw_case(case=case, actor=None, reason=""),
    ):
        with pytest.raises(ActionNotAllowed, match="is resolved"):
            act()


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "case_type"), sorted(k for k in EXPECTED if len(EXPECTED[k]) > 1))
def test_the_raiser_escalates_only_where_the_route_allows(slug, case_type):
    case = _open(slug, case_type)
    raiser = user_for(case.raised_by, UserGroup.OFFICER)
    if case.variant.parties_may_escalate:
        case = services.escalate_case(case=case, actor=raiser, reason="Still unresolved")
        assert case.step_position == 2
    else:
        with pytest.raises(PermissionRefused, match="does not let the person who raised"):
            services.escalate_case(case=case, actor=raiser, reason="Still unresolved")
        assert Case.objects.get(pk=case.pk).step_position == 1


@pytest.mark.django_db
def test_hounslow_complaint_about_the_chief_executive_goes_to_the_mo():
    """Hounslow 11.2: 'Where the complaint relates to the Chief Executive, it should be raised
    with the Monitoring Officer.'"""
    council = Council.objects.get(slug="hounslow")
    today = timezone.localdate()
    ceo = (
        RoleAssignment.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            council=council,
            role="head_of_paid_service",
            starts_on__lte=today,
        )
        .select_related("person")
        .first()
        .person
    )
    case = services.open_case(
        council=council,
        case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER,
        raised_by=_pick(council, "councillor"),
        about=ceo,
        channel="letter",
        received_at=timezone.now(),
        summary="About the Chief Executive",
        actor=None,
    )
    case = services.escalate_case(case=case, actor=None, reason="Not satisfied")
    assert case.state == "head_of_paid_service"
    mo = RoleAssignment.objects.filter(council=council, role="monitoring_officer").first().person
    assert case.handler == mo
    assert "This case is about the Head of Paid Service, so this step goes to the Monitoring " in (
        case.handler_reason
    )
    assert "(Hounslow 11.2)" in case.handler_reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "lender"), [("halstead", "braintree"), ("west-lavington", "wiltshire")]
)
def test_parishes_reach_the_lending_councils_monitoring_officer(slug, lender):
    case_type = (
        CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER
        if slug == "halstead"
        else CaseType.OFFICER_CONCERN_ABOUT_MEMBER
    )
    case = _open(slug, case_type)
    case = services.escalate_case(case=case, actor=None, reason="")
    assert case.state == "monitoring_officer"
    assert case.handler.council.slug == lender
