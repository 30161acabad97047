"""Use cases for members' information requests. Views, the API and commands call these.

Each service: loads the request FOR UPDATE, checks the actor may take the step (PermissionRefused)
and that the state allows it (ActionNotAllowed), calls the FSM transition, saves, writes the
hash-chained audit event, runs the clocks, and queues side effects with on_commit.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
from cases.routing import ROLE_EQUIVALENTS
from clocks import calendar as cal
from contacts.models import SERVICE_HEAD_ROLES, Council, Person, PersonKind, Role, Service
from contacts.selectors import person_for, role_holder, service_heads
from protocol_site.errors import ActionNotAllowed, PermissionRefused

from . import deadlines
from .audit import record_event
from .models import (
    FoiExemption,
    FoiOutcome,
    InfoEventAction,
    InfoRequest,
    InfoRequestCounter,
    InfoRequestLetter,
    ItemOutcome,
    RefusalReason,
    RequestedItem,
    ReviewOutcome,
)
from .permissions import ACTIONS, decision_role, may_take
from .schedule12a import Schedule12AParagraph, s100f_gives_access
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


def choose_decider(
    *, council: Council, role: str, service: Service | None, on: datetime.date
) -> tuple[Person | None, str]:
    """Who first decides a request, and why. A Director / Chief Officer / Service Head decider
    is the head of the service holding the information, never a guess (issue #20)."""
    label = Role(role).label
    if role not in SERVICE_HEAD_ROLES:
        person = role_holder(council=council, role=role, on=on)
        if person is None:
            return None, f"Nobody holds the role of {label}: the clerk must choose who decides."
        return person, f"The {label}, {person.name}, decides this request."
    if service is None:
        return None, (
            f"The {label} of the service holding the information decides, and no service was "
            "named: the clerk must name the service."
        )
    roles = list(ROLE_EQUIVALENTS.get(role, (role,)))
    heads = service_heads(service=service, roles=roles, on=on)
    if not heads:
        return None, (f"Nobody heads {service.name} as {label}: the clerk must choose who decides.")
    head = heads[0]
    return head.holding.person, (
        f"{head.holding.person.name} heads {head.service.name}, the service holding the "
        f"information, so decides this request as its {Role(head.holding.role).label}."
    )


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
    service: Service | None = None,
) -> InfoRequest:
    """Log a member's non-routine request (Lancaster 8.6) with the council's decider.

    Where the decider is "the relevant Service Head" (Lancaster 8.6) or "the Director holding
    the information" (Maldon 10.2), `service` is the service holding it and the decider is its
    head; without a service nobody is chosen and the clerk decides (issue #20)."""
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
    if service is not None and service.council_id != council.pk:
        errors["service"] = [f"{service.name} is not a service of {council.name}."]
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
        created_by=actor if actor.is_authenticated else None,
        foi_reminder_at=deadlines.foi_decision_reminder_at(received_at),
        service=service,
    )
    info_request.decider, info_request.decider_reason = choose_decider(
        council=council, role=policy.decider_role, service=service, on=received_at.date()
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
        data={
            "decider": info_request.decider_id,
            "decider_role": policy.decider_role,
            "decider_reason": info_request.decider_reason,
        },
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
    # Added by an officer deciding the request, with its paragraph marked: that is its
    # assessment (the member's own list stays "Not yet assessed" until the decider marks it).
    item = RequestedItem.objects.create(
        info_request=locked,
        description=description.strip()[:500],
        schedule_12a_paragraph=paragraph,
        contract_negotiation_terms=contract_negotiation_terms,
        assessed_at=timezone.now(),
        assessed_by=person_for(actor),
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


@dataclass(frozen=True)
class ItemDecision:
    """The decider's mark on one listed item: its Schedule 12A paragraph (None: not exempt),
    and whether it is provided or withheld, with the reason the member is given."""

    item_id: int
    paragraph: str | None
    contract_negotiation_terms: bool = False
    provide: bool = True
    withheld_reason: str = ""


def item_field(item_id: int, name: str) -> str:
    """The form (and error) key for one item's field on the decision page."""
    return f"item-{item_id}-{name}"


def _check_item_decisions(
    info_request: InfoRequest, decisions: Sequence[ItemDecision] | None, route: str
) -> list[tuple[RequestedItem, ItemDecision]]:
    """Validate the decider's marks for every listed item, all errors at once.

    Without `decisions` (the API's older callers) each item keeps its assessment and is
    provided unless it was withheld; an item nobody assessed stops the decision.
    """
    items = list(info_request.items.all())
    by_id = {d.item_id: d for d in decisions or ()}
    errors: dict[str, list[str]] = {}
    result: list[tuple[RequestedItem, ItemDecision]] = []
    for item in items:
        decision = by_id.get(item.pk)
        if decision is None:
            if not item.is_assessed:
                errors[item_field(item.pk, "paragraph")] = [
                    f"'{item.description}' is not yet assessed: say whether it is exempt "
                    "information under Schedule 12A."
                ]
                continue
            decision = ItemDecision(
                item_id=item.pk,
                paragraph=item.schedule_12a_paragraph,
                contract_negotiation_terms=item.contract_negotiation_terms,
                provide=item.outcome != ItemOutcome.WITHHOLD,
                withheld_reason=item.withheld_reason,
            )
        paragraph = decision.paragraph or None
        if paragraph is not None and paragraph not in Schedule12AParagraph.values:
            errors[item_field(item.pk, "paragraph")] = [
                f"'{item.description}': choose a paragraph from 1 to 7, or not exempt."
            ]
            continue
        terms = decision.contract_negotiation_terms
        if terms and paragraph != Schedule12AParagraph.FINANCIAL_OR_BUSINESS_AFFAIRS:
            errors[item_field(item.pk, "contract")] = [
                f"'{item.description}': only paragraph 3 information can be terms proposed in "
                "contract negotiations."
            ]
            continue
        if not decision.provide and not decision.withheld_reason.strip():
            errors[item_field(item.pk, "reason")] = [
                f"'{item.description}': say why it is withheld, in words for the councillor."
            ]
        if decision.provide and route == "public" and paragraph is not None:
            errors[item_field(item.pk, "outcome")] = [
                f"'{item.description}' is exempt information: a member of the public would not "
                "be given it. Withhold it, or consider s.100F and need to know instead."
            ]
        if decision.provide and route == "s100f":
            gives, explanation = s100f_gives_access(paragraph, contract_negotiation_terms=terms)
            if not gives:
                errors[item_field(item.pk, "outcome")] = [f"'{item.description}': {explanation}"]
        result.append((item, decision))
    if items and not errors and not any(d.provide for _, d in result):
        errors["__all__"] = [
            "Every item is withheld, so nothing is provided: record a refusal instead."
        ]
    if errors:
        raise ValidationError(errors)
    return result


def _apply_item_decisions(
    decided: list[tuple[RequestedItem, ItemDecision]],
    *,
    info_request: InfoRequest,
    actor: User,
    at: datetime.datetime,
) -> None:
    person = person_for(actor)
    for item, decision in decided:
        item.schedule_12a_paragraph = decision.paragraph or None
        item.contract_negotiation_terms = decision.contract_negotiation_terms
        item.outcome = ItemOutcome.PROVIDE if decision.provide else ItemOutcome.WITHHOLD
        item.withheld_reason = "" if decision.provide else decision.withheld_reason.strip()
        if item.assessed_at is None:
            item.assessed_at = at
            item.assessed_by = person
        item.save()
        record_event(
            info_request=info_request,
            actor=actor,
            action=InfoEventAction.ITEM_ASSESSED,
            from_state=info_request.state,
            to_state=info_request.state,
            reason=f"{item.description}: {item.get_outcome_display()}",
            data={
                "item": item.pk,
                "paragraph": item.schedule_12a_paragraph,
                "outcome": item.outcome,
                "withheld_reason": item.withheld_reason,
            },
            at=at,
        )


def _provide(
    *,
    info_request: InfoRequest,
    actor: User,
    name: str,
    route: str,
    note: str,
    letter_text: str,
    items: Sequence[ItemDecision] | None,
    at: datetime.datetime,
    default_reason: str,
    caveat: str = "",
) -> InfoRequest:
    """The three ways of providing: each item marked, the decider and their role recorded for
    the letter's signature, the file note and the words for the member kept apart."""
    decided = _check_item_decisions(info_request, items, route)
    signer = person_for(actor)
    role = decision_role(actor, info_request, name)
    method_kwargs: dict[str, Any] = {"at": at, "note": note, "letter_text": letter_text}
    if caveat:
        method_kwargs["caveat"] = caveat

    def apply(r: InfoRequest) -> None:
        getattr(r, name)(**method_kwargs)
        r.decided_by = signer
        r.decided_by_role = role

    withheld = [i.description for i, d in decided if not d.provide]
    updated = _take(
        info_request=info_request,
        actor=actor,
        name=name,
        event=InfoEventAction.PROVIDED,
        reason=note or default_reason,
        data={
            "route": route,
            "caveat": caveat,
            "withheld": withheld,
            "decided_by_role": role,
        },
        apply=apply,
        at=at,
    )
    _apply_item_decisions(decided, info_request=updated, actor=actor, at=at)
    return updated


@transaction.atomic
def provide_as_public(
    *,
    info_request: InfoRequest,
    actor: User,
    note: str = "",
    letter_text: str = "",
    items: Sequence[ItemDecision] | None = None,
    at: datetime.datetime | None = None,
) -> InfoRequest:
    """Lancaster 8.6: what a member of the public would get is provided, item by item."""
    return _provide(
        info_request=info_request,
        actor=actor,
        name="provide_as_public",
        route="public",
        note=note,
        letter_text=letter_text,
        items=items,
        at=_now(at),
        default_reason="A member of the public would be given this information (Lancaster 8.6).",
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


@transaction.atomic
def provide_under_s100f(
    *,
    info_request: InfoRequest,
    actor: User,
    note: str = "",
    letter_text: str = "",
    items: Sequence[ItemDecision] | None = None,
    at: datetime.datetime | None = None,
) -> InfoRequest:
    """Lancaster 8.3: s.100F gives access unless an item is exempt outside paragraphs 3 and 6;
    such an item may be withheld, with its reason, and the rest provided."""
    return _provide(
        info_request=info_request,
        actor=actor,
        name="provide_under_s100f",
        route="s100f",
        note=note,
        letter_text=letter_text,
        items=items,
        at=_now(at),
        default_reason="Provided under section 100F of the Local Government Act 1972.",
        caveat=info_request.policy.caveat_text,
    )


@transaction.atomic
def provide_on_need_to_know(
    *,
    info_request: InfoRequest,
    actor: User,
    note: str = "",
    letter_text: str = "",
    items: Sequence[ItemDecision] | None = None,
    at: datetime.datetime | None = None,
) -> InfoRequest:
    """Lancaster 8.7/8.9: the MO's final determination; the disclosure carries the caveat."""
    return _provide(
        info_request=info_request,
        actor=actor,
        name="provide_on_need_to_know",
        route="need_to_know",
        note=note,
        letter_text=letter_text,
        items=items,
        at=_now(at),
        default_reason="Need to know shown (final determination).",
        caveat=info_request.policy.caveat_text,
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
    signer = person_for(actor)
    role = decision_role(actor, info_request, "refuse_access")

    def apply(r: InfoRequest) -> None:
        r.refuse_access(at=at, reason=reason, detail=detail)
        r.decided_by = signer
        r.decided_by_role = role

    return _take(
        info_request=info_request,
        actor=actor,
        name="refuse_access",
        event=InfoEventAction.REFUSED,
        reason=f"{label}. {detail}".strip(),
        data={"refusal_reason": reason, "decided_by_role": role},
        apply=apply,
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


# -- letters as PDF files ------------------------------------------------------------------------
def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint may fetch nothing: a letter is self-contained (no SSRF through a letter)."""
    raise ValueError(f"Letters load no external resources ({url}).")


def render_pdf(html: str, *, base_url: str = "") -> bytes:
    from weasyprint import HTML  # imported here: it loads pango, which only letters need

    pdf: bytes = HTML(string=html, base_url=base_url or None, url_fetcher=_no_fetch).write_pdf()
    return pdf


@transaction.atomic
def issue_letter_pdf(
    *,
    info_request: InfoRequest,
    kind: str,
    actor: User,
    render_html: Callable[[], str],
    base_url: str = "",
) -> InfoRequestLetter:
    """The letter `kind` as a PDF on the request's record: made the first time it is asked for
    (and audited as issued), then served unchanged, so the file is what the member was sent."""
    locked = InfoRequest.objects.select_for_update().get(pk=info_request.pk)
    existing = InfoRequestLetter.objects.filter(info_request=locked, kind=kind).first()
    if existing is not None:
        return existing
    pdf = render_pdf(render_html(), base_url=base_url)
    at = timezone.now()
    stored = InfoRequestLetter.objects.create(
        info_request=locked,
        kind=kind,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_at=at,
        issued_by=actor if actor.is_authenticated else None,
    )
    record_event(
        info_request=locked,
        actor=actor,
        action=InfoEventAction.LETTER_ISSUED,
        from_state=locked.state,
        to_state=locked.state,
        reason=f"Letter issued as a PDF: {kind}",
        data={"kind": kind, "sha256": stored.sha256},
        at=at,
    )
    return stored
