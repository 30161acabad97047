"""The parishes' own routes: Halstead footnote 1, and West Lavington 4.1's conciliation by an
appropriate third party, recorded on the case."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, CaseState, EventAction
from contacts.models import Council, Person
from contacts.selectors import UserGroup
from protocol_site.errors import PermissionRefused
from tests.factories import user_for

from .factories import loaded_for_module


@pytest.fixture(scope="module", autouse=True)
def _shipped(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, "load_demo", sample_cases=False):
        yield


def _person(slug: str, key: str) -> Person:
    return Person.objects.get(council__slug=slug, key=key)


def _login(person: Person):
    if person.user_id is None:
        user_for(person, UserGroup.COUNCILLOR if person.is_councillor else UserGroup.OFFICER)
        person.refresh_from_db()
    return person.user


def _open(slug: str, case_type: str, raised_by: str, about: str) -> Case:
    return services.open_case(
        council=Council.objects.get(slug=slug),
        case_type=case_type,
        raised_by=_person(slug, raised_by),
        about=_person(slug, about),
        channel="letter",
        received_at=timezone.now() - datetime.timedelta(hours=2),
        summary="A parish matter",
        actor=None,
    )


# -- Halstead footnote 1 ----------------------------------------------------------------------
@pytest.mark.django_db
def test_halstead_footnote_1_members_take_a_matter_to_the_monitoring_officer():
    """Halstead footnote 1: "Members should contact the Monitoring officer and follow
    appropriate procedures": Braintree District Council's MO handles it, the Clerk is told."""
    case = _open(
        "halstead", "member_complaint_about_officer", "cllr-victor-lamb", "michael-stannard"
    )
    assert case.state == CaseState.MONITORING_OFFICER
    assert case.handler == _person("braintree", "emma-rowntree")
    assert case.current_step.protocol_reference == "Halstead footnote 1"
    assert "clerk" in case.current_step.inform_roles


@pytest.mark.django_db
def test_halstead_footnote_1_a_staff_grievance_goes_to_the_grievance_procedure():
    """Halstead footnote 1: "In the case of a grievance, staff should seek redress through the
    grievance and disciplinary procedures": the Town Clerk (1.1), then the Staff Advisory
    Committee as a panel of members; the route says it is not a Code of Conduct matter (4.3)."""
    case = _open("halstead", "officer_concern_about_member", "jenny-cole", "cllr-victor-lamb")
    assert "grievance procedure" in case.variant.title
    assert "not a Code of Conduct matter" in case.variant.title
    assert case.state == CaseState.HEAD_OF_PAID_SERVICE
    assert case.handler == _person("halstead", "catherine-plumb")
    assert "officer's complaint about a member instead (4.3)" in case.current_step.guidance
    case = services.escalate_case(case=case, actor=None, reason="Not resolved by the Clerk")
    assert case.state == CaseState.PERSONNEL_COMMITTEE
    assert case.handler_id is None
    assert {p.key for p in case.panel()} == {"cllr-ann-hetherington", "cllr-linda-fairweather"}


@pytest.mark.django_db
def test_halstead_4_3_a_code_of_conduct_matter_still_goes_to_the_clerk_then_the_mo():
    """Halstead 4.3: a believed breach of the Code goes to the Clerk, who decides whether to
    seek the Monitoring Officer's advice: unchanged by footnote 1's grievance route."""
    case = _open("halstead", "officer_complaint_about_member", "jenny-cole", "cllr-victor-lamb")
    assert case.handler == _person("halstead", "catherine-plumb")
    case = services.escalate_case(case=case, actor=None, reason="The Clerk seeks advice")
    assert case.handler == _person("braintree", "emma-rowntree")


# -- West Lavington 4.1: conciliation by an appropriate third party --------------------------
def _grievance() -> Case:
    return _open(
        "west-lavington", "officer_concern_about_member", "susan-kimber", "cllr-david-hatherell"
    )


@pytest.mark.django_db
def test_west_lavington_4_1_a_panel_member_records_the_conciliator():
    case = _grievance()
    member = case.panel()[0]
    case = services.record_conciliator(
        case=case,
        actor=_login(member),
        conciliator="Society of Local Council Clerks: independent person",
    )
    case.refresh_from_db()
    assert case.conciliator == "Society of Local Council Clerks: independent person"
    assert case.conciliator_recorded_at is not None
    event = CaseEvent.objects.get(case=case, action=EventAction.CONCILIATOR_RECORDED)
    assert event.actor == member.user
    assert "Society of Local Council Clerks" in event.reason


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Cllr Anthony Blackmore", "is part of West Lavington Parish Council"),
        ("west lavington parish council", "is part of West Lavington Parish Council"),
        ("   ", "Enter the person or body conciliating"),
    ],
)
@pytest.mark.django_db
def test_west_lavington_4_1_the_conciliator_is_outside_the_council(name, message):
    case = _grievance()
    with pytest.raises(ValidationError, match=message):
        services.record_conciliator(case=case, actor=_login(case.panel()[0]), conciliator=name)
    case.refresh_from_db()
    assert case.conciliator == ""


@pytest.mark.django_db
def test_the_parties_do_not_choose_the_conciliator():
    case = _grievance()
    with pytest.raises(PermissionRefused):
        services.record_conciliator(
            case=case,
            actor=_login(_person("west-lavington", "cllr-david-hatherell")),
            conciliator="Someone I know",
        )


@pytest.mark.django_db
def test_the_conciliator_page_records_and_the_case_page_shows_it(client):
    case = _grievance()
    member = case.panel()[0]
    client.force_login(_login(member))
    page = client.get(f"/cases/{case.reference}/")
    assert f"/cases/{case.reference}/conciliator/" in page.content.decode()
    form = client.get(f"/cases/{case.reference}/conciliator/")
    assert form.status_code == 200
    assert "West Lavington 4.1" in form.content.decode()
    bad = client.post(f"/cases/{case.reference}/conciliator/", {"conciliator": "Cllr James Olding"})
    assert bad.status_code == 200
    assert "outside the council" in bad.content.decode()
    done = client.post(
        f"/cases/{case.reference}/conciliator/",
        {"conciliator": "Wiltshire Council's Monitoring Officer"},
    )
    assert done.status_code == 302
    page = client.get(f"/cases/{case.reference}/")
    assert "Wiltshire Council&#x27;s Monitoring Officer" in page.content.decode()


@pytest.mark.django_db
def test_someone_who_cannot_record_a_conciliator_gets_no_link_and_a_refusal(client):
    case = _grievance()
    subject = _person("west-lavington", "cllr-david-hatherell")
    client.force_login(_login(subject))
    page = client.get(f"/cases/{case.reference}/")
    assert page.status_code == 200
    assert f"/cases/{case.reference}/conciliator/" not in page.content.decode()
    assert client.get(f"/cases/{case.reference}/conciliator/").status_code == 403
