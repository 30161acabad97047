"""Every refusal of the information-request services (issue #26): the message a person reads,
and nothing written, queued or emailed (the `refuses` fixture, tests/refusals.py)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.selectors import UserGroup
from info_requests import services
from info_requests.models import InfoRequest
from protocol_site.errors import ActionNotAllowed, PermissionRefused
from tests.factories import CouncillorFactory, OfficerFactory, user_for

from .factories import make_cast, make_request, received

pytestmark = pytest.mark.django_db


@pytest.fixture
def lan():
    return make_cast("lancaster")


def _fresh(r: InfoRequest) -> InfoRequest:
    return InfoRequest.objects.get(pk=r.pk)


def _foi(lan) -> InfoRequest:
    """A request refused under s.100F and need to know, now handled under FOI (Lancaster 8.8)."""
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    r = services.refuse_access(info_request=r, actor=lan.mo.user, reason="mere_curiosity")
    return _fresh(services.treat_as_foi(info_request=r, actor=lan.decider.user))


def _create(lan, **overrides):
    values = {
        "council": lan.council,
        "requested_by": lan.member,
        "description": "The background papers to the car parks report",
        "received_at": received(),
        "actor": lan.member.user,
    }
    values.update(overrides)
    return values


# -- creating ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": "  "}, "description", "Describe the information the member wants."),
        (
            {"received_at": timezone.now() + datetime.timedelta(hours=1)},
            "received_at",
            "The request cannot have been received in the future.",
        ),
        (
            {"received_at": datetime.datetime(2026, 3, 2, 10)},  # noqa: DTZ001 - the point
            "received_at",
            "Give the date and time with a time zone.",
        ),
    ],
    ids=["blank", "future", "naive"],
)
def test_creating_with_bad_answers(lan, refuses, overrides, field, message):
    refuses(
        ValidationError,
        message,
        services.create_info_request,
        field=field,
        **_create(lan, **overrides),
    )


@pytest.mark.parametrize("who", ["officer", "elsewhere"])
def test_a_request_is_made_by_a_councillor_of_the_council(lan, refuses, who):
    requester = lan.officer if who == "officer" else CouncillorFactory()
    refuses(
        ValidationError,
        f"Choose a councillor of {lan.council.name}.",
        services.create_info_request,
        field="requested_by",
        **_create(lan, requested_by=requester, actor=lan.clerk.user),
    )


def test_maldon_asks_for_reasons_outside_the_members_committees(refuses):
    """Maldon 10.2: a request not directly relevant to the member's service on a body is put in
    writing with the reasons for seeking it."""
    maldon = make_cast("maldon")
    refuses(
        ValidationError,
        "asks for your reasons in writing when the information is not about the business",
        services.create_info_request,
        field="reasons",
        **_create(maldon, own_committee_business=False, reasons="  "),
    )


@pytest.mark.parametrize("actor", ["other_member", "stranger"])
def test_logging_for_someone_else(lan, refuses, actor):
    """Only the member, or an officer or the clerk of their council, logs a member's request."""
    user = (
        lan.other_member.user
        if actor == "other_member"
        else user_for(OfficerFactory(), UserGroup.OFFICER)
    )
    refuses(
        PermissionRefused,
        "You may log requests only for yourself or your own council.",
        services.create_info_request,
        **_create(lan, actor=user),
    )


def test_no_acknowledgement_for_a_member_without_an_email_address(lan, mailoutbox):
    lan.member.email = ""
    lan.member.save(update_fields=["email"])
    r = make_request(lan)
    services.send_acknowledgement(info_request_id=r.pk)
    assert mailoutbox == []
    lan.member.email = "mira@example.gov.uk"
    lan.member.save(update_fields=["email"])
    services.send_acknowledgement(info_request_id=r.pk)
    assert [m.to for m in mail.outbox] == [["mira@example.gov.uk"]]


# -- items ---------------------------------------------------------------------------------------
def test_no_item_is_added_to_a_closed_request(lan, refuses):
    r = services.withdraw(info_request=make_request(lan), actor=lan.member.user)
    refuses(
        ActionNotAllowed,
        "Items can only be added while the request is open.",
        services.add_requested_item,
        info_request=r,
        actor=lan.decider.user,
        description="Appendix B",
    )


@pytest.mark.parametrize("who", ["member", "officer", "hops"])
def test_items_are_marked_by_the_deciding_officers_only(lan, refuses, who):
    refuses(
        PermissionRefused,
        "Only the officers deciding the request may mark its items.",
        services.add_requested_item,
        info_request=make_request(lan),
        actor=lan.user(who),
        description="Appendix B",
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"schedule_12a_paragraph": "8"}, "schedule_12a_paragraph", "Choose a paragraph from 1"),
        (
            {"schedule_12a_paragraph": "1", "contract_negotiation_terms": True},
            "contract_negotiation_terms",
            "Only paragraph 3 information can be terms proposed in contract negotiations.",
        ),
        (
            {"contract_negotiation_terms": True},
            "contract_negotiation_terms",
            "Only paragraph 3 information can be terms proposed in contract negotiations.",
        ),
        ({"description": "   "}, "description", "Describe the item."),
    ],
    ids=["paragraph-8", "terms-para-1", "terms-no-para", "blank"],
)
def test_a_bad_item(lan, refuses, kwargs, field, message):
    values = {"description": "Appendix B", **kwargs}
    refuses(
        ValidationError,
        message,
        services.add_requested_item,
        field=field,
        info_request=make_request(lan),
        actor=lan.decider.user,
        **values,
    )


# -- transitions: stale, wrong state, wrong person -------------------------------------------------
def test_a_step_on_a_stale_copy(lan, refuses):
    r = make_request(lan)
    services.provide_as_public(info_request=_fresh(r), actor=lan.decider.user)
    refuses(
        ActionNotAllowed,
        f"{r.reference} changed while you were working on it: it is now 'Provided'.",
        services.consider_member_rights,
        info_request=r,
        actor=lan.decider.user,
    )


def test_a_step_the_state_does_not_allow(lan, refuses):
    refuses(
        ActionNotAllowed,
        "'Record the FOI decision' is not possible while the request is 'Received'.",
        services.decide_foi,
        info_request=make_request(lan),
        actor=lan.decider.user,
        outcome="disclosed",
    )


@pytest.mark.parametrize(
    ("service", "who", "kwargs", "label"),
    [
        (services.provide_as_public, "officer", {}, "provide: a member of the public"),
        (services.consider_member_rights, "member", {}, "not public: consider s.100f"),
        (services.treat_as_foi, "decider", {}, "handle as a freedom of information request"),
        (services.withdraw, "decider", {}, "withdraw the request"),
    ],
    ids=["public", "consider", "foi-before-refusal", "withdraw"],
)
def test_a_step_by_someone_it_is_not_for(lan, refuses, service, who, kwargs, label):
    refuses(
        PermissionRefused,
        f"You may not {label}",
        service,
        info_request=make_request(lan),
        actor=lan.user(who),
        **kwargs,
    )


def test_need_to_know_is_the_monitoring_officers_final_determination(lan, refuses):
    """Lancaster 8.7: the Service Head considers; the MO determines need to know."""
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    refuses(
        PermissionRefused,
        "You may not need to know shown: provide with the caveat on this request.",
        services.provide_on_need_to_know,
        info_request=_fresh(r),
        actor=lan.decider.user,
    )
    refuses(
        PermissionRefused,
        "You may not neither s.100f nor need to know is met on this request.",
        services.refuse_access,
        info_request=_fresh(r),
        actor=lan.decider.user,
        reason="mere_curiosity",
    )


def test_an_exempt_item_blocks_section_100f(lan, refuses):
    """Lancaster 8.3: s.100F reaches exempt information of paragraphs 3 and 6 only."""
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    services.add_requested_item(
        info_request=r,
        actor=lan.decider.user,
        description="Legal advice",
        schedule_12a_paragraph="5",
    )
    item = r.items.get(description="Legal advice")
    refuses(
        ValidationError,
        "'Legal advice':",
        services.provide_under_s100f,
        field=services.item_field(item.pk, "outcome"),  # the item's own answer (issue #22)
        info_request=_fresh(r),
        actor=lan.decider.user,
    )


# -- each step's own questions --------------------------------------------------------------------
def test_a_refusal_needs_a_known_reason(lan, refuses):
    r = services.consider_member_rights(info_request=make_request(lan), actor=lan.decider.user)
    refuses(
        ValidationError,
        "Choose why neither s.100F nor need to know is met.",
        services.refuse_access,
        field="reason",
        info_request=_fresh(r),
        actor=lan.mo.user,
        reason="boredom",
    )


def test_a_dispute_needs_a_reason(refuses):
    maldon = make_cast("maldon")
    r = services.consider_member_rights(
        info_request=make_request(maldon), actor=maldon.decider.user
    )
    r = services.refuse_access(
        info_request=_fresh(r), actor=maldon.decider.user, reason="mere_curiosity"
    )
    refuses(
        ValidationError,
        "Say why you dispute the refusal.",
        services.dispute_refusal,
        field="reason",
        info_request=_fresh(r),
        actor=maldon.member.user,
        reason=" ",
    )


@pytest.mark.parametrize(
    ("service", "kwargs", "field", "message"),
    [
        (services.seek_clarification, {"question": " "}, "question", "Say what the member needs"),
        (services.note_legal_advice, {"advice": ""}, "advice", "Summarise Legal Services' advice."),
        (
            services.decide_foi,
            {"outcome": "maybe"},
            "outcome",
            "Choose the outcome of the FOI request.",
        ),
        (
            services.decide_foi,
            {"outcome": "refused", "exemptions": ["s43", "s99"]},
            "exemptions",
            "Unknown exemption: s99.",
        ),
        (
            services.decide_foi,
            {"outcome": "refused"},
            "exemptions",
            "A refusal, in full or in part, must cite the exemption it relies on.",
        ),
        (
            services.decide_foi,
            {"outcome": "part_disclosed"},
            "exemptions",
            "A refusal, in full or in part, must cite the exemption it relies on.",
        ),
        (
            services.decide_foi,
            {"outcome": "disclosed", "exemptions": ["s43"]},
            "exemptions",
            "A full disclosure cites no exemption.",
        ),
        (
            services.decide_foi,
            {"outcome": "disclosed", "at": datetime.datetime(2026, 4, 1, 9)},  # noqa: DTZ001
            "at",
            "Give the date and time with a time zone.",
        ),
    ],
    ids=[
        "clarification",
        "legal-advice",
        "foi-outcome",
        "foi-unknown-exemption",
        "foi-refused-no-exemption",
        "foi-part-no-exemption",
        "foi-disclosed-with-exemption",
        "naive-at",
    ],
)
def test_a_foi_step_with_a_bad_answer(lan, refuses, service, kwargs, field, message):
    refuses(
        ValidationError,
        message,
        service,
        field=field,
        info_request=_foi(lan),
        actor=lan.decider.user,
        **kwargs,
    )


@pytest.fixture
def decided(lan) -> InfoRequest:
    r = services.decide_foi(
        info_request=_foi(lan), actor=lan.decider.user, outcome="refused", exemptions=["s43"]
    )
    return _fresh(r)


def test_a_review_request_needs_a_reason(lan, refuses, decided):
    refuses(
        ValidationError,
        "Say why you want the decision reviewed.",
        services.request_internal_review,
        field="reason",
        info_request=decided,
        actor=lan.member.user,
        reason="",
    )


def test_only_the_member_asks_for_a_review(lan, refuses, decided):
    """Lancaster 8.8: the member has the right of internal review; nobody asks on their behalf."""
    refuses(
        PermissionRefused,
        "You may not ask for an internal review on this request.",
        services.request_internal_review,
        info_request=decided,
        actor=lan.clerk.user,
        reason="On the member's behalf.",
    )


@pytest.fixture
def in_review(lan, decided) -> InfoRequest:
    r = services.request_internal_review(
        info_request=decided, actor=lan.member.user, reason="The prices are old."
    )
    return _fresh(r)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"outcome": "sideways", "note": "x"}, "outcome", "Choose the outcome of the review."),
        ({"outcome": "upheld", "note": "  "}, "note", "Give the reasons for the review decision."),
    ],
    ids=["outcome", "note"],
)
def test_a_review_decision_with_a_bad_answer(lan, refuses, in_review, kwargs, field, message):
    refuses(
        ValidationError,
        message,
        services.decide_internal_review,
        field=field,
        info_request=in_review,
        actor=lan.mo.user,
        **kwargs,
    )


def test_the_review_is_the_monitoring_officers(lan, refuses, in_review):
    """Lancaster 8.8: the internal review is carried out by the Monitoring Officer."""
    refuses(
        PermissionRefused,
        "You may not record the internal review decision on this request.",
        services.decide_internal_review,
        info_request=in_review,
        actor=lan.decider.user,
        outcome="upheld",
        note="Fine.",
    )


@pytest.fixture
def hounslow():
    return make_cast("hounslow")


def test_a_resource_pause_needs_its_reason(hounslow, refuses):
    """Hounslow 5.3: the resource implications are described for the leaders and the HoPS."""
    refuses(
        ValidationError,
        "Describe the resource implications.",
        services.pause_for_resource_agreement,
        field="reason",
        info_request=make_request(hounslow),
        actor=hounslow.decider.user,
        reason=" ",
    )


def test_a_resource_agreement_needs_its_terms(hounslow, refuses):
    r = services.pause_for_resource_agreement(
        info_request=make_request(hounslow), actor=hounslow.decider.user, reason="Ten years."
    )
    refuses(
        ValidationError,
        "Record what was agreed.",
        services.record_resource_agreement,
        field="agreement",
        info_request=_fresh(r),
        actor=hounslow.hops.user,
        agreement="",
    )


def test_the_member_does_not_pause_for_resources(hounslow, refuses):
    refuses(
        PermissionRefused,
        "You may not pause for the group leaders and head of paid service to agree on this",
        services.pause_for_resource_agreement,
        info_request=make_request(hounslow),
        actor=hounslow.member.user,
        reason="Too much.",
    )


def test_a_login_with_no_council_record_logs_no_request(lan, refuses):
    """An account not linked to a person (an operator, say) logs nothing; a superuser may."""
    from tests.factories import UserFactory

    refuses(
        PermissionRefused,
        "You may log requests only for yourself or your own council.",
        services.create_info_request,
        **_create(lan, actor=UserFactory()),
    )
    logged = services.create_info_request(**_create(lan, actor=UserFactory(is_superuser=True)))
    assert logged.requested_by == lan.member
