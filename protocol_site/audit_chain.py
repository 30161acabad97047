"""Checking the three hash-chained audit trails (issue #11, SECURITY.md).

Each audit event stores `hash` = sha256 of its own fields plus `previous_hash`, the hash of the
event before it on the same object (a case, an information request, one register entry). An
event edited behind the application's back no longer matches its hash; an event removed or
inserted breaks the link of the one after it. `verify_audit_chains()` recomputes both for every
event and returns each break with the object's reference and the event id — never the event's
text, so the report can go in a ticket or a log.

The database trigger (cases/migrations/0003_audit_immutable_trigger.py) stops the edits; this
check proves none slipped past it (a restored backup, a trigger disabled by hand).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS

HASH_MISMATCH = "hash does not match the event's fields"
LINK_MISMATCH = "previous_hash does not match the event before"
OPENING_MISSING = "it has no audit events (its trail was deleted or truncated)"


@dataclass(frozen=True)
class ChainBreak:
    trail: str  # "case", "info_request", "register"
    reference: str  # LAN-2026-0042, or "relationship #12" for a register entry
    event_id: int
    problem: str

    def __str__(self) -> str:
        return f"{self.trail} {self.reference}, event {self.event_id}: {self.problem}"


@dataclass
class AuditReport:
    checked: dict[str, int] = field(default_factory=dict)
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def chain_breaks(
    events: Iterable[Any],
    *,
    owner: Callable[[Any], Any],
    reference: Callable[[Any], str],
    trail: str,
) -> Iterator[ChainBreak]:
    """Breaks in `events`, which come ordered by (owner, at, pk). Pure: no queries of its own."""
    current: object = object()
    previous = ""
    for event in events:
        key = owner(event)
        if key != current:
            current, previous = key, ""
        if event.previous_hash != previous:
            yield ChainBreak(trail, reference(event), event.pk, LINK_MISMATCH)
        if not event.hash_matches():
            yield ChainBreak(trail, reference(event), event.pk, HASH_MISMATCH)
        previous = event.hash


class _Counter:
    def __init__(self, events: Iterable[Any]) -> None:
        self.events = events
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for event in self.events:
            self.count += 1
            yield event


def verify_audit_chains(*, database: str = DEFAULT_DB_ALIAS, limit: int = 1000) -> AuditReport:
    """Every event of every trail, streamed in chain order; stops listing after `limit` breaks."""
    from cases.models import Case, CaseEvent
    from info_requests.models import InfoRequest, InfoRequestEvent
    from registers.models import RegisterEvent

    case_refs = dict(Case.objects.using(database).values_list("pk", "reference"))
    request_refs = dict(InfoRequest.objects.using(database).values_list("pk", "reference"))
    trails: list[tuple[str, Any, Callable[[Any], Any], Callable[[Any], str]]] = [
        (
            "case",
            CaseEvent.objects.using(database).order_by("case_id", "at", "pk"),
            lambda e: e.case_id,
            lambda e: case_refs.get(e.case_id, f"#{e.case_id}"),
        ),
        (
            "info_request",
            InfoRequestEvent.objects.using(database).order_by("info_request_id", "at", "pk"),
            lambda e: e.info_request_id,
            lambda e: request_refs.get(e.info_request_id, f"#{e.info_request_id}"),
        ),
        (
            "register",
            RegisterEvent.objects.using(database).order_by("register", "object_id", "at", "pk"),
            lambda e: (e.register, e.object_id),
            lambda e: f"{e.register} #{e.object_id}",
        ),
    ]
    report = AuditReport()
    for trail, queryset, owner, reference in trails:
        counter = _Counter(queryset.iterator(chunk_size=2000))
        for found in chain_breaks(counter, owner=owner, reference=reference, trail=trail):
            if len(report.breaks) < limit:
                report.breaks.append(found)
        report.checked[trail] = counter.count
    for found in missing_openings(database=database):
        if len(report.breaks) < limit:
            report.breaks.append(found)
    return report


def missing_openings(*, database: str = DEFAULT_DB_ALIAS) -> Iterator[ChainBreak]:
    """Every case and information request without a single audit event (issue #23): deleting
    a whole object's events, or emptying an audit table, leaves no chain to break, so the
    objects themselves are counted (every one is opened with an event). Deleting only the first
    events breaks the link of the next, which `chain_breaks` reports. Event id 0: there is no
    event to name."""
    from django.db.models import Exists, OuterRef

    from cases.models import Case, CaseEvent
    from info_requests.models import InfoRequest, InfoRequestEvent

    trails: list[tuple[str, Any, Any]] = [
        ("case", Case, CaseEvent.objects.filter(case_id=OuterRef("pk"))),
        (
            "info_request",
            InfoRequest,
            InfoRequestEvent.objects.filter(info_request_id=OuterRef("pk")),
        ),
    ]
    for trail, model, events in trails:
        orphans = (
            model.objects.using(database)
            .filter(~Exists(events.using(database)))
            .order_by("pk")
            .values_list("reference", flat=True)
        )
        for reference in orphans.iterator():
            yield ChainBreak(trail, reference, 0, OPENING_MISSING)
