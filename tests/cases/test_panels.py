"""Committee rungs are handled by their members as a panel, never by one councillor.

Maldon 5.1 ("formal complaint ... to the Standards Committee via the Monitoring Officer"),
Hounslow 11.3 and Lancaster 2.7 / 13.2 (the Standards Committee), West Lavington 4.2 ("The
chairman of the council should not attempt to deal with grievances ... on their own. The council
should delegate authority to a small group of councillors to deal with all personnel matters"),
West Lavington 4.5 (the disciplinary procedure), Halstead footnote 1 (the grievance procedure).
Each table row opens a case through the service layer on the shipped configuration and asserts
the members of the panel, who can read the case and who can act on it.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import routing, selectors, services
from cases.models import Case, CaseEvent, CaseState, EventAction, PanelSeat
from contacts.models import Council, Person, Role, RoleAssignment
from contacts.selectors import UserGroup, role_holders
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from tests.factories import user_for

from .factories import loaded_for_module


@pytest.fixture(scope="module", autouse=True)
def _shipped(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=False):
        yield


def _person(slug: str, key: str) -> Person:
    return Person.objects.get(council__slug=slug, key=key)


def _login(person: Person):
    """The person's login, made for the test when the demo gave them none."""
    if person.user_id is None:
        group = UserGroup.COUNCILLOR if person.is_councillor else UserGroup.OFFICER
        user_for(person, group)
    person.refresh_from_db()
    return person.user


def _open(slug: str, case_type: str, raised_by: str, about: str, *, climb_to: str) -> Case:
    council = Council.objects.get(slug=slug)
    case = services.open_case(
        council=council,
        case_type=case_type,
        raised_by=_person(slug, raised_by),
        about=_person(slug, about),
        channel="letter",
        received_at=timezone.now() - datetime.timedelta(hours=1),
        summary="A matter for the committee",
        actor=None,
    )
    while case.state != climb_to:
        case = services.escalate_case(case=case, actor=None, reason="Not resolved")
    return Case.objects.get(pk=case.pk)


def _members(slug: str, role: str) -> set[str]:
    council = Council.objects.get(slug=slug)
    return {h.person.key for h in role_holders(council=council, role=role)}


# (clause, council, case type, raised by, about, committee rung, the panel's members)
PANEL_RUNGS = [
    (
        "Maldon 5.1: officer's formal complaint to the Standards Committee",
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        "standards_committee",
        {"cllr-sunita-rao", "cllr-elaine-marsh", "cllr-graham-pettit"},
    ),
    (
        "Maldon 4.1-5.1: an officer's dispute with a member, to the Standards Committee",
        "maldon",
        "officer_concern_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        "standards_committee",
        {"cllr-sunita-rao", "cllr-elaine-marsh", "cllr-graham-pettit"},
    ),
    (
        "Hounslow 11.3: the Monitoring Officer may report it to the Standards Committee",
        "hounslow",
        "officer_concern_about_member",
        "tariq-hussain",
        "cllr-sarah-langley",
        "standards_committee",
        None,  # every current Standards Committee member of Hounslow
    ),
    (
        "Lancaster 13.2: the Standards Committee as a last resort",
        "lancaster",
        "member_concern_about_officer",
        "cllr-beth-ingram",
        "liam-hargreaves",
        "standards_committee",
        None,
    ),
    (
        "Lancaster 2.7: the Standards Committee's complaints procedure",
        "lancaster",
        "officer_complaint_about_member",
        "liam-hargreaves",
        "cllr-beth-ingram",
        "standards_committee",
        None,
    ),
    (
        "West Lavington 4.1-4.3: informal conciliation by the small group of councillors",
        "west-lavington",
        "officer_concern_about_member",
        "susan-kimber",
        "cllr-david-hatherell",
        "informal",
        {"cllr-james-olding", "cllr-rachel-norris", "cllr-margaret-tilley"},
    ),
    (
        "West Lavington 4.2-4.3: the formal grievance, never the chairman alone",
        "west-lavington",
        "officer_concern_about_member",
        "susan-kimber",
        "cllr-david-hatherell",
        "personnel_committee",
        {"cllr-james-olding", "cllr-rachel-norris", "cllr-margaret-tilley"},
    ),
    (
        "West Lavington 4.5: the council's disciplinary procedure",
        "west-lavington",
        "member_concern_about_officer",
        "cllr-david-hatherell",
        "susan-kimber",
        "personnel_committee",
        {"cllr-james-olding", "cllr-rachel-norris", "cllr-margaret-tilley"},
    ),
    (
        "Halstead footnote 1: a staff grievance, the grievance procedure",
        "halstead",
        "officer_concern_about_member",
        "jenny-cole",
        "cllr-victor-lamb",
        "personnel_committee",
        {"cllr-ann-hetherington", "cllr-linda-fairweather"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("clause", "slug", "case_type", "raised_by", "about", "rung", "members"),
    PANEL_RUNGS,
    ids=[row[0].split(":")[0] + f" {row[5]}" for row in PANEL_RUNGS],
)
def test_every_committee_rung_is_handled_by_its_panel_who_can_read_and_act(
    clause, slug, case_type, raised_by, about, rung, members
):
    case = _open(slug, case_type, raised_by, about, climb_to=rung)
    step = case.current_step
    expected = members if members is not None else _members(slug, step.handler_role)
    # Never one councillor: no single handler, and the panel is the committee's members.
    assert case.handler_id is None, clause
    panel = {p.key for p in case.panel()}
    assert panel == expected, clause
    assert len(panel) >= routing.PANEL_ROLES[step.handler_role]
    assert "as a panel" in case.handler_reason
    for person in case.panel():
        user = _login(person)
        # They see it (list, detail and API all start from the one selector)...
        assert selectors.visible_cases_for(user).filter(pk=case.pk).exists(), person.name
        assert selectors.case_access(user, case) == selectors.Access.FULL
        # ...and may act on it as the handler would.
        names = {t["name"] for t in services.available_transitions(case=case, user=user)}
        assert {"acknowledge", "respond", "resolve"} <= names, (person.name, names)
    # A councillor of the same council who is not on the panel sees nothing.
    outsider = (
        Person.objects.filter(council__slug=slug, kind="councillor")
        .exclude(key__in=panel | {raised_by, about})
        .exclude(pk__in=RoleAssignment.objects.values("person_id"))
        .first()
    )
    if outsider is not None:
        assert not selectors.visible_cases_for(_login(outsider)).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_any_panel_member_acts_and_each_action_records_who():
    """Maldon 5.1: the Standards Committee decides; whichever member acts is on the record."""
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    first, second = case.panel()[:2]
    first_user, second_user = _login(first), _login(second)
    case = services.acknowledge_case(case=case, actor=first_user)
    case = services.respond_to_case(case=case, actor=second_user, text="The panel met.")
    case = services.resolve_case(case=case, actor=first_user, outcome="No breach found.")
    assert case.state == CaseState.RESOLVED
    actors = list(
        CaseEvent.objects.filter(
            case=case,
            action__in=[EventAction.ACKNOWLEDGED, EventAction.RESPONDED, EventAction.RESOLVED],
        )
        .order_by("at", "pk")
        .values_list("action", "actor_id")
    )
    assert actors == [
        (EventAction.ACKNOWLEDGED, first_user.pk),
        (EventAction.RESPONDED, second_user.pk),
        (EventAction.RESOLVED, first_user.pk),
    ]


@pytest.mark.django_db
def test_a_councillor_off_the_panel_cannot_act_or_see_the_case():
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    # The Leader is a councillor of Maldon with a role, but not on the Standards Committee.
    leader = role_holders(council=case.council, role=Role.LEADER)[0].person
    assert leader.pk not in case.panel_member_ids()
    user = _login(leader)
    assert not selectors.visible_cases_for(user).filter(pk=case.pk).exists()
    with pytest.raises(PermissionRefused, match="you are not handling it"):
        services.resolve_case(case=case, actor=user, outcome="Decided alone")


@pytest.mark.django_db
def test_a_past_panel_member_keeps_sight_but_cannot_act_after_escalation():
    """West Lavington 4.1 then 4.2: the informal panel keeps sight once the Monitoring Officer
    has the case, but it is no longer theirs to act on."""
    case = _open(
        "west-lavington",
        "officer_concern_about_member",
        "susan-kimber",
        "cllr-david-hatherell",
        climb_to="informal",
    )
    member = case.panel()[0]
    case = services.escalate_case(case=case, actor=_login(member), reason="Not resolved")
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.MONITORING_OFFICER
    assert case.panel() == []
    assert case.handler is not None
    assert case.handler.council.slug == "wiltshire"
    user = _login(member)
    assert selectors.visible_cases_for(user).filter(pk=case.pk).exists()
    assert services.available_transitions(case=case, user=user) == []


@pytest.mark.django_db
def test_a_panel_member_who_is_a_party_does_not_sit():
    """Maldon 5.1 & 6.2: nobody judges their own case; the rest of the committee sits."""
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-sunita-rao",
        climb_to="standards_committee",
    )
    assert {p.key for p in case.panel()} == {"cllr-elaine-marsh", "cllr-graham-pettit"}
    assert "Cllr Sunita Rao is the subject of this case" in case.handler_reason


@pytest.mark.django_db
def test_the_chairman_never_deals_with_a_grievance_alone():
    """West Lavington 4.2: "The chairman of the council should not attempt to deal with
    grievances ... on their own": with only the chairman left to sit, no panel is seated and
    the case waits for a clerk or the MO, who cannot hand it to the chairman alone either."""
    council = Council.objects.get(slug="west-lavington")
    today = timezone.localdate()
    chairman = _person("west-lavington", "cllr-anthony-blackmore")
    RoleAssignment.objects.filter(council=council, role=Role.PERSONNEL_COMMITTEE_MEMBER).update(
        ends_on=today - datetime.timedelta(days=1)
    )
    RoleAssignment.objects.create(
        person=chairman,
        council=council,
        role=Role.PERSONNEL_COMMITTEE_MEMBER,
        starts_on=today - datetime.timedelta(days=10),
    )
    case = _open(
        "west-lavington",
        "member_concern_about_officer",
        "cllr-david-hatherell",
        "susan-kimber",
        climb_to="personnel_committee",
    )
    assert case.handler_id is None
    assert case.panel() == []
    assert not PanelSeat.objects.filter(case=case, step_position=case.step_position).exists()
    assert "never deals with a grievance alone (West Lavington 4.2)" in case.handler_reason
    # He heard the concern first (West Lavington 4.5), but may not act on the grievance rung.
    assert services.available_transitions(case=case, user=_login(chairman)) == []
    wiltshire_mo = role_holders(council=council, role=Role.MONITORING_OFFICER)[0].person
    with pytest.raises(ValidationError) as refused:
        services.assign_handler(
            case=case, actor=None, person=chairman, reason="Nobody else is available"
        )
    assert "never deals with a grievance or a personnel matter alone" in str(refused.value)
    # Someone independent can still be assigned by hand.
    case = services.assign_handler(
        case=case, actor=None, person=wiltshire_mo, reason="Mediation (West Lavington 4.2)"
    )
    assert case.handler_id == wiltshire_mo.pk


@pytest.mark.django_db
def test_a_panel_of_one_is_refused_for_the_personnel_committee():
    """West Lavington 4.2: "a small group of councillors": one member left is not a panel."""
    council = Council.objects.get(slug="west-lavington")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    RoleAssignment.objects.filter(
        council=council,
        role=Role.PERSONNEL_COMMITTEE_MEMBER,
        person__key__in=["cllr-rachel-norris", "cllr-margaret-tilley"],
    ).update(ends_on=yesterday)
    case = _open(
        "west-lavington",
        "member_concern_about_officer",
        "cllr-david-hatherell",
        "susan-kimber",
        climb_to="personnel_committee",
    )
    assert case.panel() == []
    assert "at least 2, and only 1 independent member can sit" in case.handler_reason


@pytest.mark.django_db
def test_a_seated_panel_is_not_replaced_by_one_handler():
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    member = case.panel()[0]
    with pytest.raises(ActionNotAllowed, match="handled by the panel"):
        services.assign_handler(case=case, actor=None, person=member, reason="Just one of them")


def test_routing_again_never_hands_a_committee_rung_to_one_member():
    """Maldon 5.1 and West Lavington 4.2: a committee rung is handled by its panel, so "route
    again by the rules" refuses there (re-forming the panel is the way) and the panel stays."""
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    seated = {p.pk for p in case.panel()}
    with pytest.raises(ActionNotAllowed, match="re-form the panel instead"):
        services.reroute_case(case=case, actor=None, reason="New structure")
    case = Case.objects.get(pk=case.pk)
    assert case.handler is None
    assert {p.pk for p in case.panel()} == seated


@pytest.mark.parametrize(
    ("holders", "chairmen", "role", "seated", "why"),
    [
        # West Lavington 4.2: a small group; the chairman never alone.
        ([1, 2, 3], [], "personnel_committee_member", (1, 2, 3), "as a panel"),
        ([1, 2], [1], "personnel_committee_member", (1, 2), "as a panel"),
        ([1], [], "personnel_committee_member", (), "at least 2"),
        ([1], [1], "personnel_committee_member", (), "never deals with a grievance alone"),
        ([1, 9], [1], "personnel_committee_member", (), "never deals with a grievance alone"),
        # Maldon 5.1: the Standards Committee may sit as one member, never as a party.
        ([4], [], "standards_committee_member", (4,), "as a panel"),
        ([9], [], "standards_committee_member", (), "at least 1, and no independent"),
        ([], [], "standards_committee_member", (), "at least 1, and no independent"),
    ],
)
def test_choose_panel(holders, chairmen, role, seated, why):
    candidates = [routing.Candidate(person_id=i, name=f"Cllr {i}", role=role) for i in holders]
    decision = routing.choose_panel(
        handler_role=role,
        candidates=candidates,
        party_ids={9},
        chairman_ids=chairmen,
        subject_id=9,
    )
    assert decision.member_ids == seated
    assert why in decision.reason


def test_only_committee_roles_sit_as_panels():
    assert routing.is_panel_role("standards_committee_member")
    assert routing.is_panel_role("personnel_committee_member")
    assert not routing.is_panel_role("monitoring_officer")
    assert not routing.is_panel_role("chairman")


@pytest.mark.django_db
def test_the_api_names_the_panel_and_lets_a_member_act():
    """api-contract.md: `stage.panel` lists the members who handle a committee rung."""
    from rest_framework.test import APIClient

    case = _open(
        "west-lavington",
        "officer_concern_about_member",
        "susan-kimber",
        "cllr-david-hatherell",
        climb_to="personnel_committee",
    )
    member = case.panel()[0]
    client = APIClient()
    client.force_authenticate(_login(member))
    body = client.get(f"/api/cases/{case.pk}/").json()
    assert body["stage"]["handler"] is None
    assert body["stage"]["panel"] == [{"id": p.pk, "name": p.name} for p in case.panel()]
    assert {t["name"] for t in client.get(f"/api/cases/{case.pk}/transitions/").json()} >= {
        "acknowledge",
        "resolve",
    }
    assert client.post(f"/api/cases/{case.pk}/acknowledge/", {}, format="json").status_code == 200
    # The subject, a councillor off the panel, reads their own case but cannot act for it;
    # another councillor off the panel gets a 404.
    outsider = _person("west-lavington", "cllr-anthony-blackmore")
    other = APIClient()
    other.force_authenticate(_login(outsider))
    # The chairman handled nothing on this route (the clerk raised it): he cannot see it.
    assert other.get(f"/api/cases/{case.pk}/").status_code == 404
    assert other.post(f"/api/cases/{case.pk}/resolve/", {"outcome": "x"}).status_code == 404


@pytest.mark.django_db
def test_the_case_page_lists_the_panel_for_a_member(client):
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    member = case.panel()[0]
    client.force_login(_login(member))
    page = client.get(f"/cases/{case.reference}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Handled by the panel:" in text
    for person in case.panel():
        assert person.name in text
    assert f"/cases/{case.reference}/resolve/" in text


@pytest.mark.django_db
def test_the_panel_is_emailed_about_the_case(mailoutbox):
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    event = CaseEvent.objects.filter(case=case, action=EventAction.ESCALATED).last()
    mailoutbox.clear()
    services.send_case_notification(case_id=case.pk, event_id=event.pk)
    sent_to = {address for message in mailoutbox for address in message.to}
    assert {p.email for p in case.panel()} <= sent_to


@pytest.mark.django_db
def test_assigned_to_me_lists_the_cases_on_my_panel(client):
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    member = case.panel()[0]
    assert selectors.case_list(_login(member), handler=member).filter(pk=case.pk).exists()
    client.force_login(member.user)
    listed = client.get("/cases/?assigned=me").content.decode()
    assert case.reference in listed
    assert "The committee's panel" in listed
    leader = role_holders(council=case.council, role=Role.LEADER)[0].person
    assert not selectors.case_list(_login(leader), handler=leader).filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_the_clerk_is_not_offered_to_change_the_handler_of_a_seated_panel(client):
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    clerk = Person.objects.get(user__username="maldon-clerk")
    assert not services.can_assign_handler(case=case, user=clerk.user)
    client.force_login(clerk.user)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Handled by the panel:" in page
    assert f"/cases/{case.reference}/handler/" not in page


@pytest.mark.django_db
def test_the_mo_re_forms_a_panel_that_could_not_sit_once_the_committee_has_members(client):
    """West Lavington 4.2: one member left is not "a small group"; once the council appoints
    another, the clerk seats the panel again (audited), and a member who has left stands down
    but keeps sight of the case."""
    council = Council.objects.get(slug="west-lavington")
    today = timezone.localdate()
    RoleAssignment.objects.filter(
        council=council,
        role=Role.PERSONNEL_COMMITTEE_MEMBER,
        person__key__in=["cllr-rachel-norris", "cllr-margaret-tilley"],
    ).update(ends_on=today - datetime.timedelta(days=1))
    case = _open(
        "west-lavington",
        "member_concern_about_officer",
        "cllr-david-hatherell",
        "susan-kimber",
        climb_to="personnel_committee",
    )
    assert case.panel() == []
    # The clerk is the subject here, so Wiltshire's Monitoring Officer (who serves the parish).
    clerk = Person.objects.get(user__username="wiltshire-mo")
    # Still only one member: refused, with the reason.
    with pytest.raises(ValidationError, match="at least 2"):
        services.reform_panel(case=case, actor=clerk.user, reason="Trying again")
    RoleAssignment.objects.create(
        person=_person("west-lavington", "cllr-rachel-norris"),
        council=council,
        role=Role.PERSONNEL_COMMITTEE_MEMBER,
        starts_on=today,
    )
    client.force_login(clerk.user)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert f"/cases/{case.reference}/panel/" in page
    response = client.post(
        f"/cases/{case.reference}/panel/", {"reason": "Cllr Norris rejoined the committee."}
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert {p.key for p in case.panel()} == {"cllr-james-olding", "cllr-rachel-norris"}
    event = CaseEvent.objects.filter(case=case, action=EventAction.ASSIGNED).last()
    assert event.actor == clerk.user
    assert event.reason.startswith("Cllr Norris rejoined the committee.")
    # Cllr Olding leaves the committee: re-formed without him, he keeps sight but cannot act.
    RoleAssignment.objects.filter(
        council=council, role=Role.PERSONNEL_COMMITTEE_MEMBER, person__key="cllr-james-olding"
    ).update(ends_on=today - datetime.timedelta(days=1))
    RoleAssignment.objects.create(
        person=_person("west-lavington", "cllr-margaret-tilley"),
        council=council,
        role=Role.PERSONNEL_COMMITTEE_MEMBER,
        starts_on=today,
    )
    case = services.reform_panel(case=case, actor=clerk.user, reason="Cllr Olding resigned.")
    case = Case.objects.get(pk=case.pk)
    assert {p.key for p in case.panel()} == {"cllr-rachel-norris", "cllr-margaret-tilley"}
    olding = _login(_person("west-lavington", "cllr-james-olding"))
    assert selectors.visible_cases_for(olding).filter(pk=case.pk).exists()
    assert services.available_transitions(case=case, user=olding) == []


@pytest.mark.django_db
def test_only_a_clerk_or_the_mo_re_forms_a_panel(client):
    case = _open(
        "maldon",
        "officer_complaint_about_member",
        "daniel-frost",
        "cllr-tom-castleton",
        climb_to="standards_committee",
    )
    member = case.panel()[0]
    with pytest.raises(PermissionRefused):
        services.reform_panel(case=case, actor=_login(member), reason="I would rather not")
    client.force_login(member.user)
    assert (
        f"/cases/{case.reference}/panel/"
        not in client.get(f"/cases/{case.reference}/").content.decode()
    )
    assert client.get(f"/cases/{case.reference}/panel/").status_code == 403
