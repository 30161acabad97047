"""The report figures: every number is a database aggregate over what the user may see.

Scope: the councils a user reports on are the councils whose every case they see (a clerk's own
council; the councils a Monitoring Officer serves, borrowing parishes included; all of them for
a superuser), and the cases counted are `cases.selectors.visible_cases_for(user)` within those
councils, so a report can never count a case its reader could not open. Information requests
are scoped the same way by `info_requests.selectors.visible_info_requests_for`.

No figure comes from a Python loop over cases: the loops here run over aggregate rows (one per
month, type, rung, clock kind or handler).
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from cases.models import CLOSED_STATES, Case, CaseState, CaseType, ClockKind, VariantStep
from cases.selectors import visible_cases_for
from clocks.models import Deadline
from contacts.models import Council
from contacts.selectors import administered_council_ids
from info_requests.models import FoiOutcome, InfoRequest, InfoRequestState, Route
from info_requests.selectors import visible_info_requests_for

User = AuthUser | AnonymousUser

# The clocks the protocols set (Maldon 2.2: acknowledgement and response; FOIA s.10 and
# Lancaster 8.8: the FOI response and the internal review).
REPORTED_CLOCKS = (
    ClockKind.ACKNOWLEDGEMENT,
    ClockKind.RESPONSE,
    ClockKind.FOI_RESPONSE,
    ClockKind.INTERNAL_REVIEW,
)


class Median(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)`.

    Django has no median; this is the one aggregate the reports need that it lacks. It accepts
    `filter=` (PostgreSQL allows FILTER on ordered-set aggregates)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def uses_database_median() -> bool:
    """Only PostgreSQL has percentile_cont; on SQLite (the embedded default) the median is
    worked out in Python from the met clocks' durations, and the page says so."""
    return connection.vendor == "postgresql"


# -- scope ----------------------------------------------------------------------------------------
def report_councils_for(user: User) -> QuerySet[Council]:
    """Councils `user` may report on: every case of which they can see."""
    if not user.is_authenticated:
        return Council.objects.none()
    if user.is_superuser:
        return Council.objects.all()
    return Council.objects.filter(pk__in=administered_council_ids(user))


@dataclass(frozen=True)
class DateRange:
    """Inclusive local dates; either end may be open."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    def _moment(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(day, datetime.time.min), timezone.get_current_timezone()
        )

    def q(self, field_name: str) -> Q:
        """`field_name` falls within the range (end of the end day included, Europe/London)."""
        q = Q()
        if self.start is not None:
            q &= Q(**{f"{field_name}__gte": self._moment(self.start)})
        if self.end is not None:
            end = self._moment(self.end + datetime.timedelta(days=1))
            q &= Q(**{f"{field_name}__lt": end})
        return q

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None

    def describe(self) -> str:
        if self.start and self.end:
            return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        if self.start:
            return f"from {self.start:%-d %B %Y}"
        if self.end:
            return f"up to {self.end:%-d %B %Y}"
        return "all dates"


# -- tables ---------------------------------------------------------------------------------------
@dataclass
class Table:
    """One report table. The page, its chart and its CSV all read these same rows."""

    name: str
    caption: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    note: str = ""

    def __post_init__(self) -> None:
        if not self.numeric:
            self.numeric = [False] + [True] * (len(self.headers) - 1)

    @property
    def cells(self) -> list[list[tuple[Any, bool]]]:
        return [list(zip(row, self.numeric, strict=False)) for row in self.rows]

    @property
    def header_cells(self) -> list[tuple[str, bool]]:
        return list(zip(self.headers, self.numeric, strict=False))


@dataclass
class Report:
    councils: list[Council]
    period: DateRange
    headline: dict[str, int]
    tables: dict[str, Table]
    database_median: bool


def scoped_cases(user: User, councils: Iterable[Council]) -> QuerySet[Case]:
    """The cases the report counts: `visible_cases_for(user)` within `councils`.

    Report councils are councils whose every case the user sees (`report_councils_for`: the
    first two rows of the `cases.selectors` table). Within them `visible_cases_for` is every
    case of the council, so the query is that plain council filter, which PostgreSQL answers
    from the (council, …) indexes instead of evaluating the per-row visibility subqueries over
    every case (18 s against 0.3 s on 200,000 bench cases). Any other council still goes
    through `visible_cases_for`. `tests/reports/test_pages.py` checks the two agree."""
    ids = [c.pk for c in councils]
    if user.is_superuser:
        return Case.objects.filter(council_id__in=ids)
    administered = administered_council_ids(user)
    if set(ids) <= administered:
        return Case.objects.filter(council_id__in=ids)
    return visible_cases_for(user).filter(council_id__in=ids)


def scoped_info_requests(user: User, councils: Iterable[Council]) -> QuerySet[InfoRequest]:
    visible = visible_info_requests_for(user).values("pk")
    return InfoRequest.objects.filter(pk__in=visible, council__in=[c.pk for c in councils])


def _month_key(moment: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return moment.date().replace(day=1)
    return moment.replace(day=1)


def _months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, current = [], first
    while current <= last:
        months.append(current)
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return months


def cases_by_month(cases: QuerySet[Case], period: DateRange) -> Table:
    """Opened (by date received) and resolved (by date closed) per calendar month."""
    opened = (
        cases.filter(period.q("received_at"))
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    resolved = (
        cases.filter(period.q("closed_at"), state=CaseState.RESOLVED)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_month: dict[datetime.date, list[int]] = {}
    for row in opened:
        by_month.setdefault(_month_key(row["month"]), [0, 0])[0] += row["n"]
    for row in resolved:
        by_month.setdefault(_month_key(row["month"]), [0, 0])[1] += row["n"]
    table = Table(
        name="by_month",
        caption="Cases opened and resolved by month",
        headers=["Month", "Opened", "Resolved"],
    )
    if by_month:
        # Months with nothing opened or resolved still show, as zero, so the trend reads true.
        for month in _months_between(min(by_month), max(by_month)):
            counts = by_month.get(month, [0, 0])
            table.rows.append([f"{month:%B %Y}", counts[0], counts[1]])
    return table


def cases_by_type(cases: QuerySet[Case], period: DateRange) -> Table:
    rows = (
        cases.filter(period.q("received_at"))
        .values("case_type")
        .annotate(
            opened=Count("pk"),
            still_open=Count("pk", filter=~Q(state__in=CLOSED_STATES)),
            resolved=Count("pk", filter=Q(state=CaseState.RESOLVED)),
            withdrawn=Count("pk", filter=Q(state=CaseState.WITHDRAWN)),
        )
        .order_by("case_type")
    )
    labels = dict(CaseType.choices)
    order = list(CaseType.values)
    ordered = sorted(
        rows, key=lambda r: order.index(r["case_type"]) if r["case_type"] in order else 99
    )
    return Table(
        name="by_case_type",
        caption="Cases by case type (opened in the period)",
        headers=["Case type", "Opened", "Still open", "Resolved", "Withdrawn"],
        rows=[
            [
                labels.get(r["case_type"], r["case_type"]),
                r["opened"],
                r["still_open"],
                r["resolved"],
                r["withdrawn"],
            ]
            for r in ordered
        ],
    )


def cases_by_stage(cases: QuerySet[Case], period: DateRange) -> Table:
    """The furthest rung each case reached. A case only climbs (escalate moves `step_position`
    up; resolve, withdraw and reopen keep it), so its step position is the furthest step and the
    pinned variant's step at that position names the rung."""
    rows = (
        cases.filter(period.q("received_at"))
        .values("variant_id", "step_position")
        .annotate(
            reached=Count("pk"),
            still_open=Count("pk", filter=~Q(state__in=CLOSED_STATES)),
            resolved=Count("pk", filter=Q(state=CaseState.RESOLVED)),
            withdrawn=Count("pk", filter=Q(state=CaseState.WITHDRAWN)),
        )
        .order_by()
    )
    counts = list(rows)
    # One lookup of the rungs for the (variant, position) pairs the aggregate found.
    rungs = {
        (variant_id, position): state
        for variant_id, position, state in VariantStep.objects.filter(
            variant_id__in={r["variant_id"] for r in counts}
        ).values_list("variant_id", "position", "state")
    }
    merged: dict[tuple[int, str], list[int]] = {}
    for r in counts:
        key = (r["step_position"], rungs.get((r["variant_id"], r["step_position"]), ""))
        totals = merged.setdefault(key, [0, 0, 0, 0])
        for i, name in enumerate(("reached", "still_open", "resolved", "withdrawn")):
            totals[i] += r[name]
    labels = dict(CaseState.choices)
    return Table(
        name="by_stage",
        caption="Cases by the furthest stage reached (opened in the period)",
        headers=["Stage reached", "Step", "Cases", "Still open", "Resolved", "Withdrawn"],
        rows=[
            [labels.get(rung, rung or "Unknown"), position, *totals]
            for (position, rung), totals in sorted(merged.items())
        ],
    )


def _clock_statuses(now: datetime.datetime) -> dict[str, Q]:
    """The Deadline.status_at rules as filters, in the same order (met first, then stopped)."""
    met = Q(met_at__isnull=False)
    late = Q(breached_at__isnull=False) | Q(met_at__gt=F("due_at"))
    unmet = Q(met_at__isnull=True, cancelled_at__isnull=True)
    overdue = Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lt=now)
    return {
        "met_on_time": met & ~late,
        "met_late": met & late,
        "overdue": unmet & overdue,
        "running": unmet & ~overdue,
        "stopped": Q(met_at__isnull=True, cancelled_at__isnull=False),
    }


def _days(value: datetime.timedelta | float | None) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)
    return round(seconds / 86400, 1)


def clocks_table(
    cases: QuerySet[Case],
    info_requests: QuerySet[InfoRequest],
    period: DateRange,
    *,
    now: datetime.datetime | None = None,
) -> Table:
    """Met in time vs breached (met late, or overdue and not met) per clock kind, with the
    median days taken to meet a clock (from its start to the moment it was met)."""
    now = now or timezone.now()
    deadlines = Deadline.objects.filter(
        Q(case__in=cases.values("pk")) | Q(info_request__in=info_requests.values("pk")),
        period.q("starts_at"),
        kind__in=REPORTED_CLOCKS,
    )
    statuses = _clock_statuses(now)
    taken = ExpressionWrapper(F("met_at") - F("starts_at"), output_field=DurationField())
    aggregates: dict[str, Any] = {name: Count("pk", filter=q) for name, q in statuses.items()}
    database_median = uses_database_median()
    if database_median:
        aggregates["median"] = Median(
            taken, filter=Q(met_at__isnull=False), output_field=DurationField()
        )
    rows = {r["kind"]: r for r in deadlines.values("kind").annotate(**aggregates).order_by()}
    if not database_median:
        # SQLite has no percentile_cont: the durations of met clocks are fetched (one column,
        # no case rows) and the median taken here.
        durations: dict[str, list[float]] = {}
        for kind, met_at, starts_at in deadlines.filter(met_at__isnull=False).values_list(
            "kind", "met_at", "starts_at"
        ):
            if met_at is not None:
                durations.setdefault(kind, []).append((met_at - starts_at).total_seconds())
        for kind, values in durations.items():
            rows[kind]["median"] = statistics.median(values)
    labels = dict(ClockKind.choices)
    table = Table(
        name="clocks",
        caption="Clocks met and breached (started in the period)",
        headers=[
            "Clock",
            "Met in time",
            "Breached",
            "Met late",
            "Overdue, not met",
            "Running",
            "Stopped",
            "Median days to meet",
        ],
        note="Breached counts clocks met late plus clocks overdue and not met. A clock stops "
        "when its case moves to the next stage or closes.",
    )
    for kind in REPORTED_CLOCKS:
        r = rows.get(kind)
        if r is None:
            continue
        median = _days(r.get("median"))
        table.rows.append(
            [
                labels[kind],
                r["met_on_time"],
                r["met_late"] + r["overdue"],
                r["met_late"],
                r["overdue"],
                r["running"],
                r["stopped"],
                "–" if median is None else median,
            ]
        )
    return table


def backlog_by_handler(cases: QuerySet[Case]) -> Table:
    """Open cases now, whatever the date range: who holds them and how many are overdue."""
    now = timezone.now()
    open_cases = cases.exclude(state__in=CLOSED_STATES)
    rows = list(
        open_cases.values("handler_id", "handler__name", "handler__council__name")
        .annotate(open_cases=Count("pk"), oldest=Min("received_at"))
        .order_by("-open_cases", "handler__name")
    )
    # Cases with an overdue clock, per handler: one join of the open cases' unmet clocks
    # (cheaper than an EXISTS per open case on a big council).
    overdue = {
        r["case__handler_id"]: r["n"]
        for r in Deadline.objects.filter(
            case__in=open_cases.values("pk"), met_at__isnull=True, cancelled_at__isnull=True
        )
        .filter(Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lt=now))
        .values("case__handler_id")
        .annotate(n=Count("case_id", distinct=True))
        .order_by()
    }
    for r in rows:
        r["overdue_cases"] = overdue.get(r["handler_id"], 0)
    return Table(
        name="backlog",
        caption="Open cases by handler (today, whatever the date range)",
        headers=["Handler", "Council", "Open cases", "With an overdue clock", "Oldest received"],
        numeric=[False, False, True, True, False],
        rows=[
            [
                r["handler__name"] or "No handler assigned",
                r["handler__council__name"] or "–",
                r["open_cases"],
                r["overdue_cases"],
                f"{timezone.localtime(r['oldest']):%-d %b %Y}" if r["oldest"] else "–",
            ]
            for r in rows
        ],
    )


# The outcome of an information request, from its decision fields (Lancaster 8.6-8.8).
OUTCOME_LABELS = {
    "provided": "Provided",
    FoiOutcome.DISCLOSED.value: "FOI: disclosed in full",
    FoiOutcome.PART_DISCLOSED.value: "FOI: disclosed in part",
    FoiOutcome.REFUSED.value: "FOI: refused (exemption)",
    "access_refused": "s.100F and need to know not met",
    "withdrawn": "Withdrawn",
    "in_progress": "Not yet decided",
}
ROUTE_LABELS = {
    Route.PUBLIC.value: "Public",
    Route.S100F.value: "s.100F",
    Route.NEED_TO_KNOW.value: "Need to know",
    Route.FOI.value: "FOI",
    "undecided": "No route yet",
}


def info_requests_by_route(info_requests: QuerySet[InfoRequest], period: DateRange) -> Table:
    outcome = SqlCase(
        When(state=InfoRequestState.WITHDRAWN, then=Value("withdrawn")),
        When(~Q(foi_outcome=""), then=F("foi_outcome")),
        When(state=InfoRequestState.PROVIDED, then=Value("provided")),
        When(
            state__in=[InfoRequestState.REFUSED, InfoRequestState.DISPUTED],
            then=Value("access_refused"),
        ),
        default=Value("in_progress"),
    )
    rows = (
        info_requests.filter(period.q("received_at"))
        .annotate(outcome=outcome, route_key=Coalesce("route", Value("undecided")))
        .values("route_key", "outcome")
        .annotate(n=Count("pk"))
        .order_by("route_key", "outcome")
    )
    route_order = list(ROUTE_LABELS)
    outcome_order = list(OUTCOME_LABELS)
    ordered = sorted(
        rows,
        key=lambda r: (route_order.index(r["route_key"]), outcome_order.index(r["outcome"])),
    )
    return Table(
        name="info_requests",
        caption="Information requests by route and outcome (received in the period)",
        headers=["Route", "Outcome", "Requests"],
        numeric=[False, False, True],
        rows=[
            [ROUTE_LABELS[r["route_key"]], OUTCOME_LABELS[r["outcome"]], r["n"]] for r in ordered
        ],
    )


def headline(cases: QuerySet[Case], period: DateRange) -> dict[str, int]:
    return cases.aggregate(
        opened=Count("pk", filter=period.q("received_at")),
        resolved=Count("pk", filter=period.q("closed_at") & Q(state=CaseState.RESOLVED)),
        open_now=Count("pk", filter=~Q(state__in=CLOSED_STATES)),
    )


def build_report(user: User, councils: Iterable[Council], period: DateRange) -> Report:
    councils = list(councils)
    cases = scoped_cases(user, councils)
    info = scoped_info_requests(user, councils)
    tables = [
        cases_by_month(cases, period),
        cases_by_type(cases, period),
        cases_by_stage(cases, period),
        clocks_table(cases, info, period),
        backlog_by_handler(cases),
        info_requests_by_route(info, period),
    ]
    return Report(
        councils=councils,
        period=period,
        headline=headline(cases, period),
        tables={t.name: t for t in tables},
        database_median=uses_database_median(),
    )


TABLE_NAMES = ("by_month", "by_case_type", "by_stage", "clocks", "backlog", "info_requests")
