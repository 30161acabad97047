"""Each route through a member's information request, and the steps that are refused."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cases.models import ClockKind
from clocks import calendar as cal
from clocks.models import Deadline
from contacts.models import Tier
from info_requests import services
from info_requests.models import (
    ImmutableEventError,
    InfoEventAction,
    InfoRequest,
    InfoRequestEvent,
    InfoRequestState,
    RefusalReason,
    Route,
)
from protocol_site.errors import ActionNotAllowed, PermissionRefused

from .factories import make_cast, make_request, received

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def lan():
    return make_cast("lancaster")


def _reload(r: InfoRequest) -> InfoRequest:
    return InfoRequest.objects.get(pk=r.pk)


def test_create_assigns_decider_reference_event_and_acknowledges(
    lan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = make_request(lan)
    assert r.reference == "LAN-IR-2026-0001"
    assert r.state == InfoRequestState.RECEIVED
    assert r.route is None
    assert r.decider == lan.decider
    event = r.events.get()
    assert event.action == InfoEventAction.CREATED
    assert event.actor == lan.member.user
    assert len(mail.outbox) == 1
    assert "Service Head" in mail.outbox[0].body
    assert make_request(lan).reference == "LAN-IR-2026-0002"


def test_public_route(lan):
    r = make_request(lan)
    r = services.provide_as_public(info_request=r, actor=lan.decider.user)
    r = _reload(r)
    assert (r.state, r.route) == (InfoRequestState.PROVIDED, Route.PUBLIC)
    assert r.caveat == ""
    assert r.may_be_made_public()
    assert not r.deadlines.exists()


def test_s100f_route_carries_caveat(lan):
    r = make_request(lan)
    r = services.consider_member_rights(info_request=r, actor=lan.decider.user)
    services.add_requested_item(
        info_request=r,
        actor=lan.decider.user,
        description="Bidder's accounts",
        schedule_12a_paragraph="3",
    )
    r = services.provide_under_s100f(info_request=_reload(r), actor=lan.decider.user)
    r = _reload(r)
    assert (r.state, r.route) == (InfoRequestState.PROVIDED, Route.S100F)
    assert "not be made public" in r.caveat
    assert not r.may_be_made_public()


@pytest.mark.parametrize(("paragraph", "terms"), [("1", False), ("5", False), ("3", True)])
def test_s100f_refused_for_exempt_items_it_does_not_reach(lan, paragraph, terms):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    services.add_requested_item(
        info_request=r,
        actor=lan.decider.user,
        description="Exempt item",
        schedule_12a_paragraph=paragraph,
        contract_negotiation_terms=terms,
    )
    with pytest.raises(ValidationError, match="does not give access|negotiations"):
        services.provide_under_s100f(info_request=_reload(r), actor=lan.decider.user)
    assert _reload(r).state == InfoRequestState.DETERMINING


def test_need_to_know_upheld_by_the_monitoring_officer(lan):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    r = services.provide_on_need_to_know(
        info_request=r, actor=lan.mo.user, note="Ward member: the site is in her ward."
    )
    r = _reload(r)
    assert (r.state, r.route) == (InfoRequestState.PROVIDED, Route.NEED_TO_KNOW)
    assert "capacity as a Member" in r.caveat
    event = r.events.get(action=InfoEventAction.PROVIDED)
    assert event.actor == lan.mo.user
    assert event.data["route"] == "need_to_know"


@pytest.mark.parametrize("who", ["decider", "clerk", "hops", "member", "officer"])
def test_only_the_monitoring_officer_determines_need_to_know(lan, who):
    """Lancaster 8.7: the final determination of need to know is the MO's."""
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    with pytest.raises(PermissionRefused):
        services.provide_on_need_to_know(info_request=r, actor=lan.user(who))
    with pytest.raises(PermissionRefused):
        services.refuse_access(
            info_request=r, actor=lan.user(who), reason=RefusalReason.MERE_CURIOSITY
        )
    assert _reload(r).state == InfoRequestState.DETERMINING


@pytest.mark.parametrize("reason", [RefusalReason.MERE_CURIOSITY, RefusalReason.ROVING_COMMISSION])
def test_refused_then_foi_with_clock_from_received_at(lan, reason):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    r = services.refuse_access(info_request=r, actor=lan.mo.user, reason=reason)
    r = _reload(r)
    assert r.state == InfoRequestState.REFUSED
    assert r.refusal_reason == reason
    assert r.events.get(action=InfoEventAction.REFUSED).reason.startswith(
        RefusalReason(reason).label
    )
    r = services.treat_as_foi(info_request=r, actor=lan.decider.user)
    r = _reload(r)
    assert (r.state, r.route) == (InfoRequestState.FOI, Route.FOI)
    deadline = r.deadlines.get()
    assert deadline.kind == ClockKind.FOI_RESPONSE
    assert deadline.calendar == "all_uk"
    # Received Monday 2 March 2026; 20 working days (St Patrick's Day, 17 March, is a bank
    # holiday in Northern Ireland, so it does not count) → Tuesday 31 March 2026.
    assert deadline.due_at.astimezone(datetime.UTC).date() in {datetime.date(2026, 3, 31)}
    with pytest.raises(ActionNotAllowed):
        services.treat_as_foi(info_request=r, actor=lan.decider.user)
    assert r.deadlines.count() == 1


def test_foi_then_internal_review_then_ico(lan):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    r = services.refuse_access(info_request=r, actor=lan.mo.user, reason="not_necessary")
    r = services.treat_as_foi(info_request=r, actor=lan.clerk.user)
    r = services.note_legal_advice(
        info_request=r, actor=lan.decider.user, advice="Legal Services: s.43 applies to prices."
    )
    with pytest.raises(ValidationError):
        services.decide_foi(info_request=r, actor=lan.decider.user, outcome="refused")
    r = services.decide_foi(
        info_request=r,
        actor=lan.decider.user,
        outcome="part_disclosed",
        exemptions=["s43"],
        note="Prices withheld.",
    )
    r = _reload(r)
    assert r.state == InfoRequestState.FOI_DECIDED
    assert r.foi_exemptions == ["s43"]
    assert r.legal_advice.startswith("Legal Services")
    assert r.deadlines.get(kind=ClockKind.FOI_RESPONSE).met_at is not None
    # The review is the member's to ask for, and the MO's to decide.
    with pytest.raises(PermissionRefused):
        services.request_internal_review(info_request=r, actor=lan.clerk.user, reason="x")
    r = services.request_internal_review(
        info_request=r, actor=lan.member.user, reason="The prices are years old."
    )
    review = _reload(r).deadlines.get(kind=ClockKind.INTERNAL_REVIEW)
    assert review.met_at is None
    with pytest.raises(PermissionRefused):
        services.decide_internal_review(
            info_request=_reload(r), actor=lan.decider.user, outcome="upheld", note="x"
        )
    r = services.decide_internal_review(
        info_request=_reload(r), actor=lan.mo.user, outcome="upheld", note="s.43 still applies."
    )
    assert _reload(r).deadlines.get(kind=ClockKind.INTERNAL_REVIEW).met_at is not None
    r = services.record_ico_complaint(
        info_request=_reload(r), actor=lan.member.user, complained=True
    )
    r = _reload(r)
    assert r.state == InfoRequestState.CLOSED
    assert r.ico_complaint_made is True
    actions = list(r.events.values_list("action", flat=True))
    assert actions[0] == InfoEventAction.CREATED
    assert InfoEventAction.ICO_RECORDED in actions


def test_internal_review_before_a_decision_is_refused(lan):
    r = make_request(lan)
    with pytest.raises(ActionNotAllowed):
        services.request_internal_review(info_request=r, actor=lan.member.user, reason="Why?")
    r = services.consider_member_rights(info_request=r, actor=lan.decider.user)
    r = services.refuse_access(info_request=r, actor=lan.mo.user, reason="mere_curiosity")
    r = services.treat_as_foi(info_request=r, actor=lan.decider.user)
    with pytest.raises(ActionNotAllowed):
        services.request_internal_review(info_request=r, actor=lan.member.user, reason="Why?")


def test_treat_as_foi_before_refusal_is_the_need_to_know_holders_call(lan):
    r = make_request(lan)
    with pytest.raises(PermissionRefused):
        services.treat_as_foi(info_request=r, actor=lan.decider.user)
    r = services.treat_as_foi(info_request=r, actor=lan.mo.user)
    assert _reload(r).route == Route.FOI


def test_stale_state_is_refused(lan):
    r = make_request(lan)
    services.provide_as_public(info_request=r, actor=lan.decider.user)
    with pytest.raises(ActionNotAllowed, match="changed"):
        services.consider_member_rights(info_request=r, actor=lan.decider.user)


def test_clarification_pauses_the_foi_clock_and_its_receipt_starts_the_20_days_again(lan):
    r = services.treat_as_foi(info_request=make_request(lan), actor=lan.mo.user)
    first_due = _reload(r).deadlines.get().due_at
    at = received(2026, 3, 4)
    r = services.seek_clarification(
        info_request=_reload(r), actor=lan.decider.user, question="Which car park?", at=at
    )
    assert _reload(r).deadlines.get().paused_at == at
    with pytest.raises(ActionNotAllowed):
        services.decide_foi(info_request=_reload(r), actor=lan.decider.user, outcome="disclosed")
    clarified = received(2026, 3, 9)  # a Monday
    services.record_clarification(
        info_request=_reload(r), actor=lan.decider.user, answer="Mill Lane.", at=clarified
    )
    deadline = _reload(r).deadlines.get()
    assert deadline.paused_at is None
    assert deadline.starts_at == clarified
    # FOIA s.1(3): 20 whole working days from receipt of the clarification, not what was left:
    # 10 March to 9 April 2026, passing over the UK's bank holidays (s.10(6)): St Patrick's Day
    # (17 March, Northern Ireland), Good Friday (3 April) and Easter Monday (6 April).
    assert cal.local(deadline.due_at).date() == datetime.date(2026, 4, 9)
    assert deadline.original_due_at == first_due
    assert "starts again from" in InfoRequestEvent.objects.filter(info_request=r).last().reason


def test_withdraw_stops_clocks(lan):
    r = services.treat_as_foi(info_request=make_request(lan), actor=lan.mo.user)
    with pytest.raises(PermissionRefused):
        services.withdraw(info_request=r, actor=lan.other_member.user)
    services.withdraw(info_request=r, actor=lan.member.user, reason="No longer needed")
    r = _reload(r)
    assert r.state == InfoRequestState.WITHDRAWN
    assert r.deadlines.get().cancelled_at is not None


def test_events_are_hash_chained_and_immutable(lan):
    r = services.provide_as_public(info_request=make_request(lan), actor=lan.decider.user)
    first, second = InfoRequestEvent.objects.filter(info_request=r).order_by("at", "pk")
    assert second.previous_hash == first.hash
    assert second.hash == second.compute_hash()
    with pytest.raises(ImmutableEventError):
        second.save()
    with pytest.raises(ImmutableEventError):
        second.delete()


# -- council variants ----------------------------------------------------------------------------
def test_maldon_director_decides_need_to_know_and_dispute_goes_to_hops():
    mal = make_cast("maldon")
    r = make_request(mal, own_committee_business=True)
    r = services.consider_member_rights(info_request=r, actor=mal.decider.user)
    # Maldon 10.2: to the satisfaction of the Director, not the MO.
    with pytest.raises(PermissionRefused):
        services.refuse_access(info_request=r, actor=mal.mo.user, reason="mere_curiosity")
    r = services.refuse_access(info_request=r, actor=mal.decider.user, reason="not_necessary")
    with pytest.raises(PermissionRefused):
        services.dispute_refusal(info_request=r, actor=mal.clerk.user, reason="x")
    r = services.dispute_refusal(info_request=r, actor=mal.member.user, reason="I chair the panel.")
    assert _reload(r).state == InfoRequestState.DISPUTED
    with pytest.raises(PermissionRefused):
        services.provide_on_need_to_know(info_request=_reload(r), actor=mal.decider.user)
    r = services.provide_on_need_to_know(info_request=_reload(r), actor=mal.hops.user)
    r = _reload(r)
    assert r.route == Route.NEED_TO_KNOW
    assert "personal advantage" in r.caveat  # Maldon 10.3's words


def test_maldon_dispute_is_once_only_and_absent_at_lancaster(lan):
    mal = make_cast("maldon")
    r = services.consider_member_rights(
        info_request=make_request(mal, own_committee_business=True), actor=mal.decider.user
    )
    r = services.refuse_access(info_request=r, actor=mal.decider.user, reason="mere_curiosity")
    r = services.dispute_refusal(info_request=r, actor=mal.member.user, reason="Please")
    r = services.uphold_refusal(info_request=r, actor=mal.hops.user)
    with pytest.raises(ActionNotAllowed):
        services.dispute_refusal(info_request=_reload(r), actor=mal.member.user, reason="Again")
    r2 = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    r2 = services.refuse_access(info_request=r2, actor=lan.mo.user, reason="mere_curiosity")
    # Lancaster 8.7: the MO's determination is final; there is no dispute step.
    with pytest.raises(ActionNotAllowed):
        services.dispute_refusal(info_request=r2, actor=lan.member.user, reason="Please")


def test_maldon_request_outside_own_committees_needs_reasons():
    mal = make_cast("maldon")
    with pytest.raises(ValidationError) as exc:
        make_request(mal, own_committee_business=False, reasons="")
    assert "reasons" in exc.value.message_dict
    r = make_request(mal, own_committee_business=False, reasons="A constituent asked me.")
    assert r.reasons == "A constituent asked me."


def test_lancaster_does_not_require_reasons(lan):
    assert make_request(lan, own_committee_business=False).pk


def test_hounslow_resource_pause_does_not_stop_the_foi_clock():
    """Hounslow 5.3 pause is recorded, but FOIA lets the clock stop only for clarification."""
    hou = make_cast("hounslow")
    r = services.treat_as_foi(info_request=make_request(hou), actor=hou.mo.user)
    before = _reload(r).deadlines.get()
    r = services.pause_for_resource_agreement(
        info_request=_reload(r), actor=hou.hops.user, reason="Three years of emails to collate."
    )
    r = _reload(r)
    assert r.is_resource_paused
    after = r.deadlines.get()
    assert after.paused_at is None
    assert after.due_at == before.due_at
    event = r.events.get(action=InfoEventAction.RESOURCE_PAUSED)
    assert event.data == {"foi_clock_paused": False}
    assert not r.events.filter(action=InfoEventAction.CLOCK_PAUSED).exists()
    with pytest.raises(ActionNotAllowed):
        services.pause_for_resource_agreement(info_request=r, actor=hou.hops.user, reason="again")
    with pytest.raises(PermissionRefused):
        services.record_resource_agreement(
            info_request=r, actor=hou.member.user, agreement="All of it"
        )
    r = services.record_resource_agreement(
        info_request=r, actor=hou.hops.user, agreement="The last twelve months only."
    )
    r = _reload(r)
    assert not r.is_resource_paused
    assert r.resource_agreement == "The last twelve months only."


def test_resource_pause_is_hounslow_only(lan):
    r = make_request(lan)
    with pytest.raises(ActionNotAllowed):
        services.pause_for_resource_agreement(info_request=r, actor=lan.hops.user, reason="Big")


def test_parish_has_no_s100f_and_the_clerk_decides():
    hal = make_cast("halstead", tier=Tier.PARISH)
    r = services.consider_member_rights(info_request=make_request(hal), actor=hal.decider.user)
    with pytest.raises(ActionNotAllowed):
        services.provide_under_s100f(info_request=r, actor=hal.decider.user)
    r = services.provide_on_need_to_know(info_request=r, actor=hal.decider.user)
    assert _reload(r).route == Route.NEED_TO_KNOW


def test_create_validation(lan):
    with pytest.raises(ValidationError) as exc:
        make_request(lan, requested_by=lan.officer, description="")
    assert set(exc.value.message_dict) >= {"requested_by", "description"}
    with pytest.raises(ValidationError):
        make_request(lan, received_at=datetime.datetime(2026, 3, 2, 10))  # naive
    with pytest.raises(PermissionRefused):
        make_request(lan, actor=lan.other_member.user)
    assert make_request(lan, actor=lan.clerk.user).created_by == lan.clerk.user


def test_deadline_rows_belong_to_the_request(lan):
    r = services.treat_as_foi(info_request=make_request(lan), actor=lan.mo.user)
    assert Deadline.objects.filter(info_request=r, case__isnull=True).count() == 1


@pytest.mark.parametrize("slug", ["halstead", "west-lavington"])
def test_a_parish_reviews_its_own_foi_decision_never_the_lending_mo(slug):
    """FOIA Schedule 1 Part II: a parish or town council is a public authority in its own
    right, so its FOI internal review is done by the parish (its Clerk), never by the
    Monitoring Officer its district (Braintree) or unitary council (Wiltshire) lends it."""
    from info_requests.permissions import available_actions

    parish = make_cast(slug, tier=Tier.PARISH)
    r = services.consider_member_rights(
        info_request=make_request(parish), actor=parish.decider.user
    )
    r = services.refuse_access(info_request=r, actor=parish.decider.user, reason="not_necessary")
    r = services.treat_as_foi(info_request=r, actor=parish.decider.user)
    r = services.decide_foi(
        info_request=r, actor=parish.decider.user, outcome="refused", exemptions=["s43"]
    )
    r = services.request_internal_review(
        info_request=_reload(r), actor=parish.member.user, reason="Please look again."
    )
    r = _reload(r)
    assert "decide_internal_review" not in {a.name for a in available_actions(parish.mo.user, r)}
    with pytest.raises(PermissionRefused):
        services.decide_internal_review(
            info_request=r, actor=parish.mo.user, outcome="upheld", note="The MO decides"
        )
    assert "decide_internal_review" in {a.name for a in available_actions(parish.decider.user, r)}
    r = services.decide_internal_review(
        info_request=r, actor=parish.decider.user, outcome="upheld", note="The Clerk reviewed."
    )
    assert _reload(r).state == InfoRequestState.REVIEW_DECIDED


def test_a_parish_policy_naming_the_lent_mo_as_reviewer_is_refused():
    """FOIA Schedule 1 Part II: neither the admin form nor a stale row lets the lending
    council's Monitoring Officer decide a parish's internal review."""
    from contacts.models import Role
    from info_requests.permissions import may_take

    parish = make_cast("halstead", tier=Tier.PARISH, review_role=Role.MONITORING_OFFICER)
    with pytest.raises(ValidationError) as refused:
        parish.policy.full_clean()
    assert "its own public authority under the Freedom of Information Act" in str(refused.value)
    r = make_request(parish)
    assert not may_take(parish.mo.user, r, "decide_internal_review")
    # A principal council's Monitoring Officer does review (Lancaster 8.8).
    lan = make_cast("lancaster")
    lan.policy.full_clean()
    assert may_take(lan.mo.user, make_request(lan), "decide_internal_review")
