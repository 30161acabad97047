"""Issue #20: the right person handles each rung and everyone the route keeps informed can read
the case, read-only; nobody else of the council can. One row per seed clause, opened through the
service layer on the shipped configuration (`councils`), asserting the handler, who is informed,
and who can read it through the list, the case page (web), the detail selector and the API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseType, KeptInformed, NoteVisibility
from cases.selectors import Access, case_access, case_for, case_list, visible_notes
from contacts.models import Person, Role
from protocol_site.errors import PermissionRefused
from tests.factories import user_for

pytestmark = pytest.mark.django_db


def person(council: str, key: str) -> Person:
    return Person.objects.get(council__slug=council, key=key)


def login(p: Person):
    return p.user if p.user_id else user_for(p)


@dataclass(frozen=True)
class Clause:
    """One seed clause: the case it opens, the rung it checks, and who handles, is informed,
    reads it, and may not."""

    clause: str
    council: str
    case_type: str
    raised_by: str
    about: str
    escalations: int
    handler: str  # person key, "their Director" from the shipped organisation structure
    handler_role: str
    informed: dict[str, str] = field(default_factory=dict)  # person key -> role
    informed_view: Access = Access.FULL
    outsider: str = ""  # someone of the same council who is not entitled: 404 everywhere


CLAUSES = [
    Clause(
        # "Generally if a Member has a concern they should raise this with the Officer concerned
        # and that Officer should provide a response within seven days."
        clause="Maldon 2.1-2.2",
        council="maldon",
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by="cllr-tom-castleton",
        about="daniel-frost",
        escalations=0,
        # "their Director": Daniel Frost works in Planning and Development, a team in Service
        # Delivery, whose Director is Owen Treharne (fixtures/councils/maldon.yaml).
        handler="owen-treharne",
        handler_role=Role.DIRECTOR,
        informed={},
        outsider="cllr-margaret-ashdown",  # the Leader is an optional participant, not informed
    ),
    Clause(
        # "any outstanding concerns should be addressed to the Leader of the Council who ... will
        # seek feedback on the issue of concern from the Head of Paid Service."
        clause="Maldon 2.3",
        council="maldon",
        case_type=CaseType.MEMBER_CONCERN_ABOUT_OFFICER,
        raised_by="cllr-tom-castleton",
        about="daniel-frost",
        escalations=1,
        handler="cllr-margaret-ashdown",
        handler_role=Role.LEADER,
        informed={"helen-marchbank": Role.HEAD_OF_PAID_SERVICE},
        outsider="terence-wilkes",
    ),
    Clause(
        # "Members must make any formal complaints about Officers to the Leader who will inform
        # the Head of Paid Service."
        clause="Maldon 3.1",
        council="maldon",
        case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER,
        raised_by="cllr-tom-castleton",
        about="daniel-frost",
        escalations=0,
        handler="cllr-margaret-ashdown",
        handler_role=Role.LEADER,
        informed={"helen-marchbank": Role.HEAD_OF_PAID_SERVICE},
        outsider="terence-wilkes",
    ),
    Clause(
        # "The Officer concerned should make their concerns known to their Director ... The
        # Leader must always be kept informed."
        clause="Maldon 4.3",
        council="maldon",
        case_type=CaseType.OFFICER_CONCERN_ABOUT_MEMBER,
        raised_by="daniel-frost",
        about="cllr-tom-castleton",
        escalations=0,
        # "their Director": the Director of Service Delivery, which Daniel Frost's Planning and
        # Development team sits in (fixtures/councils/maldon.yaml) - not another Director.
        handler="owen-treharne",
        handler_role=Role.DIRECTOR,
        informed={"cllr-margaret-ashdown": Role.LEADER},
        informed_view=Access.PARTY,
        outsider="cllr-richard-fenwick",  # the Opposition Leader is not kept informed
    ),
    Clause(
        # "If still dissatisfied, the Leader will discuss the matter with the Chief Executive,
        # Monitoring Officer and HR as appropriate."
        clause="Hounslow 11.2",
        council="hounslow",
        case_type=CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER,
        raised_by="cllr-harjit-gill",
        about="tariq-hussain",
        escalations=2,
        handler="cllr-amrit-sandhu",
        handler_role=Role.LEADER,
        informed={
            "niamh-gallagher": Role.HEAD_OF_PAID_SERVICE,
            "sanjay-mehta": Role.HUMAN_RESOURCES,
            "rebecca-holt": Role.MONITORING_OFFICER,
            "kwame-mensah": Role.MONITORING_OFFICER,  # the deputy stands with the MO
        },
        outsider="david-lindqvist",
    ),
]


def _open(row: Clause) -> Case:
    case = services.open_case(
        council=person(row.council, row.raised_by).council,
        case_type=row.case_type,
        raised_by=person(row.council, row.raised_by),
        about=person(row.council, row.about),
        channel="email",
        received_at=timezone.now() - datetime.timedelta(hours=1),
        summary="The concern, in the member's words.",
        actor=None,
    )
    for _ in range(row.escalations):
        case = services.escalate_case(case=case, actor=None, reason="Not resolved")
    return Case.objects.get(pk=case.pk)


def _reads(user, case: Case) -> dict[str, bool]:
    """Whether `user` reads `case` through the list, the detail selector, the API and the web."""
    api = APIClient()
    api.force_authenticate(user)
    web = Client()
    web.force_login(user)
    try:
        case_for(user, case.reference)
        detail = True
    except Http404:
        detail = False
    return {
        "list": case_list(user).filter(pk=case.pk).exists(),
        "detail": detail,
        "api": api.get(f"/api/cases/{case.pk}/").status_code == 200,
        "web": web.get(f"/cases/{case.reference}/").status_code == 200,
    }


@pytest.mark.parametrize("row", CLAUSES, ids=[c.clause for c in CLAUSES])
def test_each_clause_routes_informs_and_shows_the_case_to_the_right_people(councils, row):
    case = _open(row)
    # The handler person of the rung.
    assert case.handler == person(row.council, row.handler), case.handler_reason
    assert Role(row.handler_role) in {
        a.role for a in case.handler.role_assignments.filter(council=case.council)
    }
    assert case.handler_id not in (case.raised_by_id, case.about_id)
    # Who is kept informed of the rung.
    informed = {
        k.person.key: k.role
        for k in KeptInformed.objects.filter(case=case, step_position=case.step_position)
    }
    assert informed == row.informed
    # Who reads it: parties, the handler and the informed, through every door alike.
    everyone = {"list": True, "detail": True, "api": True, "web": True}
    readers = [case.raised_by, case.about, case.handler] + [
        person(row.council, key) for key in row.informed
    ]
    for reader in readers:
        assert _reads(login(reader), case) == everyone, reader.name
    # ...and nobody else of the council.
    outsider = login(person(row.council, row.outsider))
    assert _reads(outsider, case) == dict.fromkeys(everyone, False)


@pytest.mark.parametrize(
    "row", [c for c in CLAUSES if c.informed], ids=[c.clause for c in CLAUSES if c.informed]
)
def test_the_informed_read_in_the_variants_view_and_cannot_act(councils, row):
    case = _open(row)
    services.add_note(
        case=case, actor=None, body="Handler's working note", visibility=NoteVisibility.INTERNAL
    )
    for key in row.informed:
        user = login(person(row.council, key))
        case = case_for(user, case.reference)
        assert case_access(user, case) == row.informed_view
        internal = visible_notes(user, case).filter(visibility=NoteVisibility.INTERNAL).exists()
        assert internal == (row.informed_view == Access.FULL)
        # Read-only: no action offered, every action refused (403 through the API).
        assert services.available_transitions(case=case, user=user) == []
        with pytest.raises(PermissionRefused):
            services.escalate_case(case=case, actor=user, reason="I was only told")
        api = APIClient()
        api.force_authenticate(user)
        assert api.post(f"/api/cases/{case.pk}/resolve/", {"outcome": "x"}).status_code == 403
        # The API shows the same view: the parties' view leaves out internal-note events and
        # why the handler was chosen.
        history = api.get(f"/api/cases/{case.pk}/").json()["history"]
        noted = any(e["action"] == "note_added" for e in history)
        assert noted == (row.informed_view == Access.FULL)
        reasons = [e["reason"] for e in history if e["action"] == "assigned"]
        assert all(reasons) == (row.informed_view == Access.FULL)
        web = Client()
        web.force_login(user)
        page = web.get(f"/cases/{case.reference}/").content.decode()
        # A past handler (Hounslow's Chief Executive handled rung 2) reads it as such.
        handled = case.assignments.filter(person__key=key).exists()
        assert ("keeps you informed of this case" in page) == (not handled)
        assert "What you can do" not in page
        assert f"/cases/{case.reference}/notes/new/" not in page
        listing = web.get("/cases/kept-informed/").content.decode()
        assert case.reference in listing


def test_maldon_2_2_the_officer_concerned_is_told_and_acknowledges_and_responds(
    councils, django_capture_on_commit_callbacks
):
    """Maldon 2.2: "If the concern is expressed via email the Officer shall contact the Member
    within three working days" and "that Officer should provide a response within seven days":
    the officer concerned is emailed when the case opens, and both duties are theirs."""
    row = CLAUSES[0]
    with django_capture_on_commit_callbacks(execute=True):
        case = _open(row)
    officer = person("maldon", "daniel-frost")
    assert officer.email in {m.to[0] for m in mail.outbox}
    user = login(officer)
    names = {t["name"] for t in services.available_transitions(case=case, user=user)}
    assert names == {"acknowledge", "respond"}
    services.acknowledge_case(case=case, actor=user)
    case = Case.objects.get(pk=case.pk)
    services.respond_to_case(case=case, actor=user, text="Happy to meet on Tuesday.")
    met = set(case.deadlines.filter(met_at__isnull=False).values_list("kind", flat=True))
    assert met == {"acknowledgement", "response"}
    # The officer is still a party: they cannot close or move the case, nor read internal notes.
    case = Case.objects.get(pk=case.pk)
    with pytest.raises(PermissionRefused):
        services.resolve_case(case=case, actor=user, outcome="Sorted")
    assert case_access(user, case) == Access.PARTY


def test_maldon_2_2_a_member_who_is_the_subject_elsewhere_gains_nothing(councils):
    """Only the step that says so lets the subject respond: about a member at Maldon 4.3, the
    member concerned cannot acknowledge or respond for the officer's Director."""
    case = _open(CLAUSES[3])
    member = login(case.about)
    assert services.available_transitions(case=case, user=member) == []
    with pytest.raises(PermissionRefused):
        services.acknowledge_case(case=case, actor=member)


def test_maldon_2_1_the_officer_concerned_brings_in_the_opposition_leader_who_then_reads_it(
    councils, django_capture_on_commit_callbacks
):
    """Maldon 2.1: resolve "informally between themselves or, where necessary, with the
    assistance of a Director and the Leader of the Council / Opposition Leader": neither leader
    is told by default; whoever answers the step brings one in, who then reads the case
    (read-only) and is emailed its link."""
    case = _open(CLAUSES[0])
    opposition_leader = person("maldon", "cllr-richard-fenwick")
    leader = person("maldon", "cllr-margaret-ashdown")
    offered = {p.key for p, _ in services.participant_candidates(case)}
    assert offered == {opposition_leader.key, leader.key}
    reader = login(opposition_leader)
    assert not any(_reads(reader, case).values())
    # The member who raised it cannot bring anyone in; nor can a councillor holding no such role.
    with pytest.raises(PermissionRefused):
        services.bring_in_participant(
            case=case, actor=login(case.raised_by), person=opposition_leader
        )
    officer = login(case.about)
    with pytest.raises(ValidationError):
        services.bring_in_participant(
            case=case, actor=officer, person=person("maldon", "cllr-sunita-rao")
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.bring_in_participant(case=case, actor=officer, person=opposition_leader)
    assert opposition_leader.email in {m.to[0] for m in mail.outbox}
    assert all(_reads(reader, case).values())
    assert services.available_transitions(case=case, user=reader) == []
    assert {p.key for p, _ in services.participant_candidates(case)} == {leader.key}
    event = case.events.filter(action="access_granted").get()
    assert event.actor == officer
    assert "Maldon 2.1-2.2" in event.reason
    # The Leader was not brought in: still a 404.
    assert not any(_reads(login(leader), case).values())


def test_bring_in_page_offers_the_participants_and_is_refused_to_the_informed(councils):
    case = _open(CLAUSES[0])
    web = Client()
    web.force_login(login(case.about))
    assert (
        f"/cases/{case.reference}/bring-in/"
        in web.get(f"/cases/{case.reference}/").content.decode()
    )
    page = web.get(f"/cases/{case.reference}/bring-in/").content.decode()
    assert "Cllr Richard Fenwick, Leader of the Opposition" in page
    fenwick = person("maldon", "cllr-richard-fenwick")
    response = web.post(f"/cases/{case.reference}/bring-in/", {"person": fenwick.pk})
    assert response.status_code == 302
    assert web.post(f"/cases/{case.reference}/bring-in/", {"person": ""}).status_code == 400
    informed = Client()
    informed.force_login(login(fenwick))
    assert informed.get(f"/cases/{case.reference}/bring-in/").status_code == 403
    assert "/bring-in/" not in informed.get(f"/cases/{case.reference}/").content.decode()
