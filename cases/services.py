"""Use cases for disputes. Views, the API, admin actions, commands and tasks call these; none of
them change a case directly.

Every service is keyword-only and atomic, checks permission (`cases.permissions`), takes the
FSM transition, saves, writes the audit event (`cases.audit.record_event`) and queues the
notification with `transaction.on_commit`. An `actor` of None is the system itself (commands,
the demo loader, the sweep): it is not permission-checked.

Concurrency: each service locks the case row (`select_for_update`) before writing, so events on
one case are written one at a time (the audit hash chain cannot fork). A caller who acted on a
stale copy of the case (its state changed since they loaded it) gets `StaleObject`, which the
API turns into 409 and the web into "the case changed, reload". `ConcurrentTransitionMixin`
backs this up at save time.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed
from guardian.shortcuts import assign_perm

from clocks.services import meet_clocks, start_step_clocks, stop_open_clocks
from contacts.models import Council, Person, PersonKind, Role, Service
from contacts.selectors import (
    Holding,
    administered_council_ids,
    current_roles,
    managed_person_ids,
    person_for,
    related_person_ids,
    role_holders,
    service_heads,
    service_of,
)
from protocol_site.errors import ActionNotAllowed, PermissionRefused, StaleObject

from . import routing
from .audit import record_event
from .models import (
    CLOSED_STATES,
    Attachment,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseState,
    CaseType,
    Channel,
    ClockKind,
    EventAction,
    KeptInformed,
    Note,
    NoteVisibility,
    PanelSeat,
    ProtocolVariant,
    ReferenceCounter,
    VariantStatus,
    VariantStep,
)
from .permissions import Action, Standing, allowed, may_open_case, refusal, standing

User = AuthUser | AnonymousUser

STALE_MESSAGE = "{ref} changed while you were working on it: reload the case and try again."


# -- helpers ------------------------------------------------------------------------------------
def _require_aware(moment: datetime.datetime, field: str) -> None:
    if timezone.is_naive(moment):
        raise ValidationError({field: "Give the date and time with a time zone offset."})


def _published_variant(council: Council, case_type: str) -> ProtocolVariant:
    variant = (
        ProtocolVariant.objects.filter(
            council=council, case_type=case_type, status=VariantStatus.PUBLISHED
        )
        .prefetch_related("steps__clocks")
        .first()
    )
    if variant is None:
        raise ValidationError(
            {"case_type": f"{council.name} has no protocol route for {case_type}."}
        )
    return variant


def _validate_parties(
    *, council: Council, case_type: str, raised_by: Person, about: Person
) -> None:
    kinds = CaseType(case_type)
    errors: dict[str, str] = {}
    if raised_by.council_id != council.pk:
        # Never the person's name: an id from another council answers like a missing one.
        errors["raised_by"] = f"Choose a member or officer of {council.name}."
    elif raised_by.kind != kinds.raiser_kind:
        errors["raised_by"] = f"A {kinds.label.lower()} is raised by a {kinds.raiser_kind}."
    if about.council_id != council.pk:
        errors["about"] = f"Choose a member or officer of {council.name}."
    elif about.kind != kinds.subject_kind:
        errors["about"] = f"A {kinds.label.lower()} is about a {kinds.subject_kind}."
    if raised_by.pk == about.pk:
        errors["about"] = "A case cannot be about the person who raised it."
    if errors:
        raise ValidationError(errors)


def _next_reference(council: Council, year: int) -> str:
    # The counter row is locked so two cases opened at once never share a number.
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
        council=council, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{council.reference_prefix}-{year}-{counter.last:04d}"


def routing_candidates(
    *,
    council: Council,
    handler_role: str,
    on: datetime.date | None = None,
    service: Service | None = None,
) -> list[tuple[Holding, routing.Candidate]]:
    """The role holders `routing.choose_handler` weighs for a step, in the order it consults
    them, each with the holding it came from (the variant preview shows it).

    A step of a `routing.SERVICE_ROLES` role is answered first by the heads of `service` (or of
    a service it sits in), never by a head of some other service; with no service, by nobody
    (the case goes to a clerk's triage). The fallback roles follow as before."""
    pairs: list[tuple[Holding, routing.Candidate]] = []
    step_roles = routing.ROLE_EQUIVALENTS.get(handler_role, (handler_role,))
    scoped = routing.needs_service(handler_role)
    if scoped and service is not None:
        for head in service_heads(service=service, roles=list(step_roles), on=on):
            holding = head.holding
            candidate = routing.Candidate(
                person_id=holding.person.pk,
                name=holding.person.name,
                role=holding.role,
                service=head.service.name,
            )
            pairs.append((holding, candidate))
    for role in routing.roles_to_consult(handler_role):
        if scoped and role in step_roles:
            continue
        for holding in role_holders(council=council, role=role, on=on):
            candidate = routing.Candidate(
                person_id=holding.person.pk,
                name=holding.person.name,
                role=holding.role,
                title=holding.person.job_title if holding.role == role else "",
                is_deputy=holding.is_deputy,
            )
            pairs.append((holding, candidate))
    return pairs


def default_service(
    *, raised_by: Person | None, about: Person | None, on: datetime.date | None = None
) -> Service | None:
    """The service a case belongs to when nobody names one: the service of the officer it is
    about (Hounslow 11.2 "the appropriate Chief Officer"), else of the officer who raised it
    (Maldon 4.2 "their Director"). None for a case between members and no officer."""
    for person in (about, raised_by):
        if person is not None and person.kind == PersonKind.OFFICER:
            return service_of(person, on)
    return None


def service_scope(
    *,
    service: Service | None,
    raised_by: Person | None,
    about: Person | None,
    on: datetime.date | None = None,
) -> routing.ServiceScope:
    """`service` with how it was decided, in words for the routing reason."""
    if service is not None:
        for person, who in (
            (about, "the officer this case is about"),
            (raised_by, "who raised it"),
        ):
            if (
                person is not None
                and person.kind == PersonKind.OFFICER
                and service_of(person, on) == service
            ):
                return routing.ServiceScope(service.name, f"the service of {person.name}, {who}")
        return routing.ServiceScope(service.name, "the service named for this case")
    for person, who in ((about, "the officer this case is about"), (raised_by, "who raised it")):
        if person is not None and person.kind == PersonKind.OFFICER:
            return routing.ServiceScope(None, f"{person.name}, {who}, belongs to no service")
    return routing.ServiceScope(None, "no officer is a party and no service was named")


@dataclass(frozen=True)
class RoutePlan:
    """Who would handle a step, and everything weighed to decide it."""

    decision: routing.Decision
    pairs: list[tuple[Holding, routing.Candidate]]
    handler_role: str  # the step's role after its subject rules
    rule: routing.SubjectRule | None


def plan_step(
    *,
    council: Council,
    step: VariantStep,
    raised_by: Person | None,
    about: Person | None,
    service: Service | None,
    on: datetime.date | None = None,
) -> RoutePlan:
    """The ORM half of `cases.routing` for one step: subject rules, the service's heads, the
    fallbacks, parties, relationships and the subject's line-management chain."""
    on = on or timezone.localdate()
    subject_roles: list[str] = []
    if about is not None:
        subject_roles = [a.role for a in current_roles(about, on) if a.council_id == council.pk]
    rules = [routing.SubjectRule.from_data(r) for r in step.subject_rules or []]
    handler_role, rule = routing.apply_subject_rules(step.handler_role, rules, subject_roles)
    pairs = routing_candidates(council=council, handler_role=handler_role, on=on, service=service)
    parties = {p.pk for p in (raised_by, about) if p is not None}
    decision = routing.choose_handler(
        handler_role=handler_role,
        candidates=[candidate for _, candidate in pairs],
        party_ids=parties,
        related_ids=related_person_ids(parties, on=on) if parties else set(),
        subject_id=about.pk if about is not None else None,
        managed_ids=managed_person_ids(about, on) if about is not None else set(),
        scope=service_scope(service=service, raised_by=raised_by, about=about, on=on),
        rule=rule,
    )
    return RoutePlan(decision=decision, pairs=pairs, handler_role=handler_role, rule=rule)


def route_handler(case: Case, step: VariantStep) -> routing.Decision:
    """Who should handle `step` of `case`, and why (the ORM half of `cases.routing`)."""
    return plan_step(
        council=case.council,
        step=step,
        raised_by=case.raised_by,
        about=case.about,
        service=case.service,
    ).decision


def plan_panel(
    *,
    council: Council,
    handler_role: str,
    party_ids: set[int],
    subject_id: int | None,
    on: datetime.date | None = None,
) -> tuple[routing.PanelDecision, dict[int, Person]]:
    """The ORM half of `routing.choose_panel`: who of the committee would sit on a rung of
    `handler_role`, and why (Maldon 5.1, West Lavington 4.2), with the holders by id. A real case
    (`route_panel`) and the variant preview ask the same question here."""
    holders = role_holders(council=council, role=handler_role, on=on)
    chairmen = role_holders(council=council, role=Role.CHAIRMAN, on=on)
    decision = routing.choose_panel(
        handler_role=handler_role,
        candidates=[
            routing.Candidate(person_id=h.person.pk, name=h.person.name, role=h.role)
            for h in holders
        ],
        party_ids=party_ids,
        related_ids=related_person_ids(party_ids, on=on) if party_ids else set(),
        subject_id=subject_id,
        chairman_ids=[h.person.pk for h in chairmen],
    )
    return decision, {h.person.pk: h.person for h in holders}


def route_panel(case: Case, step: VariantStep) -> routing.PanelDecision:
    """The committee members who sit on `step` of `case` as a panel, and why (Maldon 5.1,
    West Lavington 4.2). Only for a step whose handler role is a committee's membership."""
    decision, _ = plan_panel(
        council=case.council,
        handler_role=step.handler_role,
        party_ids={case.raised_by_id, case.about_id},
        subject_id=case.about_id,
    )
    return decision


def _seat_panel(
    case: Case, step: VariantStep, decision: routing.Decision, *, at: datetime.datetime
) -> routing.Decision:
    """At a committee rung, seat its panel and hand the case to the panel (no single handler);
    elsewhere return `decision` unchanged. Called right after routing a step."""
    if not routing.is_panel_role(step.handler_role):
        return decision
    panel = route_panel(case, step)
    PanelSeat.objects.bulk_create(
        [
            PanelSeat(
                case=case,
                person_id=pid,
                step_position=step.position,
                role=step.handler_role,
                seated_at=at,
            )
            for pid in panel.member_ids
        ],
        ignore_conflicts=True,
    )
    return routing.Decision(None, panel.reason, step.handler_role if panel.member_ids else None)


# Roles that name one head of the officer's service ("their Director"): the person routing would
# choose for a rung of that role is the one kept informed, not every holder of it.
HEAD_ROLES = frozenset({"chief_officer", "director", "service_head"})


def kept_informed_people(case: Case, step: VariantStep) -> list[tuple[Person, str]]:
    """Who `step` of `case` keeps informed, as (person, role), never a party to the case.

    Every holder of each inform role (deputies included), except for the service-head roles,
    which route like a handler would ("their Director", Maldon 4.2)."""
    parties = {case.raised_by_id, case.about_id}
    chosen: dict[int, tuple[Person, str]] = {}
    for role in step.inform_roles or []:
        if role in HEAD_ROLES:
            probe = VariantStep(
                variant=case.variant, position=step.position, state=step.state, handler_role=role
            )
            decision = route_handler(case, probe)
            people = (
                [] if decision.person_id is None else [Person.objects.get(pk=decision.person_id)]
            )
        else:
            people = [h.person for h in role_holders(council=case.council, role=role)]
        for person in people:
            if person.pk in parties or person.anonymised_at is not None:
                continue
            chosen.setdefault(person.pk, (person, role))
    return list(chosen.values())


def keep_informed(case: Case, step: VariantStep, *, at: datetime.datetime) -> None:
    """Record who `step` keeps informed: they may read the case from now on (read-only)."""
    for person, role in kept_informed_people(case, step):
        KeptInformed.objects.get_or_create(
            case=case,
            person=person,
            step_position=step.position,
            defaults={"role": role, "since": at},
        )


def _assign(
    case: Case, *, person_id: int | None, reason: str, actor: User | None, at: datetime.datetime
) -> CaseEvent:
    previous = case.handler_id
    case.handler_id = person_id
    case.handler_reason = reason
    if person_id is not None:
        CaseAssignment.objects.create(
            case=case,
            person_id=person_id,
            step_position=case.step_position,
            assigned_at=at,
            reason=reason,
        )
    return record_event(
        case=case,
        actor=actor,
        action=EventAction.ASSIGNED,
        from_state=case.state,
        to_state=case.state,
        reason=reason,
        data={"handler": person_id, "previous_handler": previous},
        at=at,
    )


def _notify(case: Case, event: CaseEvent) -> None:
    from .tasks import notify_case_change

    case_id, event_id = case.pk, event.pk
    transaction.on_commit(lambda: notify_case_change.delay(case_id, event_id))


def _lock(case: Case, *, check_state: bool = True) -> Case:
    """The case's row, locked for this transaction, refused if the caller's copy is stale
    (`check_state`: transitions only; a note or an assignment does not depend on the state)."""
    current = (
        Case.objects.select_for_update(of=("self",))
        .select_related("council", "variant", "raised_by", "about", "handler")
        .get(pk=case.pk)
    )
    if check_state and current.state != case.state:
        raise StaleObject(STALE_MESSAGE.format(ref=case.reference))
    return current


def _check(actor: User | None, action: str, case: Case) -> Standing | None:
    if actor is None:
        return None
    s = standing(actor, case)
    if not allowed(s, action):
        raise PermissionRefused(refusal(s, action, case))
    return s


def _ensure_open(case: Case, doing: str) -> None:
    if case.state in CLOSED_STATES:
        raise ActionNotAllowed(
            f"{case.reference} is {case.get_state_display().lower()}: it cannot be {doing}."
        )


def _save(case: Case) -> None:
    try:
        case.save()
    except ConcurrentTransition as exc:
        raise StaleObject(STALE_MESSAGE.format(ref=case.reference)) from exc


# -- opening ------------------------------------------------------------------------------------
@transaction.atomic
def open_case(
    *,
    council: Council,
    case_type: str,
    raised_by: Person,
    about: Person,
    channel: str,
    received_at: datetime.datetime,
    summary: str,
    actor: User | None,
    idempotency_key: str | None = None,
    service: Service | None = None,
) -> Case:
    """Log a dispute on the council's published route, route it, start its clocks.

    `service` is the service the matter belongs to (issue #20), asked for when the case is not
    about an officer; left out, it is the service of the officer the case is about, else of the
    officer who raised it (`default_service`)."""
    if idempotency_key:
        existing = _by_idempotency_key(council, actor, idempotency_key)
        if existing is not None:
            return existing
    if case_type not in CaseType.values:
        raise ValidationError({"case_type": f"{case_type} is not a case type."})
    if channel not in Channel.values:
        raise ValidationError({"channel": f"{channel} is not a channel."})
    _require_aware(received_at, "received_at")
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": "The case cannot have been received in the future."})
    if not summary.strip():
        raise ValidationError({"summary": "Say what the case is about."})
    if actor is not None and not may_open_case(actor, council=council, raised_by=raised_by):
        raise PermissionRefused(
            f"You can raise a case only in your own name, or log one as a clerk or the "
            f"Monitoring Officer of {council.name}."
        )
    variant = _published_variant(council, case_type)
    _validate_parties(council=council, case_type=case_type, raised_by=raised_by, about=about)
    service = _case_service(council=council, service=service, raised_by=raised_by, about=about)
    try:
        with transaction.atomic():
            return _create_case(
                council=council,
                case_type=case_type,
                variant=variant,
                raised_by=raised_by,
                about=about,
                channel=channel,
                received_at=received_at,
                summary=summary.strip(),
                actor=actor,
                idempotency_key=idempotency_key or None,
                service=service,
            )
    except IntegrityError:
        # A double submit racing this one got the key first.
        if idempotency_key:
            existing = _by_idempotency_key(council, actor, idempotency_key)
            if existing is not None:
                return existing
        raise


def _case_service(
    *, council: Council, service: Service | None, raised_by: Person, about: Person
) -> Service | None:
    if service is None:
        return default_service(raised_by=raised_by, about=about)
    if service.council_id != council.pk:
        raise ValidationError({"service": f"{service.name} is not a service of {council.name}."})
    return service


def _by_idempotency_key(council: Council, actor: User | None, key: str) -> Case | None:
    """The case this council's `actor` already opened with `key`, if any.

    A key belongs to the council and the login that sent it: the same key from another login or
    at another council never returns, reveals or blocks anything there (issue #23)."""
    opener = actor.pk if actor is not None and actor.is_authenticated else None
    return Case.objects.filter(council=council, opened_by_id=opener, idempotency_key=key).first()


def _create_case(
    *,
    council: Council,
    case_type: str,
    variant: ProtocolVariant,
    raised_by: Person,
    about: Person,
    channel: str,
    received_at: datetime.datetime,
    summary: str,
    actor: User | None,
    idempotency_key: str | None,
    service: Service | None = None,
) -> Case:
    now = timezone.now()
    steps = variant.ordered_steps()
    if not steps:
        raise ValidationError({"case_type": f"{variant} has no steps: publish a complete route."})
    first = steps[0]
    case = Case(
        reference=_next_reference(council, timezone.localdate().year),
        council=council,
        case_type=case_type,
        variant=variant,
        step_position=first.position,
        raised_by=raised_by,
        about=about,
        channel=channel,
        received_at=received_at,
        summary=summary,
        opened_by=actor if actor is not None and actor.is_authenticated else None,
        idempotency_key=idempotency_key,
        service=service,
        # The first rung's state; the protected FSM field refuses any later direct write.
        state=first.state,
    )
    case.save()
    opened = record_event(
        case=case,
        actor=actor,
        action=EventAction.OPENED,
        to_state=case.state,
        reason=f"Opened on {variant.title or variant} at step {first.position}: {first.label}",
        data={"variant": variant.pk, "version": variant.version, "channel": channel},
        at=now,
    )
    decision = route_handler(case, first)
    decision = _seat_panel(case, first, decision, at=now)
    _assign(case, person_id=decision.person_id, reason=decision.reason, actor=None, at=now)
    case.save(update_fields=["handler", "handler_reason", "updated_at"])
    keep_informed(case, first, at=now)
    # Clocks count from receipt (Maldon 2.2: "within seven days" of the concern being raised).
    start_step_clocks(case=case, step=first, started_at=received_at)
    _notify(case, opened)
    return case


# -- transitions --------------------------------------------------------------------------------
@transaction.atomic
def escalate_case(
    *, case: Case, actor: User | None, reason: str = "", expected_state: str | None = None
) -> Case:
    """Move the case up its council's ladder to the next step, re-route, restart the clocks."""
    if expected_state is not None and expected_state != case.state:
        raise StaleObject(STALE_MESSAGE.format(ref=case.reference))
    current = _lock(case)
    _check(actor, Action.ESCALATE, current)
    _ensure_open(current, "escalated")
    if not current.has_next_step():
        step = current.current_step
        raise ActionNotAllowed(
            f"{current.reference} is already at the last step of {current.council.name}'s "
            f"route: {step.label}."
        )
    from_state = current.state
    try:
        current.escalate()
    except TransitionNotAllowed as exc:  # pragma: no cover - guarded above
        raise ActionNotAllowed(str(exc)) from exc
    now = timezone.now()
    step = current.current_step
    decision = route_handler(current, step)
    decision = _seat_panel(current, step, decision, at=now)
    current.handler_id = decision.person_id
    current.handler_reason = decision.reason
    _save(current)
    event = record_event(
        case=current,
        actor=actor,
        action=EventAction.ESCALATED,
        from_state=from_state,
        to_state=current.state,
        reason=reason.strip(),
        data={"step": step.position, "label": step.label},
        at=now,
    )
    _assign(current, person_id=decision.person_id, reason=decision.reason, actor=None, at=now)
    keep_informed(current, step, at=now)
    # The earlier rung's clocks stop; the new rung starts its own.
    stop_open_clocks(case=current, at=now)
    start_step_clocks(case=current, step=step, started_at=now)
    _notify(current, event)
    return current


@transaction.atomic
def acknowledge_case(*, case: Case, actor: User | None) -> Case:
    """Maldon 2.2: the officer contacts the member to acknowledge an emailed concern."""
    current = _lock(case)
    _check(actor, Action.ACKNOWLEDGE, current)
    _ensure_open(current, "acknowledged")
    if current.acknowledged_at is not None:
        at = timezone.localtime(current.acknowledged_at)
        raise ActionNotAllowed(f"{current.reference} was already acknowledged on {at:%d %B %Y}.")
    now = timezone.now()
    current.acknowledge(at=now)
    _save(current)
    event = record_event(
        case=current,
        actor=actor,
        action=EventAction.ACKNOWLEDGED,
        from_state=current.state,
        to_state=current.state,
        at=now,
    )
    meet_clocks(case=current, kinds=[ClockKind.ACKNOWLEDGEMENT], at=now, actor=actor)
    _notify(current, event)
    return current


@transaction.atomic
def correct_summary(*, case: Case, actor: User | None, summary: str) -> Case:
    """The person who raised the case corrects its summary, until it is acknowledged; the old
    and new wording are kept in the audit trail."""
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": "Enter a summary of the case."})
    current = _lock(case, check_state=False)
    if not may_correct_summary(actor, current):
        raise PermissionRefused(
            "Only the person who raised the case can correct its summary, and only until it is "
            "acknowledged."
        )
    if summary == current.summary:
        return current
    before = current.summary
    current.summary = summary
    current.save(update_fields=["summary", "updated_at"])
    record_event(
        case=current,
        actor=actor,
        action=EventAction.SUMMARY_CORRECTED,
        from_state=current.state,
        to_state=current.state,
        reason="The person who raised the case corrected its summary.",
        data={"before": before, "after": summary},
    )
    return current


def may_correct_summary(actor: User | None, case: Case) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    person = person_for(actor)
    return (
        person is not None
        and person.pk == case.raised_by_id
        and case.is_open
        and case.acknowledged_at is None
    )


@transaction.atomic
def respond_to_case(*, case: Case, actor: User | None, text: str) -> Case:
    """The handler's response to the person who raised the case (Maldon 2.2: within 7 days).
    The response is a shared note, so both parties read it."""
    if not text or not text.strip():
        raise ValidationError({"text": "Write the response."})
    current = _lock(case)
    _check(actor, Action.RESPOND, current)
    _ensure_open(current, "responded to")
    now = timezone.now()
    current.respond(at=now)
    _save(current)
    _create_note(current, actor=actor, body=text.strip(), visibility=NoteVisibility.SHARED)
    event = record_event(
        case=current,
        actor=actor,
        action=EventAction.RESPONDED,
        from_state=current.state,
        to_state=current.state,
        reason=text.strip(),
        at=now,
    )
    meet_clocks(case=current, kinds=[ClockKind.RESPONSE], at=now, actor=actor)
    _notify(current, event)
    return current


def _close(
    *,
    case: Case,
    actor: User | None,
    action: str,
    closed_as: str,
    transition: Callable[[Case, datetime.datetime], object],
    event_action: str,
    reason: str,
) -> Case:
    """Resolve or withdraw: the case closes, its open clocks stop and the parties are told."""
    current = _lock(case)
    _check(actor, action, current)
    _ensure_open(current, closed_as)
    from_state = current.state
    now = timezone.now()
    transition(current, now)
    _save(current)
    event = record_event(
        case=current,
        actor=actor,
        action=event_action,
        from_state=from_state,
        to_state=current.state,
        reason=reason,
        at=now,
    )
    stop_open_clocks(case=current, at=now)
    _notify(current, event)
    return current


@transaction.atomic
def resolve_case(*, case: Case, actor: User | None, outcome: str) -> Case:
    if not outcome or not outcome.strip():
        raise ValidationError({"outcome": "Record the outcome."})
    return _close(
        case=case,
        actor=actor,
        action=Action.RESOLVE,
        closed_as="resolved",
        transition=lambda current, at: current.resolve(at=at, outcome=outcome.strip()),
        event_action=EventAction.RESOLVED,
        reason=outcome.strip(),
    )


@transaction.atomic
def withdraw_case(*, case: Case, actor: User | None, reason: str = "") -> Case:
    return _close(
        case=case,
        actor=actor,
        action=Action.WITHDRAW,
        closed_as="withdrawn",
        transition=lambda current, at: current.withdraw(at=at),
        event_action=EventAction.WITHDRAWN,
        reason=(reason or "").strip(),
    )


@transaction.atomic
def reopen_case(*, case: Case, actor: User | None, reason: str) -> Case:
    """A clerk or the Monitoring Officer reopens a closed case at the step it closed on."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the case is being reopened."})
    current = _lock(case)
    _check(actor, Action.REOPEN, current)
    if current.state not in CLOSED_STATES:
        raise ActionNotAllowed(f"{current.reference} is open: only a closed case can be reopened.")
    from_state = current.state
    now = timezone.now()
    current.reopen()
    _save(current)
    restart, kept_stopped = clocks_on_reopen(current)
    event = record_event(
        case=current,
        actor=actor,
        action=EventAction.REOPENED,
        from_state=from_state,
        to_state=current.state,
        reason=reason.strip(),
        data={
            "clocks_restarted": [rule.kind for rule in restart],
            "clocks_not_restarted": [rule.kind for rule, _why in kept_stopped],
        },
        at=now,
    )
    # The clocks the step names that closing the case stopped run again, whole, from today;
    # one already met (the acknowledgement was sent) is not owed twice.
    start_step_clocks(
        case=current,
        step=current.current_step,
        started_at=now,
        only_kinds={rule.kind for rule in restart},
    )
    _notify(current, event)
    return current


def clocks_on_reopen(case: Case) -> tuple[list[Any], list[tuple[Any, str]]]:
    """For a case reopened at its current step: (the step's clock rules that restart, and
    (rule, why not) for those that do not). The reopen page shows both before the user acts."""
    from clocks.models import Deadline

    step = case.current_step
    met = {
        d.kind: d.met_at
        for d in Deadline.objects.filter(
            case=case, step_position=step.position, met_at__isnull=False
        )
    }
    restart: list[Any] = []
    not_restarted: list[tuple[Any, str]] = []
    for rule in step.clocks.all():
        if rule.only_channel and rule.only_channel != case.channel:
            not_restarted.append(
                (rule, f"it applies only to cases received by {rule.get_only_channel_display()}")
            )
        elif rule.kind in met:
            not_restarted.append(
                (rule, f"it was met on {timezone.localtime(met[rule.kind]):%-d %B %Y}")
            )
        else:
            restart.append(rule)
    return restart, not_restarted


def _related_refusal(actor: User | None, person: Person, parties: set[int], case: Case) -> str:
    """Why `person` may not handle `case`: the relationship is named only to someone who may read
    it in the relationships register (Maldon 5.1); anyone else learns only that they cannot."""
    from registers.selectors import visible_relationships_for

    if actor is not None:
        pair = Q(person=person, related_person_id__in=parties) | Q(
            related_person=person, person_id__in=parties
        )
        if visible_relationships_for(actor).filter(pair).exists():
            return (
                f"{person.name} has declared a personal relationship with a party "
                f"to {case.reference} (Maldon 6.2)."
            )
    return f"{person.name} cannot handle {case.reference}."


@transaction.atomic
def assign_handler(*, case: Case, actor: User | None, person: Person, reason: str) -> Case:
    """A clerk or MO assigns a handler by hand; never a party or someone related to one."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why this person is assigned."})
    current = _lock(case, check_state=False)
    _check(actor, Action.ASSIGN, current)
    _ensure_open(current, "reassigned")
    parties = {current.raised_by_id, current.about_id}
    if person.pk in parties:
        raise ValidationError({"person": f"{person.name} is a party to {current.reference}."})
    served = {current.council_id, current.council.monitoring_officer_source.pk}
    if person.council_id not in served:
        # Never their name: a foreign id answers like one that does not exist (issue #23).
        raise ValidationError({"person": f"Choose someone who works for {current.council.name}."})
    if person.pk in related_person_ids(parties):
        raise ValidationError({"person": _related_refusal(actor, person, parties, current)})
    if person.pk == current.handler_id:
        raise ActionNotAllowed(f"{person.name} is already handling {current.reference}.")
    _check_panel_assignment(current, person)
    now = timezone.now()
    event = _assign(current, person_id=person.pk, reason=reason.strip(), actor=actor, at=now)
    current.save(update_fields=["handler", "handler_reason", "updated_at"])
    _notify(current, event)
    return current


@transaction.atomic
def reform_panel(*, case: Case, actor: User | None, reason: str) -> Case:
    """A clerk or the MO seats the committee rung's panel again from today's role assignments
    (a member resigned, or the committee was short when the case arrived). Members no longer
    on it stand down and keep sight of the case; the new panel is emailed. West Lavington 4.2
    still holds: never the chairman alone, at least two for the personnel committee."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the panel is being re-formed."})
    current = _lock(case, check_state=False)
    _check(actor, Action.ASSIGN, current)
    _ensure_open(current, "given a new panel")
    step = current.current_step
    if not routing.is_panel_role(step.handler_role):
        raise ActionNotAllowed(
            f"{current.reference} is at {step.label}, which one person handles: change the "
            "handler instead."
        )
    decision = route_panel(current, step)
    if not decision.member_ids:
        raise ValidationError({"reason": decision.reason})
    now = timezone.now()
    seats = {s.person_id: s for s in current.panel_seats.filter(step_position=step.position)}
    for person_id, seat in seats.items():
        if person_id not in decision.member_ids and seat.stood_down_at is None:
            seat.stood_down_at = now
            seat.save(update_fields=["stood_down_at"])
        elif person_id in decision.member_ids and seat.stood_down_at is not None:
            seat.stood_down_at = None
            seat.save(update_fields=["stood_down_at"])
    PanelSeat.objects.bulk_create(
        [
            PanelSeat(
                case=current,
                person_id=pid,
                step_position=step.position,
                role=step.handler_role,
                seated_at=now,
            )
            for pid in decision.member_ids
            if pid not in seats
        ]
    )
    event = _assign(
        current,
        person_id=None,
        reason=f"{reason.strip()} {decision.reason}",
        actor=actor,
        at=now,
    )
    current.save(update_fields=["handler", "handler_reason", "updated_at"])
    _notify(current, event)
    return current


@transaction.atomic
def reroute_case(
    *, case: Case, actor: User | None, reason: str, service: Service | None = None
) -> Case:
    """A clerk or MO routes an open case again by the rules (issue #20), optionally naming the
    service it belongs to: how a case left without a handler for want of a service leaves triage,
    and how an old case takes up the organisation structure. Audited like any assignment; a case
    nobody re-routes keeps its handler."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the case is being routed again."})
    current = _lock(case, check_state=False)
    _check(actor, Action.ASSIGN, current)
    _ensure_open(current, "re-routed")
    step = current.current_step
    if routing.is_panel_role(step.handler_role):
        # A committee rung is its panel's (Maldon 5.1, West Lavington 4.2): routing one person
        # to it would leave a single councillor dealing with it alone.
        raise ActionNotAllowed(
            f"{current.reference} is at {step.label}, which the committee's panel handles: "
            "re-form the panel instead."
        )
    if service is not None:
        if service.council_id != current.council_id:
            raise ValidationError(
                {"service": f"{service.name} is not a service of {current.council.name}."}
            )
        current.service = service
    decision = route_handler(current, step)
    if decision.person_id is None:
        raise ActionNotAllowed(
            f"The rules find nobody to handle {current.reference}: {decision.reason}"
        )
    now = timezone.now()
    if decision.person_id == current.handler_id and service is None:
        raise ActionNotAllowed(f"The rules choose the current handler again. {decision.reason}")
    event = _assign(
        current,
        person_id=decision.person_id,
        reason=f"Routed again by the rules ({reason.strip()}): {decision.reason}",
        actor=actor,
        at=now,
    )
    current.save(update_fields=["handler", "handler_reason", "service", "updated_at"])
    _notify(current, event)
    return current


def can_reform_panel(*, case: Case, user: User, admin_ids: set[int] | None = None) -> bool:
    """Whether `user` may re-form the panel of `case` now: an open case at a committee rung."""
    if case.state in CLOSED_STATES or not routing.is_panel_role(case.current_step.handler_role):
        return False
    if admin_ids is None:
        admin_ids = administered_council_ids(user)
    return allowed(standing(user, case, admin_ids=admin_ids), Action.ASSIGN)


def _check_panel_assignment(case: Case, person: Person) -> None:
    """A committee rung is handled by its panel: nobody replaces a seated panel by hand, and the
    chairman never takes a personnel matter alone (West Lavington 4.2)."""
    step = case.current_step
    if not routing.is_panel_role(step.handler_role):
        return
    if case.panel_member_ids():
        raise ActionNotAllowed(
            f"{case.reference} is handled by the panel of {step.label}: any member of the panel "
            "can act. Change the committee's membership, not the handler."
        )
    if step.handler_role == Role.PERSONNEL_COMMITTEE_MEMBER and person.pk in {
        h.person.pk for h in role_holders(council=case.council, role=Role.CHAIRMAN)
    }:
        raise ValidationError(
            {
                "person": f"{person.name} is the chairman, who never deals with a grievance or "
                "a personnel matter alone (West Lavington 4.2): arrange a panel of councillors."
            }
        )


@transaction.atomic
def record_conciliator(*, case: Case, actor: User | None, conciliator: str) -> Case:
    """West Lavington 4.1: "resolve matters informally, through conciliation by an appropriate
    third party" - record who: a person or body outside the council (4.2: the Monitoring
    Officer's mediation, or an independent person, e.g. from the Society of Local Council
    Clerks)."""
    name = " ".join((conciliator or "").split())
    if not name:
        raise ValidationError(
            {"conciliator": "Enter the person or body conciliating, outside the council."}
        )
    if len(name) > 200:
        raise ValidationError({"conciliator": "Enter at most 200 characters."})
    current = _lock(case, check_state=False)
    _check(actor, Action.RECORD_CONCILIATOR, current)
    _ensure_open(current, "given a conciliator")
    insider = (
        Person.objects.filter(council=current.council, name__iexact=name)
        .values_list("name", flat=True)
        .first()
    )
    if insider is not None or name.lower() == current.council.name.lower():
        who = insider or current.council.name
        raise ValidationError(
            {
                "conciliator": f"{who} is part of {current.council.name}: conciliation is by an "
                "appropriate third party outside the council (West Lavington 4.1)."
            }
        )
    if name == current.conciliator:
        raise ActionNotAllowed(f"{name} is already recorded as conciliating {current.reference}.")
    now = timezone.now()
    previous = current.conciliator
    current.conciliator = name
    current.conciliator_recorded_at = now
    current.save(update_fields=["conciliator", "conciliator_recorded_at", "updated_at"])
    record_event(
        case=current,
        actor=actor,
        action=EventAction.CONCILIATOR_RECORDED,
        from_state=current.state,
        to_state=current.state,
        reason=f"Conciliation by {name}" + (f" (previously {previous})" if previous else ""),
        data={"conciliator": name, "previous": previous},
        at=now,
    )
    return current


def can_record_conciliator(*, case: Case, user: User, admin_ids: set[int] | None = None) -> bool:
    """Whether `user` may record the conciliator on `case` now (an open case)."""
    if case.state in CLOSED_STATES:
        return False
    if admin_ids is None:
        admin_ids = administered_council_ids(user)
    return allowed(standing(user, case, admin_ids=admin_ids), Action.RECORD_CONCILIATOR)


# -- notes and attachments ----------------------------------------------------------------------
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "text/plain": (".txt",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}


def sniff_content_type(head: bytes, data_for_zip: bytes | None = None) -> str | None:
    """The file's real type from its first bytes (never from its name), or None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04") and data_for_zip is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data_for_zip)) as archive:
                if "word/document.xml" in archive.namelist():
                    return ALLOWED_TYPES_DOCX
        except zipfile.BadZipFile:
            return None
        return None
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniff boundary is still text.
        if exc.start < len(head) - 3:
            return None
    return "text/plain"


ALLOWED_TYPES_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def validate_attachment(upload: UploadedFile) -> tuple[str, int]:
    """(content type, size) of an acceptable upload; ValidationError naming the file if not."""
    name = upload.name or "file"
    size = upload.size or 0
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {"files": f"{name} is {size:,} bytes: attachments can be at most {limit:,} bytes."}
        )
    if size == 0:
        raise ValidationError({"files": f"{name} is empty."})
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    content_type = sniff_content_type(data[:2048], data)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if content_type is None or extension not in ALLOWED_TYPES[content_type]:
        raise ValidationError(
            {
                "files": f"{name} is not an allowed file: attach a PDF, Word (.docx), text, "
                "PNG or JPEG file whose name matches its contents."
            }
        )
    return content_type, size


def _create_note(
    case: Case,
    *,
    actor: User | None,
    body: str,
    visibility: str,
    uploads: Sequence[tuple[UploadedFile, str, int]] = (),
) -> Note:
    from .audit import actor_name

    note = Note.objects.create(
        case=case,
        author=actor if actor is not None and actor.is_authenticated else None,
        author_name=actor_name(actor),
        visibility=visibility,
        body=body,
    )
    for upload, content_type, size in uploads:
        Attachment.objects.create(
            note=note,
            file=upload,
            original_name=(upload.name or "file")[:255],
            content_type=content_type,
            size=size,
        )
    return note


@transaction.atomic
def add_note(
    *,
    case: Case,
    actor: User | None,
    body: str,
    visibility: str,
    files: Iterable[UploadedFile] = (),
) -> Note:
    """An internal note (officers handling the case) or a shared one (the parties read it)."""
    if visibility not in NoteVisibility.values:
        raise ValidationError({"visibility": "Choose internal or shared."})
    if not body or not body.strip():
        raise ValidationError({"body": "Write the note."})
    current = _lock(case, check_state=False)
    action = (
        Action.ADD_SHARED_NOTE if visibility == NoteVisibility.SHARED else Action.ADD_INTERNAL_NOTE
    )
    _check(actor, action, current)
    uploads = [(f, *validate_attachment(f)) for f in files]
    note = _create_note(
        current, actor=actor, body=body.strip(), visibility=visibility, uploads=uploads
    )
    event = record_event(
        case=current,
        actor=actor,
        action=EventAction.NOTE_ADDED,
        reason=f"{NoteVisibility(visibility).label.split(':')[0]} note"
        + (f" with {len(uploads)} attachment(s)" if uploads else ""),
        data={"note": note.pk, "visibility": visibility, "attachments": len(uploads)},
    )
    _ = event
    return note


# -- access -------------------------------------------------------------------------------------
def participant_candidates(case: Case) -> list[tuple[Person, str]]:
    """Who may be brought in to help at the case's current step (its `participant_roles`, e.g.
    Maldon 2.1 the Leader of the Council / Opposition Leader), as (person, role): holders today,
    never a party, nobody already reading the case as kept informed at this step."""
    step = case.current_step
    parties = {case.raised_by_id, case.about_id}
    already = set(
        KeptInformed.objects.filter(case=case, step_position=step.position).values_list(
            "person_id", flat=True
        )
    )
    chosen: dict[int, tuple[Person, str]] = {}
    for role in step.participant_roles or []:
        for holding in role_holders(council=case.council, role=role):
            p = holding.person
            if p.pk in parties or p.pk in already or p.pk == case.handler_id:
                continue
            if p.anonymised_at is None:
                chosen.setdefault(p.pk, (p, role))
    return list(chosen.values())


@transaction.atomic
def bring_in_participant(*, case: Case, actor: User | None, person: Person) -> Case:
    """Maldon 2.1: resolve informally "where necessary, with the assistance of a Director and
    the Leader of the Council / Opposition Leader". The handler or the officer concerned brings
    in a holder of one of the step's participant roles, who then reads the case and is told."""
    current = _lock(case, check_state=False)
    _check(actor, Action.BRING_IN, current)
    _ensure_open(current, "changed")
    step = current.current_step
    if not step.participant_roles:
        raise ActionNotAllowed(f"Nobody is brought in to help at this stage: {step.label}.")
    offered = {p.pk: role for p, role in participant_candidates(current)}
    if person.pk not in offered:
        titles = ", ".join(routing.ROLE_TITLES.get(r, r) for r in step.participant_roles)
        raise ValidationError(
            {"person": f"{person.name} cannot be brought in here: choose the {titles}."}
        )
    now = timezone.now()
    role = offered[person.pk]
    KeptInformed.objects.create(
        case=current, person=person, role=role, step_position=step.position, since=now
    )
    title = routing.ROLE_TITLES.get(role, role.replace("_", " "))
    cite = f" ({step.protocol_reference})" if step.protocol_reference else ""
    event = record_event(
        case=current,
        actor=actor,
        action=EventAction.ACCESS_GRANTED,
        reason=f"{person.name}, {title}, brought in to help{cite}.",
        data={"person": person.pk, "role": role, "participant": True},
        at=now,
    )
    _notify(current, event)
    return current


@transaction.atomic
def grant_case_access(*, case: Case, actor: User | None, user: AuthUser) -> Case:
    """Give one more person sight of the case (e.g. a Standards Committee member)."""
    current = _lock(case, check_state=False)
    _check(actor, Action.GRANT_ACCESS, current)
    assign_perm("cases.view_case_as_reviewer", user, current)
    record_event(
        case=current,
        actor=actor,
        action=EventAction.ACCESS_GRANTED,
        reason=f"{user.get_username()} may now see this case.",
        data={"user": user.pk},
    )
    return current


# -- what the user may do now -------------------------------------------------------------------
TRANSITION_LABELS = {
    "acknowledge": "Acknowledge",
    "respond": "Respond",
    "escalate": "Escalate",
    "resolve": "Resolve",
    "withdraw": "Withdraw",
    "reopen": "Reopen",
}


def available_transitions(
    *, case: Case, user: User, admin_ids: set[int] | None = None
) -> list[dict[str, Any]]:
    """The transitions `user` may take on `case` now, as `{"name", "label", "target"}`.

    `admin_ids`: the caller's `administered_council_ids(user)` if it has them already (the
    case page asks once per request; issue #10 query budget)."""
    if admin_ids is None:
        admin_ids = administered_council_ids(user)
    s = standing(user, case, admin_ids=admin_ids)
    result: list[dict[str, Any]] = []

    def add(name: str, label: str, target: str) -> None:
        result.append({"name": name, "label": label, "target": target})

    if case.state in CLOSED_STATES:
        if allowed(s, Action.REOPEN):
            step = case.current_step
            add("reopen", f"Reopen at {step.label}", step.state)
        return result
    if allowed(s, Action.ACKNOWLEDGE) and case.acknowledged_at is None:
        add("acknowledge", "Acknowledge", case.state)
    if allowed(s, Action.RESPOND) and can_proceed(case.respond):
        add("respond", "Respond", case.state)
    nxt = case.next_step()
    if nxt is not None and allowed(s, Action.ESCALATE):
        add("escalate", f"Escalate to {nxt.label}", nxt.state)
    if allowed(s, Action.RESOLVE):
        add("resolve", "Resolve", CaseState.RESOLVED)
    if allowed(s, Action.WITHDRAW):
        add("withdraw", "Withdraw", CaseState.WITHDRAWN)
    return result


def can_assign_handler(*, case: Case, user: User, admin_ids: set[int] | None = None) -> bool:
    """Whether `user` may change who handles `case` now (`assign_handler` would not refuse them).

    An open case only. `admin_ids` as for `available_transitions`: with it, this asks the
    database nothing that `standing` has not already cached for the request."""
    if case.state in CLOSED_STATES:
        return False
    if routing.is_panel_role(case.current_step.handler_role) and case.panel_member_ids():
        return False  # a seated panel handles it (`_check_panel_assignment`)
    if admin_ids is None:
        admin_ids = administered_council_ids(user)
    return allowed(standing(user, case, admin_ids=admin_ids), Action.ASSIGN)


# -- notifications (called by cases.tasks) ------------------------------------------------------
NOTIFY_PARTIES = {
    EventAction.RESPONDED,
    EventAction.RESOLVED,
    EventAction.WITHDRAWN,
    EventAction.REOPENED,
    EventAction.ESCALATED,
}


NOTIFY_SUBJECT_WHO_RESPONDS = {EventAction.OPENED, EventAction.ESCALATED, EventAction.ASSIGNED}


def _recipients(case: Case, step: VariantStep, event: CaseEvent) -> dict[str, str]:
    """Email address -> why they hear about `event`."""
    recipients: dict[str, str] = {}
    if case.handler is not None and case.handler.email:
        recipients[case.handler.email] = "handler"
    for member in case.panel():
        if member.email:
            recipients.setdefault(member.email, "panel")
    # Maldon 2.2: the officer concerned answers the informal stage, so is told when it opens.
    if (
        step.subject_responds
        and event.action in NOTIFY_SUBJECT_WHO_RESPONDS
        and case.about.email
        and case.about.anonymised_at is None
    ):
        recipients.setdefault(case.about.email, "subject")
    # Exactly the people recorded as kept informed of this step, so each can open the link.
    for row in KeptInformed.objects.filter(case=case, step_position=step.position).select_related(
        "person"
    ):
        if row.person.email and row.person.anonymised_at is None:
            recipients.setdefault(row.person.email, row.role)
    if event.action in NOTIFY_PARTIES:
        for party in (case.raised_by, case.about):
            if party.email:
                recipients.setdefault(party.email, "party")
    return recipients


@transaction.atomic
def send_case_notification(*, case_id: int, event_id: int) -> int:
    """Email the handler and the step's inform roles (Maldon 4.3: the Leader is always kept
    informed) about one event, once: an `informed` event records it, so a retried task skips.
    Returns the number of emails sent."""
    from django.core.mail import send_mail

    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("council", "variant", "handler", "raised_by", "about")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return 0
    event = CaseEvent.objects.filter(pk=event_id, case=case).first()
    if event is None:
        return 0
    if CaseEvent.objects.filter(
        case=case, action=EventAction.INFORMED, data__event=event_id
    ).exists():
        return 0
    step = case.current_step
    # A case opened before kept-informed rows existed, or a role that changed hands since the
    # step began: whoever the step keeps informed now is recorded before being emailed.
    keep_informed(case, step, at=timezone.now())
    recipients = _recipients(case, step, event)
    link = f"{settings.SITE_URL.rstrip('/')}/cases/{case.reference}/"
    subject = f"{case.reference}: {event.get_action_display()}"
    # The email names the case and the step, never the complaint's content: read it signed in.
    body = (
        f"{case.reference} ({case.council.name}) — {event.get_action_display()}.\n"
        f"Current step: {step.label}.\n\nSign in to read the case: {link}\n"
    )
    for address in sorted(recipients):
        send_mail(subject, body, None, [address])
    record_event(
        case=case,
        actor=None,
        action=EventAction.INFORMED,
        reason=f"Emailed {len(recipients)} people about: {event.get_action_display().lower()}",
        data={"event": event_id, "recipients": sorted(set(recipients.values()))},
    )
    return len(recipients)


# -- protocol variants (the admin's "publish" and "new version") --------------------------------


@transaction.atomic
def publish_variant(*, variant: ProtocolVariant, actor: User | None) -> ProtocolVariant:
    """Publish a draft; the version published before it retires (its open cases keep it)."""
    variant = ProtocolVariant.objects.select_for_update().get(pk=variant.pk)
    if variant.status != VariantStatus.DRAFT:
        raise ActionNotAllowed(f"Only a draft can be published; {variant} is {variant.status}.")
    states = [s.state for s in variant.ordered_steps()]
    if not states:
        raise ValidationError("A route needs at least one step before it is published.")
    ProtocolVariant.objects.filter(
        council=variant.council, case_type=variant.case_type, status=VariantStatus.PUBLISHED
    ).update(status=VariantStatus.RETIRED)
    variant.status = VariantStatus.PUBLISHED
    variant.published_at = timezone.now()
    variant.published_by = actor if actor is not None and actor.is_authenticated else None
    variant.save(update_fields=["status", "published_at", "published_by"])
    return variant
