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
from contacts.models import Council, Person
from contacts.selectors import (
    Holding,
    administered_council_ids,
    related_person_ids,
    role_holders,
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
    Note,
    NoteVisibility,
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
    *, council: Council, handler_role: str, on: datetime.date | None = None
) -> list[tuple[Holding, routing.Candidate]]:
    """The role holders `routing.choose_handler` weighs for a step, in the order it consults
    them, each with the holding it came from (the variant preview shows it)."""
    pairs: list[tuple[Holding, routing.Candidate]] = []
    for role in routing.roles_to_consult(handler_role):
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


def _candidates(case: Case, step: VariantStep) -> list[routing.Candidate]:
    pairs = routing_candidates(council=case.council, handler_role=step.handler_role)
    return [candidate for _, candidate in pairs]


def route_handler(case: Case, step: VariantStep) -> routing.Decision:
    """Who should handle `step` of `case`, and why (the ORM half of `cases.routing`)."""
    parties = {case.raised_by_id, case.about_id}
    return routing.choose_handler(
        handler_role=step.handler_role,
        candidates=_candidates(case, step),
        party_ids=parties,
        related_ids=related_person_ids(parties),
        subject_id=case.about_id,
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
) -> Case:
    """Log a dispute on the council's published route, route it, start its clocks."""
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
            )
    except IntegrityError:
        # A double submit racing this one got the key first.
        if idempotency_key:
            existing = _by_idempotency_key(council, actor, idempotency_key)
            if existing is not None:
                return existing
        raise


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
    _assign(case, person_id=decision.person_id, reason=decision.reason, actor=None, at=now)
    case.save(update_fields=["handler", "handler_reason", "updated_at"])
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
    event = record_event(
        case=current,
        actor=actor,
        action=EventAction.REOPENED,
        from_state=from_state,
        to_state=current.state,
        reason=reason.strip(),
        at=now,
    )
    _notify(current, event)
    return current


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
    now = timezone.now()
    event = _assign(current, person_id=person.pk, reason=reason.strip(), actor=actor, at=now)
    current.save(update_fields=["handler", "handler_reason", "updated_at"])
    _notify(current, event)
    return current


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


def _recipients(case: Case, step: VariantStep, event: CaseEvent) -> dict[str, str]:
    """Email address -> why they hear about `event`."""
    recipients: dict[str, str] = {}
    if case.handler is not None and case.handler.email:
        recipients[case.handler.email] = "handler"
    for role in step.inform_roles or []:
        for holding in role_holders(council=case.council, role=role):
            if holding.person.pk in (case.raised_by_id, case.about_id):
                continue
            if holding.person.email:
                recipients.setdefault(holding.person.email, role)
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
