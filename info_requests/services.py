"""Use cases for members' information requests. Views, the API and commands call these.

Each service: loads the request FOR UPDATE, checks the actor may take the step (PermissionRefused)
and that the state allows it (ActionNotAllowed), calls the FSM transition, saves, writes the
hash-chained audit event, runs the clocks, and queues side effects with on_commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from cases.models import ClockKind
from clocks import calendar as cal
from contacts.models import Council, Person, PersonKind
from contacts.selectors import person_for, role_holder
from protocol_site.errors import ActionNotAllowed, PermissionRefused

from . import deadlines
from .audit import record_event
from .models import (
    FoiExemption,
    FoiOutcome,
    InfoEventAction,
    InfoRequest,
    InfoRequestCounter,
    RefusalReason,
    RequestedItem,
    ReviewOutcome,
)
from .permissions import ACTIONS, may_take
from .schedule12a import Schedule12AParagraph
from .selectors import administers, policy_for

User = AuthUser | AnonymousUser


def _require_aware(value: datetime.datetime, field: str) -> None:
    if timezone.is_naive(value):
        raise ValidationError({field: ["Give the date and time with a time zone."]})


# -- creating ------------------------------------------------------------------------------------
def _next_reference(council: Council, year: int) -> str:
    counter, _ = InfoRequestCounter.objects.select_for_update().get_or_create(
        council=council, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{council.reference_prefix}-IR-{year}-{counter.last:04d}"


def _may_log_for(actor: User, council: Council, requested_by: Person) -> bool:
    if actor.is_superuser:
        return True
    person = person_for(actor)
    if person is None:
        return False
    if person.pk == requested_by.pk:
        return True
    # A clerk, or an officer of the council, logs a request a member made in person or by email.
    return person.council_id == council.pk and (
        person.kind == PersonKind.OFFICER or administers(actor, council)
    )


@transaction.atomic
def create_info_request(
    *,
    council: Council,
    requested_by: Person,
    description: str,
    received_at: datetime.datetime,
    actor: User,
    own_committee_business: bool | None = None,
    reasons: str = "",
    items: Iterable[str] = (),
) -> InfoRequest:
    """Log a member's non-routine request (Lancaster 8.6) with the council's decider."""
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    reasons = (reasons or "").strip()
    if not description:
        errors["description"] = ["Describe the information the member wants."]
    if requested_by.council_id != council.pk or requested_by.kind != PersonKind.COUNCILLOR:
        errors["requested_by"] = [f"Choose a councillor of {council.name}."]
    _require_aware(received_at, "received_at")
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["received_at"] = ["The request cannot have been received in the future."]
    policy = policy_for(council)
    # Maldon 10.2: a request not directly relevant to the member's service on a body is put in
    # writing to the Director with the reasons for seeking it.
    if (
        policy.reasons_required_outside_committee
        and own_committee_business is False
        and not reasons
    ):
        errors["reasons"] = [
            f"{council.name} asks for your reasons in writing when the information is not about "
            "the business of a committee or body you sit on."
        ]
    if errors:
        raise ValidationError(errors)
    if not _may_log_for(actor, council, requested_by):
        raise PermissionRefused("You may log requests only for yourself or your own council.")

    now = timezone.now()
    info_request = InfoRequest(
        reference=_next_reference(council, cal.local(received_at).year),
        council=council,
        requested_by=requested_by,
        description=description,
        received_at=received_at,
        own_committee_business=own_committee_business,
        reasons=reasons,
        decider=role_holder(council=council, role=policy.decider_role, on=received_at.date()),
        created_by=actor if actor.is_authenticated else None,
    )
    info_request.save()
    for text in items:
        if text.strip():
            RequestedItem.objects.create(info_request=info_request, description=text.strip()[:500])
    record_event(
        info_request=info_request,
        actor=actor,
        action=InfoEventAction.CREATED,
        to_state=info_request.state,
        reason=description[:500],
        data={"decider": info_request.decider_id, "decider_role": policy.decider_role},
        at=now,
    )
    request_id = info_request.pk
    transaction.on_commit(lambda: send_acknowledgement(info_request_id=request_id))
    return info_request


def send_acknowledgement(*, info_request_id: int) -> None:
    """Email the member that the request is logged and with whom (a side effect; idempotent
    enough to run twice: it only sends mail)."""
    info_request = InfoRequest.objects.select_related("requested_by", "council").get(
        pk=info_request_id
    )
    email = info_request.requested_by.email
    if not email:
        return
    policy = info_request.policy
    send_mail(
        subject=f"Your request for information {info_request.reference}",
        message=(
            f"Your request for information ({info_request.reference}) to "
            f"{info_request.council.name} has been received and passed to the "
            f"{policy.decider_label}, who will first consider whether a member of the public "
            "would be given it.\n\nSign in to follow it: "
            f"{settings.SITE_URL.rstrip('/')}"
            f"{reverse('info_requests:detail', kwargs={'reference': info_request.reference})}\n"
        ),
        from_email=None,
        recipient_list=[email],
    )


@transaction.atomic
def add_requested_item(
    *,
    info_request: InfoRequest,
    actor: User,
    description: str,
    schedule_12a_paragraph: str | None = None,
    contract_negotiation_terms: bool = False,
) -> RequestedItem:
    """Record an item asked for and, where exempt, its Schedule 12A paragraph."""
    locked = InfoRequest.objects.select_for_update().get(pk=info_request.pk)
    if not locked.is_open:
        raise ActionNotAllowed("Items can only be added while the request is open.")
    roles_ok = may_take(actor, locked, "consider_member_rights") or may_take(
        actor, locked, "provide_under_s100f"
    )
    if not roles_ok and not may_take(actor, locked, "note_legal_advice"):
        raise PermissionRefused("Only the officers deciding the request may mark its items.")
    paragraph = schedule_12a_paragraph or None
    if paragraph is not None and paragraph not in Schedule12AParagraph.values:
        raise ValidationError({"schedule_12a_paragraph": ["Choose a paragraph from 1 to 7."]})
    if (
        contract_negotiation_terms
        and paragraph != Schedule12AParagraph.FINANCIAL_OR_BUSINESS_AFFAIRS
    ):
        raise ValidationError(
            {
                "contract_negotiation_terms": [
                    "Only paragraph 3 information can be terms proposed in contract negotiations."
                ]
            }
        )
    if not description.strip():
        raise ValidationError({"description": ["Describe the item."]})
    item = RequestedItem.objects.create(
        info_request=locked,
        description=description.strip()[:500],
        schedule_12a_paragraph=paragraph,
        contract_negotiation_terms=contract_negotiation_terms,
    )
    gives, explanation = item.s100f_access()
    record_event(
        info_request=locked,
        actor=actor,
        action=InfoEventAction.ITEM_ADDED,
        from_state=locked.state,
        to_state=locked.state,
        reason=item.description,
        data={"paragraph": paragraph, "s100f_gives_access": gives, "explanation": explanation},
    )
    return item


# -- transitions ---------------------------------------------------------------------------------
def _take(
    *,
    info_request: InfoRequest,
    actor: User,
    name: str,
    event: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
    apply: Callable[[InfoRequest], None],
    at: datetime.datetime | None = None,
) -> InfoRequest:
    """Lock, check, transition, save, audit. Runs inside the caller's transaction."""
    locked = (
        InfoRequest.objects.select_for_update().select_related("council").get(pk=info_request.pk)
    )
    if locked.state != info_request.state:
        # The caller looked at an older state; the ConcurrentTransitionMixin would refuse too.
        raise ActionNotAllowed(
            f"{locked.reference} changed while you were working on it: it is now "
            f"'{locked.get_state_display()}'. Reload and try again."
        )
    # The state first (409), then the person (403): both are about a request the user can see.
    method = getattr(locked, name)
    if not can_proceed(method):
        raise ActionNotAllowed(
            f"'{ACTIONS[name].label}' is not possible while the request is "
            f"'{locked.get_state_display()}'."
        )
    if not may_take(actor, locked, name):
        raise PermissionRefused(f"You may not {ACTIONS[name].label.lower()} on this request.")
    from_state = locked.state
    apply(locked)
    locked.save()
    record_event(
        info_request=locked,
        actor=actor,
        action=event,
        from_state=from_state,
        to_state=locked.state,
        reason=reason,
        data=data,
        at=at,
    )
    return locked


def _now(at: datetime.datetime | None) -> datetime.datetime:
    at = at or timezone.now()
    _require_aware(at, "at")
    return at


@transaction.atomic
def provide_as_public(
    *, info_request: InfoRequest, actor: User, note: str = "", at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    return _take(
        info_request=info_request,
        actor=actor,
        name="provide_as_public",
        event=InfoEventAction.PROVIDED,
        reason=note or "A member of the public would be given this information (Lancaster 8.6).",
        data={"route": "public"},
        apply=lambda r: r.provide_as_public(at=at, note=note),
        at=at,
    )


@transaction.atomic
def consider_member_rights(
    *, info_request: InfoRequest, actor: User, note: str = "", at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    return _take(
        info_request=info_request,
        actor=actor,
        name="consider_member_rights",
        event=InfoEventAction.CONSIDERING,
        reason=note
        or "Not available to the public: s.100F and need to know to be considered, consulting "
        "the Monitoring Officer (Lancaster 8.7).",
        apply=lambda r: r.consider_member_rights(),
        at=at,
    )


def _blocking_items(info_request: InfoRequest) -> list[tuple[RequestedItem, str]]:
    blocked = []
    for item in info_request.items.all():
        gives, explanation = item.s100f_access()
        if not gives:
            blocked.append((item, explanation))
    return blocked


@transaction.atomic
def provide_under_s100f(
    *, info_request: InfoRequest, actor: User, note: str = "", at: datetime.datetime | None = None
) -> InfoRequest:
    """Lancaster 8.3: s.100F gives access unless an item is exempt outside paragraphs 3 and 6."""
    at = _now(at)
    blocked = _blocking_items(info_request)
    if blocked:
        raise ValidationError(
            {"detail": [f"'{item.description}': {explanation}" for item, explanation in blocked]}
        )
    caveat = info_request.policy.caveat_text
    return _take(
        info_request=info_request,
        actor=actor,
        name="provide_under_s100f",
        event=InfoEventAction.PROVIDED,
        reason=note or "Provided under section 100F of the Local Government Act 1972.",
        data={"route": "s100f", "caveat": caveat},
        apply=lambda r: r.provide_under_s100f(at=at, caveat=caveat, note=note),
        at=at,
    )


@transaction.atomic
def provide_on_need_to_know(
    *, info_request: InfoRequest, actor: User, note: str = "", at: datetime.datetime | None = None
) -> InfoRequest:
    """Lancaster 8.7/8.9: the MO's final determination; the disclosure carries the caveat."""
    at = _now(at)
    caveat = info_request.policy.caveat_text
    return _take(
        info_request=info_request,
        actor=actor,
        name="provide_on_need_to_know",
        event=InfoEventAction.PROVIDED,
        reason=note or "Need to know shown (final determination).",
        data={"route": "need_to_know", "caveat": caveat},
        apply=lambda r: r.provide_on_need_to_know(at=at, caveat=caveat, note=note),
        at=at,
    )


@transaction.atomic
def refuse_access(
    *,
    info_request: InfoRequest,
    actor: User,
    reason: str,
    detail: str = "",
    at: datetime.datetime | None = None,
) -> InfoRequest:
    at = _now(at)
    if reason not in RefusalReason.values:
        raise ValidationError({"reason": ["Choose why neither s.100F nor need to know is met."]})
    label = RefusalReason(reason).label
    return _take(
        info_request=info_request,
        actor=actor,
        name="refuse_access",
        event=InfoEventAction.REFUSED,
        reason=f"{label}. {detail}".strip(),
        data={"refusal_reason": reason},
        apply=lambda r: r.refuse_access(at=at, reason=reason, detail=detail),
        at=at,
    )


@transaction.atomic
def dispute_refusal(
    *, info_request: InfoRequest, actor: User, reason: str, at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why you dispute the refusal."]})
    return _take(
        info_request=info_request,
        actor=actor,
        name="dispute_refusal",
        event=InfoEventAction.DISPUTED,
        reason=reason,
        data={"dispute_role": info_request.policy.dispute_role},
        apply=lambda r: r.dispute_refusal(at=at, reason=reason),
        at=at,
    )


@transaction.atomic
def uphold_refusal(
    *, info_request: InfoRequest, actor: User, note: str = "", at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    return _take(
        info_request=info_request,
        actor=actor,
        name="uphold_refusal",
        event=InfoEventAction.DISPUTE_DECIDED,
        reason=note or "Refusal upheld.",
        data={"upheld": True},
        apply=lambda r: r.uphold_refusal(at=at),
        at=at,
    )


@transaction.atomic
def treat_as_foi(
    *, info_request: InfoRequest, actor: User, at: datetime.datetime | None = None
) -> InfoRequest:
    """Lancaster 8.8: handled as an FOI request; the `foi_response` clock counts 20 working days
    on the all-UK calendar from the day the member's request was received (FOIA s.10)."""
    at = _now(at)
    updated = _take(
        info_request=info_request,
        actor=actor,
        name="treat_as_foi",
        event=InfoEventAction.TREATED_AS_FOI,
        reason="Neither section 100F nor need to know is met: handled under the Freedom of "
        "Information Act without a separate request (Lancaster 8.8).",
        data={"route": "foi"},
        apply=lambda r: r.treat_as_foi(at=at),
        at=at,
    )
    deadlines.start_clock(
        info_request=updated,
        kind=ClockKind.FOI_RESPONSE,
        length=deadlines.FOI_WORKING_DAYS,
        received_at=updated.received_at,
    )
    return updated


@transaction.atomic
def seek_clarification(
    *, info_request: InfoRequest, actor: User, question: str, at: datetime.datetime | None = None
) -> InfoRequest:
    """FOIA s.1(3): the one lawful pause of the FOI clock."""
    at = _now(at)
    if not question.strip():
        raise ValidationError({"question": ["Say what the member needs to clarify."]})
    updated = _take(
        info_request=info_request,
        actor=actor,
        name="seek_clarification",
        event=InfoEventAction.CLARIFICATION_SOUGHT,
        reason=question,
        apply=lambda r: r.seek_clarification(at=at, question=question),
        at=at,
    )
    deadline = deadlines.open_deadline(updated, ClockKind.FOI_RESPONSE)
    if deadline is not None and deadline.paused_at is None:
        deadlines.pause_clock(
            deadline=deadline, at=at, reason="Awaiting clarification (FOIA s.1(3))"
        )
    return updated


@transaction.atomic
def record_clarification(
    *, info_request: InfoRequest, actor: User, answer: str = "", at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    updated = _take(
        info_request=info_request,
        actor=actor,
        name="record_clarification",
        event=InfoEventAction.CLARIFICATION_RECEIVED,
        reason=answer,
        apply=lambda r: r.record_clarification(at=at),
        at=at,
    )
    deadline = deadlines.open_deadline(updated, ClockKind.FOI_RESPONSE)
    if deadline is not None and deadline.paused_at is not None:
        # s.1(3): the 20 working days run again, whole, from the clarification's receipt.
        deadlines.restart_clock(
            deadline=deadline, at=at, reason="Clarification received (FOIA s.1(3))"
        )
    return updated


@transaction.atomic
def note_legal_advice(
    *, info_request: InfoRequest, actor: User, advice: str, at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    if not advice.strip():
        raise ValidationError({"advice": ["Summarise Legal Services' advice."]})
    return _take(
        info_request=info_request,
        actor=actor,
        name="note_legal_advice",
        event=InfoEventAction.LEGAL_ADVICE_NOTED,
        reason=advice,
        apply=lambda r: r.note_legal_advice(at=at, advice=advice),
        at=at,
    )


def _meet(info_request: InfoRequest, kind: str, at: datetime.datetime, actor: User) -> None:
    deadline = deadlines.open_deadline(info_request, kind)
    if deadline is not None:
        deadlines.meet_clock(deadline=deadline, at=at, actor=actor)


@transaction.atomic
def decide_foi(
    *,
    info_request: InfoRequest,
    actor: User,
    outcome: str,
    exemptions: Iterable[str] = (),
    note: str = "",
    at: datetime.datetime | None = None,
) -> InfoRequest:
    """Lancaster 8.8: disclosed (may be made public, 8.9), in part, or refused citing an
    exemption."""
    at = _now(at)
    exemptions = list(dict.fromkeys(exemptions))
    if outcome not in FoiOutcome.values:
        raise ValidationError({"outcome": ["Choose the outcome of the FOI request."]})
    unknown = [e for e in exemptions if e not in FoiExemption.values]
    if unknown:
        raise ValidationError({"exemptions": [f"Unknown exemption: {', '.join(unknown)}."]})
    if outcome != FoiOutcome.DISCLOSED and not exemptions:
        raise ValidationError(
            {"exemptions": ["A refusal, in full or in part, must cite the exemption it relies on."]}
        )
    if outcome == FoiOutcome.DISCLOSED and exemptions:
        raise ValidationError({"exemptions": ["A full disclosure cites no exemption."]})
    updated = _take(
        info_request=info_request,
        actor=actor,
        name="decide_foi",
        event=InfoEventAction.FOI_DECIDED,
        reason=f"{FoiOutcome(outcome).label}. {note}".strip(),
        data={"outcome": outcome, "exemptions": exemptions},
        apply=lambda r: r.decide_foi(at=at, outcome=outcome, exemptions=exemptions, note=note),
        at=at,
    )
    _meet(updated, ClockKind.FOI_RESPONSE, at, actor)
    return updated


@transaction.atomic
def request_internal_review(
    *, info_request: InfoRequest, actor: User, reason: str, at: datetime.datetime | None = None
) -> InfoRequest:
    """Lancaster 8.8: by the member, after an FOI decision; the MO reviews in 20 working days."""
    at = _now(at)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why you want the decision reviewed."]})
    updated = _take(
        info_request=info_request,
        actor=actor,
        name="request_internal_review",
        event=InfoEventAction.REVIEW_REQUESTED,
        reason=reason,
        apply=lambda r: r.request_internal_review(at=at, reason=reason),
        at=at,
    )
    deadlines.start_clock(
        info_request=updated,
        kind=ClockKind.INTERNAL_REVIEW,
        length=deadlines.INTERNAL_REVIEW_WORKING_DAYS,
        received_at=at,
    )
    return updated


@transaction.atomic
def decide_internal_review(
    *,
    info_request: InfoRequest,
    actor: User,
    outcome: str,
    note: str,
    at: datetime.datetime | None = None,
) -> InfoRequest:
    at = _now(at)
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": ["Choose the outcome of the review."]})
    if not (note or "").strip():
        raise ValidationError({"note": ["Give the reasons for the review decision."]})
    updated = _take(
        info_request=info_request,
        actor=actor,
        name="decide_internal_review",
        event=InfoEventAction.REVIEW_DECIDED,
        reason=f"{ReviewOutcome(outcome).label}. {note}",
        data={"outcome": outcome},
        apply=lambda r: r.decide_internal_review(at=at, outcome=outcome, note=note),
        at=at,
    )
    _meet(updated, ClockKind.INTERNAL_REVIEW, at, actor)
    return updated


@transaction.atomic
def record_ico_complaint(
    *,
    info_request: InfoRequest,
    actor: User,
    complained: bool,
    note: str = "",
    at: datetime.datetime | None = None,
) -> InfoRequest:
    at = _now(at)
    said = (
        "The member complained to the Information Commissioner."
        if complained
        else "The member did not complain to the Information Commissioner."
    )
    return _take(
        info_request=info_request,
        actor=actor,
        name="record_ico_complaint",
        event=InfoEventAction.ICO_RECORDED,
        reason=f"{said} {note}".strip(),
        data={"complained": complained},
        apply=lambda r: r.record_ico_complaint(at=at, complained=complained, note=note),
        at=at,
    )


@transaction.atomic
def pause_for_resource_agreement(
    *, info_request: InfoRequest, actor: User, reason: str, at: datetime.datetime | None = None
) -> InfoRequest:
    """Hounslow 5.3: the group leaders and the HoPS agree what is provided.

    Deliberately leaves the FOI clock running: FOIA lets the 20 working days stand still only
    while the council awaits clarification (s.1(3)), never for internal resourcing.
    """
    at = _now(at)
    if not reason.strip():
        raise ValidationError({"reason": ["Describe the resource implications."]})
    return _take(
        info_request=info_request,
        actor=actor,
        name="pause_for_resource_agreement",
        event=InfoEventAction.RESOURCE_PAUSED,
        reason=reason,
        data={"foi_clock_paused": False},
        apply=lambda r: r.pause_for_resource_agreement(at=at, reason=reason),
        at=at,
    )


@transaction.atomic
def record_resource_agreement(
    *, info_request: InfoRequest, actor: User, agreement: str, at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    if not agreement.strip():
        raise ValidationError({"agreement": ["Record what was agreed."]})
    return _take(
        info_request=info_request,
        actor=actor,
        name="record_resource_agreement",
        event=InfoEventAction.RESOURCE_AGREED,
        reason=agreement,
        apply=lambda r: r.record_resource_agreement(at=at, agreement=agreement),
        at=at,
    )


@transaction.atomic
def withdraw(
    *, info_request: InfoRequest, actor: User, reason: str = "", at: datetime.datetime | None = None
) -> InfoRequest:
    at = _now(at)
    updated = _take(
        info_request=info_request,
        actor=actor,
        name="withdraw",
        event=InfoEventAction.WITHDRAWN,
        reason=reason,
        apply=lambda r: r.withdraw(at=at),
        at=at,
    )
    deadlines.stop_clocks(info_request=updated, at=at)
    return updated


# The transition services by name, with the keyword arguments each takes from a form or the API.
TRANSITION_SERVICES: dict[str, Callable[..., InfoRequest]] = {
    "provide_as_public": provide_as_public,
    "consider_member_rights": consider_member_rights,
    "provide_under_s100f": provide_under_s100f,
    "provide_on_need_to_know": provide_on_need_to_know,
    "refuse_access": refuse_access,
    "dispute_refusal": dispute_refusal,
    "uphold_refusal": uphold_refusal,
    "treat_as_foi": treat_as_foi,
    "seek_clarification": seek_clarification,
    "record_clarification": record_clarification,
    "note_legal_advice": note_legal_advice,
    "decide_foi": decide_foi,
    "request_internal_review": request_internal_review,
    "decide_internal_review": decide_internal_review,
    "record_ico_complaint": record_ico_complaint,
    "pause_for_resource_agreement": pause_for_resource_agreement,
    "record_resource_agreement": record_resource_agreement,
    "withdraw": withdraw,
}
