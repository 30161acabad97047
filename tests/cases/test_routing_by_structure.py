"""Issue #20: "their Director", "the relevant Service Head", "the appropriate Chief Officer" on
the shipped councils (fixtures/councils/*.yaml): one row per seed clause, each case opened and
climbed through the service layer, asserting the handler *person* of every rung.

The structures are the councils' own (Maldon's three directorates, Hounslow's Executive
Directors over their departments, Lancaster's Service Heads); `None` is the clerk's triage.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case
from contacts.models import Council, Person, Service
from info_requests.services import create_info_request

from .factories import loaded_for_module


@pytest.fixture(scope="module", autouse=True)
def _shipped(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=False):
        yield


@dataclass(frozen=True)
class Row:
    clause: str
    council: str
    case_type: str
    raised_by: str
    about: str
    rungs: list[str | None]  # the handler's person key at each rung, in order
    service: str | None = None  # named in the journey (a case about a member)
    reason_has: str = ""  # in the first rung's routing reason


ROWS = [
    Row(
        "Maldon 4.2: an officer's concern goes to their Director (Service Delivery)",
        "maldon",
        "officer_concern_about_member",
        raised_by="daniel-frost",
        about="cllr-peter-hollis",
        rungs=["owen-treharne", "alison-drury", "cllr-sunita-rao"],
        reason_has="who heads Service Delivery (the service of Daniel Frost, who raised it)",
    ),
    Row(
        "Maldon 4.2: an officer of Resources goes to the Director of Resources",
        "maldon",
        "officer_concern_about_member",
        raised_by="kate-ellison",
        about="cllr-peter-hollis",
        rungs=["nadia-petrova", "alison-drury", "cllr-sunita-rao"],
    ),
    Row(
        "Maldon 4.2: the service named in the journey wins over the raiser's own",
        "maldon",
        "officer_concern_about_member",
        raised_by="kate-ellison",
        about="cllr-peter-hollis",
        service="strategy-performance-governance",
        rungs=["priya-bennett", "alison-drury", "cllr-sunita-rao"],
        reason_has="(the service named for this case)",
    ),
    Row(
        "Maldon 2.1-2.3: the officer's Director helps; then the Leader",
        "maldon",
        "member_concern_about_officer",
        raised_by="cllr-tom-castleton",
        about="mark-pryce",
        rungs=["owen-treharne", "cllr-margaret-ashdown"],
    ),
    Row(
        "Hounslow 11.2: the appropriate Chief Officer of Parking's directorate (Place)",
        "hounslow",
        "member_complaint_about_officer",
        raised_by="cllr-sarah-langley",
        about="tariq-hussain",
        rungs=["marcus-adeyemi", "niamh-gallagher", "cllr-amrit-sandhu"],
        reason_has="who heads Place (the service of Tariq Hussain",
    ),
    Row(
        "Hounslow 11.2: Housing has its own Director, nearer than the Executive Director",
        "hounslow",
        "member_complaint_about_officer",
        raised_by="cllr-sarah-langley",
        about="helen-price",
        rungs=["david-lindqvist", "niamh-gallagher", "cllr-amrit-sandhu"],
    ),
    Row(
        "Hounslow 11.2: about the Director of Housing, the Chief Officer above them",
        "hounslow",
        "member_complaint_about_officer",
        raised_by="cllr-sarah-langley",
        about="david-lindqvist",
        rungs=["marcus-adeyemi", "niamh-gallagher", "cllr-amrit-sandhu"],
        reason_has="is the subject of this case",
    ),
    Row(
        "Hounslow 11.2: 'Where the complaint relates to the Chief Executive, it should be "
        "raised with the Monitoring Officer' (first rung too)",
        "hounslow",
        "member_complaint_about_officer",
        raised_by="cllr-sarah-langley",
        about="niamh-gallagher",
        rungs=["rebecca-holt", "rebecca-holt", "cllr-amrit-sandhu"],
        reason_has="This case is about the Head of Paid Service, so this step goes to the "
        "Monitoring Officer (Hounslow 11.2).",
    ),
    Row(
        "Hounslow 11.2: about an Executive Director, whose own service they head",
        "hounslow",
        "member_complaint_about_officer",
        raised_by="cllr-sarah-langley",
        about="marcus-adeyemi",
        rungs=["niamh-gallagher", "niamh-gallagher", "cllr-amrit-sandhu"],
    ),
    Row(
        "Lancaster 13.1: the relevant Service Head of a team's department",
        "lancaster",
        "member_concern_about_officer",
        raised_by="cllr-beth-ingram",
        about="liam-hargreaves",
        rungs=["gemma-thorpe", "joanne-pennington", "mark-davenport", "cllr-alan-cowperthwaite"],
        reason_has="who heads Environmental and Local Services",
    ),
    Row(
        "Lancaster 13.1: an officer's concern about a member, their own Service Head",
        "lancaster",
        "officer_concern_about_member",
        raised_by="liam-hargreaves",
        about="cllr-beth-ingram",
        rungs=["gemma-thorpe", "joanne-pennington", "mark-davenport", "cllr-alan-cowperthwaite"],
    ),
    Row(
        "Lancaster 13.1: a service nobody heads goes to the Chief Executive, saying so",
        "lancaster",
        "member_concern_about_officer",
        raised_by="cllr-beth-ingram",
        about="fiona-dawes",
        rungs=["mark-davenport", "joanne-pennington", "mark-davenport", "cllr-alan-cowperthwaite"],
        reason_has="Nobody heads Legal and Governance as Service Head",
    ),
    Row(
        "Lancaster 6.3: about the Chief Executive, who manages every officer: the clerk triages",
        "lancaster",
        "member_complaint_about_officer",
        raised_by="cllr-beth-ingram",
        about="mark-davenport",
        rungs=[None],
        reason_has="is line-managed by the subject of this case",
    ),
    Row(
        "Halstead 4.2: 'Members should always bring concerns about issues directly to the Clerk'",
        "halstead",
        "member_concern_about_officer",
        raised_by="cllr-victor-lamb",
        about="jenny-cole",
        rungs=["catherine-plumb"],
    ),
    Row(
        "Halstead 4.2, 1.6: a concern about the Clerk goes to the Staff Advisory Committee",
        "halstead",
        "member_concern_about_officer",
        raised_by="cllr-victor-lamb",
        about="catherine-plumb",
        rungs=["cllr-ann-hetherington"],
        reason_has="This case is about the Clerk, so this step goes to the Personnel Committee "
        "member (Halstead 4.2, 1.6).",
    ),
]


CLERKS = {"maldon": "lucy-brennan", "lancaster": "fiona-dawes"}


def _person(council: Council, key: str) -> Person:
    return Person.objects.get(council=council, key=key)


def _handled_by(case: Case) -> str | frozenset[str] | None:
    """The handler's key, or the keys of the panel seated at a committee rung (Maldon 5.1, West
    Lavington 4.2: a committee decides as a panel, not one councillor)."""
    if case.handler is not None:
        return case.handler.key
    panel = frozenset(p.key for p in case.panel())
    return panel or None


def _climb(row: Row) -> tuple[list[str | frozenset[str] | None], Case, list[str]]:
    council = Council.objects.get(slug=row.council)
    case = services.open_case(
        council=council,
        case_type=row.case_type,
        raised_by=_person(council, row.raised_by),
        about=_person(council, row.about),
        channel="email",
        received_at=timezone.now(),
        summary=row.clause,
        actor=None,
        service=Service.objects.get(council=council, slug=row.service) if row.service else None,
    )
    handlers = [_handled_by(case)]
    reasons = [case.handler_reason]
    while case.has_next_step():
        case = services.escalate_case(case=case, actor=None, reason="Not resolved")
        handlers.append(_handled_by(case))
        reasons.append(case.handler_reason)
    return handlers, case, reasons


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[r.clause for r in ROWS])
def test_each_rung_goes_to_the_person_the_clause_names(row):
    handlers, _, reasons = _climb(row)
    # A committee rung names one member in the table: that member must sit on the panel.
    assert len(handlers) == len(row.rungs), reasons
    for got, expected in zip(handlers, row.rungs, strict=True):
        if isinstance(got, frozenset):
            assert expected in got, reasons
        else:
            assert got == expected, reasons
    assert row.reason_has in reasons[0]


@pytest.mark.django_db
def test_no_service_known_leaves_the_case_for_the_clerk():
    """Maldon 4.2 "their Director" is never a guess: an officer in no service, nobody."""
    council = Council.objects.get(slug="maldon")
    officer = _person(council, "daniel-frost")
    officer.service_memberships.all().delete()
    case = services.open_case(
        council=council,
        case_type="officer_concern_about_member",
        raised_by=officer,
        about=_person(council, "cllr-peter-hollis"),
        channel="email",
        received_at=timezone.now(),
        summary="The officer belongs to no service",
        actor=None,
    )
    assert case.handler is None
    assert case.service is None
    assert "no service is known for it (Daniel Frost, who raised it, belongs to no service)" in (
        case.handler_reason
    )
    assert "a clerk must name the service" in case.handler_reason


@pytest.mark.django_db
def test_a_clerk_reroutes_a_triaged_case_by_naming_the_service():
    """Existing and triaged cases keep their handler until a clerk re-routes them (audited)."""
    council = Council.objects.get(slug="maldon")
    officer = _person(council, "daniel-frost")
    officer.service_memberships.all().delete()
    case = services.open_case(
        council=council,
        case_type="officer_concern_about_member",
        raised_by=officer,
        about=_person(council, "cllr-peter-hollis"),
        channel="email",
        received_at=timezone.now(),
        summary="Triage",
        actor=None,
    )
    clerk = _person(council, "lucy-brennan").user
    case = services.reroute_case(
        case=case,
        actor=clerk,
        reason="The matter is about waste collection",
        service=Service.objects.get(council=council, slug="service-delivery"),
    )
    assert case.handler.key == "owen-treharne"
    event = case.events.order_by("-at", "-pk").first()
    assert event.actor == clerk
    assert "Routed again by the rules (The matter is about waste collection)" in event.reason


@pytest.mark.django_db
def test_reroute_is_refused_to_someone_who_cannot_assign():
    council = Council.objects.get(slug="maldon")
    case = services.open_case(
        council=council,
        case_type="officer_concern_about_member",
        raised_by=_person(council, "daniel-frost"),
        about=_person(council, "cllr-peter-hollis"),
        channel="email",
        received_at=timezone.now(),
        summary="Refused",
        actor=None,
    )
    from protocol_site.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        services.reroute_case(
            case=case, actor=_person(council, "cllr-tom-castleton").user, reason="Mine"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("council_slug", "service", "decider", "reason_has"),
    [
        # Maldon 10.2: "to the satisfaction of the Director holding the information".
        ("maldon", "resources", "nadia-petrova", "heads Resources, the service holding"),
        ("maldon", "planning-and-development", "owen-treharne", "heads Service Delivery"),
        # Lancaster 8.6: "the request should be made to the relevant Service Head".
        ("lancaster", "planning-and-place", "rahul-chauhan", "as its Service Head"),
        ("lancaster", "financial-services", "paul-ashworth", "heads Financial Services"),
        # Never a guess: no service named, nobody decides until the clerk names it.
        ("lancaster", None, None, "no service was named: the clerk must name the service"),
    ],
)
def test_an_information_request_goes_to_the_head_of_the_service_holding_it(
    council_slug, service, decider, reason_has
):
    council = Council.objects.get(slug=council_slug)
    member = Person.objects.filter(council=council, kind="councillor").order_by("pk").first()
    request = create_info_request(
        council=council,
        requested_by=member,
        description="The background papers",
        received_at=timezone.now(),
        actor=_person(council, CLERKS[council_slug]).user,
        own_committee_business=True,
        service=Service.objects.get(council=council, slug=service) if service else None,
    )
    assert (request.decider.key if request.decider else None) == decider
    assert reason_has in request.decider_reason
