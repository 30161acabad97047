"""Data protection (UK GDPR): subject-access export and the retention sweep (SECURITY.md).

Subject access (Article 15): `subject_access_export(person=..., actor=...)` gathers everything
the service holds about one person — the person, their roles, every case they raised, are the
subject of or handled (with all its events and notes, internal ones included and marked: the
Monitoring Officer decides what is exempt before disclosure), what they did on other cases,
their information requests, and every register entry that names them (found by walking every
model's foreign keys to Person, so a new register is included without changing this file). The
export is recorded in Django's admin log (LogEntry), visible on the person's admin history.

Retention (Article 5(1)(e)): each council keeps closed cases `Council.retention_years` (default
6) after closing. `apply_retention()` anonymises older ones and keeps the statistics: council,
case type, state, channel, every date, the ladder steps and clocks stay; the free text (summary,
outcome, notes, reasons, drafts), attachments, email addresses and the link to the people go.
Parties and handlers are replaced by one "Anonymised councillor/officer" placeholder per council.
Members' information requests follow the same policy, counted from their last event once the
request is in a final state (`INFO_REQUEST_CLOSED_STATES`): state, route, every date, the refusal
reason, FOI outcome and exemptions and the review outcome stay; the description, reasons, notes,
decision and review texts, the items' descriptions and the requester and decider go. Finished
register entries (`REGISTER_FINISHED`) likewise, from their last register event: free text is
replaced, people become placeholders, dates and choices stay.

The audit trail is append-only by a database trigger (cases/migrations/0003_...). The sweep is
the one writer allowed past it, for UPDATE only, through `protocol_audit_reseal` (a SECURITY
DEFINER function, cases/migrations/0008_...; the application's own role has no UPDATE on the
audit tables in production) in its own transaction: it blanks each event's free text and
actor, re-seals the case's hash chain and appends an `anonymised` event that records the
chain head it replaced, so `verify_audit` still passes and the anonymisation itself stays on
the record.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from contacts.models import Council, Person, PersonKind
from info_requests.models import InfoEventAction

ANONYMISED = "[anonymised]"
ANONYMISED_ACTOR = "Anonymised"
SYSTEM_USERNAME = "protocol-automatic"
# Event `data` keys that hold no personal data and are kept for statistics.
KEPT_EVENT_DATA = frozenset(
    {"variant", "version", "channel", "step", "due_at", "from", "to", "days", "late", "attachments"}
)
# Information request event data kept besides those: choices and counts, never names or text.
KEPT_INFO_EVENT_DATA = KEPT_EVENT_DATA | frozenset(
    {
        "route",
        "refusal_reason",
        "outcome",
        "exemptions",
        "complained",
        "upheld",
        "decider_role",
        "dispute_role",
        "kind",
        "paragraph",
        "deadline",
        "foi_clock_paused",
    }
)
# The information request's free-text fields: each is replaced (or left blank if it was blank).
INFO_REQUEST_TEXT_FIELDS = (
    "reasons",
    "resource_pause_reason",
    "resource_agreement",
    "decision_note",
    "letter_text",
    "refusal_detail",
    "dispute_reason",
    "legal_advice",
    "clarification_question",
    "foi_decision_note",
    "review_reason",
    "review_note",
    "ico_note",
)
# Register event data kept: choices, dates, and ids of groups, wards and cases; not people.
KEPT_REGISTER_EVENT_DATA = KEPT_EVENT_DATA | frozenset(
    {
        "appropriate",
        "inform_all_members",
        "within_workload",
        "ended_on",
        "group",
        "groups",
        "wards",
        "received_on",
        "identity_consent",
        "sharing_consent",
        "notified_roles",
        "case",
    }
)
# Each register entry is due once it is finished (the filter below), counted from its last event.
# A relationship still declared, an approach still open and advice not yet given are kept.
REGISTER_FINISHED: dict[str, Q] = {
    "relationship": Q(ended_on__isnull=False),
    "briefing": Q(),
    "declined_attendance": Q(),
    "improper_approach": Q(state="closed"),
    "officer_help": Q(decided_at__isnull=False),
    "ward_notification": Q(),
    "interest_advice": Q(state="advised"),
}
# Text fields of a register entry that are choices, not free text, are kept; so are these.
REGISTER_KEPT_TEXT = frozenset({"key", "reference"})
# InfoRequestEvent.action of the sweep's own event.
INFO_ANONYMISED_ACTION = InfoEventAction.ANONYMISED.value
# Register models and the key their audit events use (registers.models.Register).
REGISTER_KEYS = {
    "contacts.personalrelationship": "relationship",
    "registers.briefing": "briefing",
    "registers.declinedattendance": "declined_attendance",
    "registers.improperapproach": "improper_approach",
    "registers.officerhelprequest": "officer_help",
    "registers.wardnotification": "ward_notification",
    "registers.interestadvice": "interest_advice",
}
# Exported on their own, not in the generic walk.
SPECIFIC_MODELS = frozenset(
    {
        "cases.case",
        "cases.caseassignment",
        "info_requests.inforequest",
        "contacts.roleassignment",
    }
)


# == subject access ==============================================================================
def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes not shown>"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def _row(obj: models.Model) -> dict[str, Any]:
    """Every concrete field of `obj`: foreign keys as their text, files as their name."""
    out: dict[str, Any] = {"id": obj.pk}
    for f in obj._meta.concrete_fields:
        if f.primary_key:
            continue
        if isinstance(f, models.ForeignKey):
            related = getattr(obj, f.name)
            out[f.name] = str(related) if related is not None else None
        elif isinstance(f, models.FileField):
            file = getattr(obj, f.name)
            out[f.name] = file.name if file else None
        else:
            out[f.name] = _value(getattr(obj, f.attname))
    return out


def _event(event: Any) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor": event.actor_name,
        "action": event.action,
        "from_state": getattr(event, "from_state", ""),
        "to_state": getattr(event, "to_state", ""),
        "reason": getattr(event, "reason", getattr(event, "description", "")),
    }


def _cases(person: Person) -> list[dict[str, Any]]:
    from cases.models import Case

    cases = (
        Case.objects.filter(
            Q(raised_by=person)
            | Q(about=person)
            | Q(handler=person)
            | Q(assignments__person=person)
        )
        .distinct()
        .select_related("council", "raised_by", "about", "handler")
        .prefetch_related("events", "notes__attachments", "assignments")
        .order_by("received_at", "pk")
    )
    out = []
    for case in cases:
        relation = [
            label
            for label, holds in (
                ("raised_by", case.raised_by_id == person.pk),
                ("about", case.about_id == person.pk),
                ("handler", case.handler_id == person.pk),
                ("past_handler", any(a.person_id == person.pk for a in case.assignments.all())),
            )
            if holds
        ]
        out.append(
            {
                "reference": case.reference,
                "council": case.council.name,
                "case_type": case.get_case_type_display(),
                "state": case.get_state_display(),
                "your_part": relation,
                "raised_by": str(case.raised_by),
                "about": str(case.about),
                "handler": str(case.handler) if case.handler else None,
                "channel": case.get_channel_display(),
                "received_at": case.received_at.isoformat(),
                "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                "summary": case.summary,
                "outcome": case.outcome,
                "events": [_event(e) for e in case.events.all()],
                "notes": [
                    {
                        "at": note.created_at.isoformat(),
                        "author": note.author_name,
                        "visibility": note.visibility,
                        "body": note.body,
                        "attachments": [a.original_name for a in note.attachments.all()],
                    }
                    for note in case.notes.all()
                ],
            }
        )
    return out


def _actions_elsewhere(person: Person, case_refs: set[str]) -> list[dict[str, Any]]:
    """What the person did (as a login) on cases not already exported."""
    from cases.models import CaseEvent

    if person.user_id is None:
        return []
    events = (
        CaseEvent.objects.filter(actor_id=person.user_id)
        .exclude(case__reference__in=case_refs)
        .select_related("case")
        .order_by("at", "pk")
    )
    return [{"case": e.case.reference, "at": e.at.isoformat(), "action": e.action} for e in events]


def _info_requests(person: Person) -> list[dict[str, Any]]:
    from info_requests.models import InfoRequest

    requests = (
        InfoRequest.objects.filter(requested_by=person)
        .select_related("council")
        .prefetch_related("events")
        .order_by("received_at", "pk")
    )
    return [
        {
            "reference": r.reference,
            "council": r.council.name,
            "state": r.get_state_display(),
            "route": r.route,
            "description": r.description,
            "received_at": r.received_at.isoformat(),
            "events": [_event(e) for e in r.events.all()],
        }
        for r in requests
    ]


def _person_links() -> Iterable[tuple[type[models.Model], str]]:
    """(model, field name) for every foreign key or many-to-many to Person, in every app."""
    for model in apps.get_models():
        if model._meta.label_lower in SPECIFIC_MODELS:
            continue
        for f in model._meta.get_fields():
            if (
                isinstance(f, models.ForeignKey | models.ManyToManyField)
                and f.related_model is Person
            ):
                yield model, f.name


def _register_entries(person: Person) -> list[dict[str, Any]]:
    from registers.models import RegisterEvent

    found: dict[tuple[str, int], dict[str, Any]] = {}
    for model, name in _person_links():
        for obj in model._default_manager.filter(**{name: person}).distinct():
            key = (model._meta.label_lower, obj.pk)
            entry = found.setdefault(
                key,
                {
                    "register": str(model._meta.verbose_name_plural).capitalize(),
                    "id": obj.pk,
                    "named_as": [],
                    "fields": _row(obj),
                    "events": [],
                },
            )
            entry["named_as"].append(name)
    for (label, pk), entry in found.items():
        register = REGISTER_KEYS.get(label)
        if register:
            entry["events"] = [
                _event(e)
                for e in RegisterEvent.objects.filter(register=register, object_id=pk).order_by(
                    "at", "pk"
                )
            ]
    return sorted(found.values(), key=lambda e: (e["register"], e["id"]))


def subject_access_export(*, person: Person, actor: Any) -> dict[str, Any]:
    """Everything held about `person`, as plain JSON-ready data; the export is logged."""
    cases = _cases(person)
    export = {
        "generated_at": timezone.now().isoformat(),
        "generated_by": getattr(actor, "username", None) or "Protocol (automatic)",
        "person": {
            **_row(person),
            "council": person.council.name,
            "login": person.user.get_username() if person.user else None,
        },
        "roles": [
            {
                "role": ra.get_role_display(),
                "council": ra.council.name,
                "capacity": ra.capacity,
                "starts_on": ra.starts_on.isoformat(),
                "ends_on": ra.ends_on.isoformat() if ra.ends_on else None,
            }
            for ra in person.role_assignments.select_related("council").order_by("starts_on")
        ],
        "cases": cases,
        "actions_on_other_cases": _actions_elsewhere(person, {c["reference"] for c in cases}),
        "info_requests": _info_requests(person),
        "register_entries": _register_entries(person),
    }
    _log(
        actor,
        person,
        f"Subject access export: {len(cases)} case(s), {len(export['info_requests'])} "
        f"information request(s), {len(export['register_entries'])} register entr(y/ies).",
    )
    return export


def render_export_html(export: dict[str, Any]) -> str:
    """The human-readable copy of an export (templates/gdpr/subject_access.html)."""
    return render_to_string("gdpr/subject_access.html", {"export": export})


def _log(actor: Any, obj: models.Model, message: str) -> None:
    """Django's admin log is the audit record for actions on a person or a council."""
    user_id = getattr(actor, "pk", None)
    if user_id is None:
        from django.contrib.auth import get_user_model

        # LogEntry needs a user: automatic runs (beat) are logged against an inactive login
        # that cannot sign in.
        system, created = get_user_model().objects.get_or_create(
            username=SYSTEM_USERNAME, defaults={"is_active": False}
        )
        if created:
            system.set_unusable_password()
            system.save(update_fields=["password"])
        user_id = system.pk
    LogEntry.objects.log_actions(
        user_id=user_id,
        queryset=type(obj)._default_manager.filter(pk=obj.pk),
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


# == retention ===================================================================================
@dataclass
class RetentionResult:
    """What one sweep anonymised (or would, on a dry run)."""

    anonymised: list[str] = field(default_factory=list)  # case references
    by_council: dict[str, int] = field(default_factory=dict)  # cases per council slug
    info_requests: list[str] = field(default_factory=list)  # information request references
    info_requests_by_council: dict[str, int] = field(default_factory=dict)
    register_entries: list[str] = field(default_factory=list)  # "relationship #12"
    register_entries_by_council: dict[str, int] = field(default_factory=dict)
    inbound_emails: list[int] = field(default_factory=list)  # ids
    # Emails per council slug; "" for those addressed to no known council.
    inbound_emails_by_council: dict[str, int] = field(default_factory=dict)


def retention_cutoff(council: Council, now: datetime.datetime) -> datetime.datetime:
    """Closed before this moment means past retention (close + N years; 29 Feb → 28 Feb)."""
    years = council.retention_years
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _past_retention(field: str, now: datetime.datetime) -> Q:
    """`field` is older than its own council's retention period (one OR term per council)."""
    past = Q(pk__in=[])
    for council in Council.objects.all():
        past |= Q(council=council, **{f"{field}__lt": retention_cutoff(council, now)})
    return past


def cases_due_for_retention(*, now: datetime.datetime | None = None) -> QuerySet[Any]:
    from cases.models import CLOSED_STATES, Case, EventAction

    now = now or timezone.now()
    return (
        Case.objects.filter(
            _past_retention("closed_at", now),
            state__in=list(CLOSED_STATES),
            closed_at__isnull=False,
        )
        .exclude(events__action=EventAction.ANONYMISED)
        .order_by("closed_at", "pk")
    )


def info_request_closed_states() -> tuple[str, ...]:
    """The states an information request rests in once decided (info_requests.models FSM).

    PROVIDED, CLOSED (ICO recorded) and WITHDRAWN have no way out. REFUSED, FOI_DECIDED and
    REVIEW_DECIDED are decisions the member may still challenge (dispute or FOI, internal review,
    the ICO); a challenge appends an event, so counting retention from the last event gives the
    member the whole retention period to make one."""
    from info_requests.models import InfoRequestState as S

    return (S.PROVIDED, S.REFUSED, S.FOI_DECIDED, S.REVIEW_DECIDED, S.CLOSED, S.WITHDRAWN)


def info_requests_due_for_retention(*, now: datetime.datetime | None = None) -> QuerySet[Any]:
    """Decided requests whose last event is older than the council's retention period."""
    from info_requests.models import InfoRequest, InfoRequestEvent

    now = now or timezone.now()
    last_event = (
        InfoRequestEvent.objects.filter(info_request=OuterRef("pk"))
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return (
        InfoRequest.objects.annotate(
            retention_from=Coalesce(Subquery(last_event), "closed_at", "received_at")
        )
        .filter(
            _past_retention("retention_from", now), state__in=list(info_request_closed_states())
        )
        .exclude(events__action=INFO_ANONYMISED_ACTION)
        .order_by("retention_from", "pk")
    )


def placeholder(council: Council, kind: str, number: int = 1) -> Person:
    """The one anonymous stand-in per council and kind; pickers skip it (anonymised_at set).

    `number` 2, 3... gives a second stand-in, for a row that may not name one person twice
    (a relationship between two officers)."""
    suffix = f"-{number}" if number > 1 else ""
    person, _ = Person.objects.get_or_create(
        council=council,
        key=f"anonymised-{kind}{suffix}",
        defaults={
            "kind": kind,
            "name": f"{ANONYMISED_ACTOR} {PersonKind(kind).label.lower()}"
            + (f" {number}" if number > 1 else ""),
            "job_title": ANONYMISED if kind == PersonKind.OFFICER else "",
            "anonymised_at": timezone.now(),
        },
    )
    return person


def _write_resealed(model: type[Any], event: Any, text: str) -> None:
    """Store one re-sealed event. On PostgreSQL through `protocol_audit_reseal`, the SECURITY
    DEFINER function of cases migration 0008: the application's role may not UPDATE an audit
    table itself (issue #23). Elsewhere (SQLite) a queryset update: the event's save() refuses
    existing rows, rightly."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT protocol_audit_reseal(%s, %s, %s, %s::jsonb, %s, %s)",
                [
                    model._meta.db_table,
                    event.pk,
                    event.actor_name,
                    json.dumps(event.data),
                    event.previous_hash,
                    event.hash,
                ],
            )
        return
    model.objects.filter(pk=event.pk).update(
        **{text: ""},
        actor=None,
        actor_name=event.actor_name,
        data=event.data,
        previous_hash=event.previous_hash,
        hash=event.hash,
    )


def _reseal_chain(
    model: type[Any], chain: dict[str, Any], kept_data: frozenset[str], text: str = "reason"
) -> tuple[str, int]:
    """Blank each event's free text and actor and recompute the chain; (old head, count).

    The one rewrite of audit events there is (`_write_resealed`).
    """
    events = list(model.objects.filter(**chain).order_by("at", "pk"))
    old_head = events[-1].hash if events else ""
    previous = ""
    for event in events:
        setattr(event, text, "")
        event.actor_id = None
        event.actor_name = ANONYMISED_ACTOR
        event.data = {k: v for k, v in event.data.items() if k in kept_data}
        event.previous_hash = previous
        event.hash = event.compute_hash()
        _write_resealed(model, event, text)
        previous = event.hash
    return old_head, len(events)


def _reseal_events(case: Any) -> tuple[str, int]:
    """The case's chain (`_reseal_chain`)."""
    from cases.models import CaseEvent

    return _reseal_chain(CaseEvent, {"case": case}, KEPT_EVENT_DATA)


@transaction.atomic
def anonymise_case(*, case: Any, actor: Any = None) -> Any:
    """Strip the personal data from one closed case, keep its statistics; audited.

    The `anonymised` event is stamped with the real time (the chain is ordered by time)."""
    from cases.audit import record_event
    from cases.models import Attachment, Case, CaseAssignment, EventAction, Note, PanelSeat
    from clocks.models import AcknowledgementDraft, Notice

    now = timezone.now()
    case = (
        Case.objects.select_for_update()
        .select_related("council", "raised_by", "about")
        .get(pk=case.pk)
    )
    council = case.council
    stand_in = {
        PersonKind.COUNCILLOR: placeholder(council, PersonKind.COUNCILLOR),
        PersonKind.OFFICER: placeholder(council, PersonKind.OFFICER),
    }
    # Case fields: a queryset update, because the FSM-protected state must not be touched.
    Case.objects.filter(pk=case.pk).update(
        summary=ANONYMISED,
        outcome=ANONYMISED if case.outcome else "",
        conciliator=ANONYMISED if case.conciliator else "",
        handler_reason="",
        raised_by=stand_in[PersonKind(case.raised_by.kind)],
        about=stand_in[PersonKind(case.about.kind)],
        handler=stand_in[PersonKind.OFFICER] if case.handler_id else None,
        idempotency_key=None,
        updated_at=now,
    )
    CaseAssignment.objects.filter(case=case).update(person=stand_in[PersonKind.OFFICER], reason="")
    # A committee panel's seats name councillors: they go with the case's other personal data.
    PanelSeat.objects.filter(case=case).delete()
    for attachment in Attachment.objects.filter(note__case=case):
        attachment.file.delete(save=False)
        attachment.delete()
    Note.objects.filter(case=case).update(
        body=ANONYMISED, author=None, author_name=ANONYMISED_ACTOR
    )
    Notice.objects.filter(deadline__case=case).update(recipients=[], last_error="")
    AcknowledgementDraft.objects.filter(case=case).update(
        body=ANONYMISED, subject=ANONYMISED, to_email=""
    )
    if apps.is_installed("inbound"):
        inbound = apps.get_model("inbound", "InboundEmail")
        anonymise_inbound_emails(inbound.objects.filter(case=case))

    old_head, count = _reseal_events(case)
    record_event(
        case=case,
        actor=actor,
        action=EventAction.ANONYMISED,
        reason=f"Anonymised under {council.name}'s retention policy "
        f"(closed cases are kept {council.retention_years} years).",
        data={
            "retention_years": council.retention_years,
            "events_resealed": count,
            "replaced_chain_head": old_head,
        },
    )
    return case


@transaction.atomic
def anonymise_info_request(*, info_request: Any, actor: Any = None) -> Any:
    """Strip the personal data from one decided information request, keep its statistics.

    As `anonymise_case`: state, route, council, every date and the decisions' choices stay; the
    free text and the people go; the event chain is re-sealed and an event says so."""
    from clocks.models import Deadline, Notice
    from info_requests.audit import record_event
    from info_requests.models import (
        InfoRequest,
        InfoRequestEvent,
        InfoRequestLetter,
        RequestedItem,
    )

    now = timezone.now()
    info_request = (
        InfoRequest.objects.select_for_update().select_related("council").get(pk=info_request.pk)
    )
    council = info_request.council
    # A queryset update: the FSM-protected state must not be touched.
    InfoRequest.objects.filter(pk=info_request.pk).update(
        description=ANONYMISED,
        requested_by=placeholder(council, PersonKind.COUNCILLOR),
        decider=placeholder(council, PersonKind.OFFICER) if info_request.decider_id else None,
        decided_by=(
            placeholder(council, PersonKind.OFFICER) if info_request.decided_by_id else None
        ),
        created_by=None,
        updated_at=now,
        **{
            name: ANONYMISED if getattr(info_request, name) else ""
            for name in INFO_REQUEST_TEXT_FIELDS
        },
    )
    RequestedItem.objects.filter(info_request=info_request).update(
        description=ANONYMISED, assessed_by=None
    )
    RequestedItem.objects.filter(info_request=info_request).exclude(withheld_reason="").update(
        withheld_reason=ANONYMISED
    )
    # The issued PDF letters name the member and quote the request: they go.
    InfoRequestLetter.objects.filter(info_request=info_request).delete()
    Deadline.objects.filter(info_request=info_request).update(pause_reason="", extension_reason="")
    Notice.objects.filter(deadline__info_request=info_request).update(recipients=[], last_error="")

    old_head, count = _reseal_chain(
        InfoRequestEvent, {"info_request": info_request}, KEPT_INFO_EVENT_DATA
    )
    record_event(
        info_request=info_request,
        actor=actor,
        action=INFO_ANONYMISED_ACTION,
        reason=f"Anonymised under {council.name}'s retention policy "
        f"(decided requests are kept {council.retention_years} years).",
        data={
            "retention_years": council.retention_years,
            "events_resealed": count,
            "replaced_chain_head": old_head,
        },
    )
    return info_request


def _register_models() -> dict[str, type[models.Model]]:
    return {
        key: apps.get_model(label)
        for label, key in REGISTER_KEYS.items()
        if apps.is_installed(label.split(".")[0])
    }


def register_entries_due_for_retention(
    *, now: datetime.datetime | None = None
) -> list[tuple[str, Any]]:
    """(register key, entry) for finished entries whose last event is past retention.

    An entry with no event at all is never due: nothing says when it was last touched."""
    from registers.models import RegisterEvent

    now = now or timezone.now()
    past = _past_retention("retention_from", now)
    due: list[tuple[str, Any]] = []
    for key, model in _register_models().items():
        events = RegisterEvent.objects.filter(register=key, object_id=OuterRef("pk"))
        last_event = events.order_by("-at", "-pk").values("at")[:1]
        anonymised = RegisterEvent.objects.filter(
            register=key, object_id=OuterRef("pk"), action=INFO_ANONYMISED_ACTION
        )
        entries = (
            model._default_manager.annotate(retention_from=Subquery(last_event))
            .filter(REGISTER_FINISHED[key], past)
            .exclude(models.Exists(anonymised))
            .select_related("council")
            .order_by("retention_from", "pk")
        )
        due.extend((key, entry) for entry in entries)
    return due


@transaction.atomic
def anonymise_register_entry(*, register: str, entry: Any, actor: Any = None) -> Any:
    """Strip the personal data from one finished register entry, keep its statistics.

    Free text (text fields without choices) is replaced, people become the council's
    placeholders, logins are dropped, lists of people are emptied; dates, choices, groups and
    wards stay. The entry's event chain is re-sealed and an `anonymised` event appended."""
    from registers.models import BriefingOffer, RegisterEvent
    from registers.services import record_register_event

    model = type(entry)
    entry = model._default_manager.select_for_update().select_related("council").get(pk=entry.pk)
    council = entry.council
    changes: dict[str, Any] = {}
    stand_ins: dict[int, Person] = {}
    for f in model._meta.concrete_fields:
        if isinstance(f, models.ForeignKey):
            if f.related_model is Person and getattr(entry, f.attname) is not None:
                # Two different people stay two different stand-ins (relationship_not_self).
                person = getattr(entry, f.name)
                if person.pk not in stand_ins:
                    number = 1 + sum(p.kind == person.kind for p in stand_ins.values())
                    stand_ins[person.pk] = placeholder(council, person.kind, number)
                changes[f.name] = stand_ins[person.pk]
            elif f.related_model is get_user_model() and f.null:
                changes[f.name] = None
        elif (
            isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and f.name not in REGISTER_KEPT_TEXT
            and getattr(entry, f.attname)
        ):
            fits = f.max_length is None or f.max_length >= len(ANONYMISED)
            changes[f.name] = ANONYMISED if fits else ""
    model._default_manager.filter(pk=entry.pk).update(**changes)
    for m2m in model._meta.many_to_many:
        if m2m.related_model is Person:
            getattr(entry, m2m.name).clear()
    if register == "briefing":
        BriefingOffer.objects.filter(briefing=entry).update(response_note="")

    old_head, count = _reseal_chain(
        RegisterEvent,
        {"register": register, "object_id": entry.pk},
        KEPT_REGISTER_EVENT_DATA,
        text="description",
    )
    record_register_event(
        register=register,
        object_id=entry.pk,
        council=council,
        actor=actor,
        action=INFO_ANONYMISED_ACTION,
        description=f"Anonymised under {council.name}'s retention policy "
        f"(finished entries are kept {council.retention_years} years).",
        data={
            "retention_years": council.retention_years,
            "events_resealed": count,
            "replaced_chain_head": old_head,
        },
    )
    return entry


ANONYMISED_ADDRESS = "anonymised@invalid"
# Emails a person (or the gateway) has finished with that never became part of a case.
INBOUND_DONE = ("rejected", "processed")


def anonymise_inbound_emails(emails: QuerySet[Any]) -> int:
    """Wipe what received emails say and who sent them; keep when, to which council, and what
    was decided (the statistics). The emails of a case go with the case (`anonymise_case`)."""
    return emails.update(
        raw=b"",
        body_text=ANONYMISED,
        subject=ANONYMISED,
        from_name="",
        from_address=ANONYMISED_ADDRESS,
        to_addresses=[],
        cc_addresses=[],
        attachments=[],
        triage_reason="",
        # A rejection must keep a reason (a constraint); the clerk's words may name people.
        rejection_reason=models.Case(
            models.When(rejection_reason="", then=models.Value("")),
            default=models.Value(ANONYMISED),
        ),
        sender=None,
        about=None,
    )


def inbound_emails_due_for_retention(*, now: datetime.datetime | None = None) -> QuerySet[Any]:
    """Received emails that never became part of a case (rejected, or handled without one),
    decided longer ago than their council's retention period; an email addressed to no known
    council by the default period. Emails still waiting for triage are kept for a person."""
    inbound = apps.get_model("inbound", "InboundEmail")
    now = now or timezone.now()
    default_years = Council._meta.get_field("retention_years").get_default()
    unaddressed = Q(
        council__isnull=True,
        retention_from__lt=retention_cutoff(Council(retention_years=default_years), now),
    )
    return (
        inbound.objects.annotate(retention_from=Coalesce("decided_at", "received_at"))
        .filter(
            _past_retention("retention_from", now) | unaddressed,
            case__isnull=True,
            status__in=INBOUND_DONE,
        )
        .exclude(from_address=ANONYMISED_ADDRESS)
        .select_related("council")
        .order_by("retention_from", "pk")
    )


def apply_retention(
    *, now: datetime.datetime | None = None, actor: Any = None, dry_run: bool = False
) -> RetentionResult:
    """Anonymise every closed case, decided information request, finished register entry and
    received email that never became part of a case, past its council's retention period: one
    transaction per case, request or entry (their chains are re-sealed), one UPDATE for the
    emails; one admin-log entry per council says how many of each."""
    now = now or timezone.now()
    result = RetentionResult()
    for case in cases_due_for_retention(now=now).select_related("council"):
        if not dry_run:
            anonymise_case(case=case, actor=actor)
        result.anonymised.append(case.reference)
        result.by_council[case.council.slug] = result.by_council.get(case.council.slug, 0) + 1
    for request in info_requests_due_for_retention(now=now).select_related("council"):
        if not dry_run:
            anonymise_info_request(info_request=request, actor=actor)
        slug = request.council.slug
        result.info_requests.append(request.reference)
        result.info_requests_by_council[slug] = result.info_requests_by_council.get(slug, 0) + 1
    if apps.is_installed("inbound"):
        emails = inbound_emails_due_for_retention(now=now)
        for email in emails:
            slug = email.council.slug if email.council else ""
            result.inbound_emails.append(email.pk)
            result.inbound_emails_by_council[slug] = (
                result.inbound_emails_by_council.get(slug, 0) + 1
            )
        if not dry_run and result.inbound_emails:
            # No chain to re-seal: one UPDATE for them all.
            anonymise_inbound_emails(emails.model.objects.filter(pk__in=result.inbound_emails))
    for register, entry in register_entries_due_for_retention(now=now):
        if not dry_run:
            anonymise_register_entry(register=register, entry=entry, actor=actor)
        slug = entry.council.slug
        result.register_entries.append(f"{register} #{entry.pk}")
        counts = result.register_entries_by_council
        counts[slug] = counts.get(slug, 0) + 1
    if not dry_run:
        for slug in sorted(
            {
                *result.by_council,
                *result.info_requests_by_council,
                *result.register_entries_by_council,
                *result.inbound_emails_by_council,
            }
            - {""}
        ):
            _log(
                actor,
                Council.objects.get(slug=slug),
                f"Retention: anonymised {result.by_council.get(slug, 0)} closed case(s), "
                f"{result.info_requests_by_council.get(slug, 0)} decided information "
                f"request(s), {result.register_entries_by_council.get(slug, 0)} finished "
                f"register entr(y/ies) and {result.inbound_emails_by_council.get(slug, 0)} "
                "received email(s) that never became part of a case.",
            )
    return result


__all__ = [
    "RetentionResult",
    "anonymise_case",
    "anonymise_info_request",
    "anonymise_register_entry",
    "apply_retention",
    "cases_due_for_retention",
    "info_requests_due_for_retention",
    "register_entries_due_for_retention",
    "render_export_html",
    "subject_access_export",
]
