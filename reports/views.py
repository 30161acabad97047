"""Report pages: across the councils a user reports on, and one council at a time.

`?format=csv&table=<name>` on either page downloads that table, with the same date filter.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases.models import CaseType
from contacts.models import Council

from .charts import BarChart, bar_chart
from .forms import DateRangeForm
from .selectors import TABLE_NAMES, Report, Table, build_report, report_councils_for

SHORT_CASE_TYPES = {
    CaseType.MEMBER_CONCERN_ABOUT_OFFICER.label: "Member's concern",
    CaseType.MEMBER_COMPLAINT_ABOUT_OFFICER.label: "Member's complaint",
    CaseType.OFFICER_CONCERN_ABOUT_MEMBER.label: "Officer's concern",
    CaseType.OFFICER_COMPLAINT_ABOUT_MEMBER.label: "Code of Conduct complaint",
}
# (name, label, GOV.UK input width) for each box of a date input.
DATE_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))
CHART_ROWS = 15
# Tables too wide to sit beside their chart: the chart goes above them, full width.
FULL_WIDTH = (
    "clocks",
    "backlog",
)  # the backlog chart shows the busiest handlers; its table lists them all


def _short(label: str, limit: int = 28) -> str:
    label = SHORT_CASE_TYPES.get(label, label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _chart_for(table: Table) -> BarChart:
    rows = table.rows
    if table.name == "by_month":
        series = [("Opened", [r[1] for r in rows]), ("Resolved", [r[2] for r in rows])]
        categories = [r[0] for r in rows]
    elif table.name in ("by_case_type",):
        categories = [_short(r[0]) for r in rows]
        series = [("Opened", [r[1] for r in rows])]
    elif table.name == "by_stage":
        categories = [_short(f"{r[1]}. {r[0]}") for r in rows]
        series = [("Cases", [r[2] for r in rows])]
    elif table.name == "clocks":
        categories = [r[0] for r in rows]
        series = [("Met in time", [r[1] for r in rows]), ("Breached", [r[2] for r in rows])]
    elif table.name == "backlog":
        rows = rows[:CHART_ROWS]
        categories = [_short(r[0]) for r in rows]
        series = [("Open", [r[2] for r in rows]), ("Overdue", [r[3] for r in rows])]
    else:  # info_requests: one bar per route, all outcomes together
        totals: dict[str, int] = {}
        for route, _outcome, n in rows:
            totals[route] = totals.get(route, 0) + n
        categories = list(totals)
        series = [("Requests", list(totals.values()))]
    return bar_chart(
        chart_id=f"chart-{table.name}",
        title=table.caption,
        categories=categories,
        series=series,  # type: ignore[arg-type]
        compact=table.name not in FULL_WIDTH,
    )


def _csv_cell(value: Any) -> Any:
    # A spreadsheet runs a cell starting with = + - @ as a formula: names come from users.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(table: Table, report: Report, scope: str) -> HttpResponse:
    period = report.period
    span = (
        "-".join(d.isoformat() for d in (period.start, period.end) if d is not None)
        or timezone.localdate().isoformat()
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scope}-{table.name}-{span}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return response


def _respond(
    request: HttpRequest,
    *,
    councils: list[Council],
    council: Council | None,
    everywhere: list[Council],
) -> HttpResponse:
    form = DateRangeForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    scope = council.slug if council else "all-councils"
    wants_csv = request.GET.get("format") == "csv"
    if not valid:
        if wants_csv:
            return HttpResponse(
                "; ".join(form.date_errors.values()),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return render(
            request,
            "reports/report.html",
            {
                "form": form,
                "council": council,
                "councils": councils,
                "everywhere": everywhere,
                "report": None,
                "parts": DATE_PARTS,
            },
        )
    report = build_report(request.user, councils, form.period)
    if wants_csv:
        name = request.GET.get("table", "")
        if name not in TABLE_NAMES:
            raise Http404("No such table.")
        return _csv(report.tables[name], report, scope)
    sections = [
        (report.tables[name], _chart_for(report.tables[name]), name in FULL_WIDTH)
        for name in TABLE_NAMES
    ]
    query = form.query_string()
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "council": council,
            "councils": councils,
            "everywhere": everywhere,
            "report": report,
            "parts": DATE_PARTS,
            "sections": sections,
            "csv_prefix": f"?{query}&format=csv&table=" if query else "?format=csv&table=",
        },
    )


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """Every council the user reports on, together (a shared service, or an MO's parishes)."""
    councils = list(report_councils_for(request.user))
    if not councils:
        return render(request, "reports/no_access.html", status=403)
    return _respond(request, councils=councils, council=None, everywhere=councils)


@login_required
def council_report(request: HttpRequest, slug: str) -> HttpResponse:
    everywhere = list(report_councils_for(request.user))
    council = next((c for c in everywhere if c.slug == slug), None)
    if council is None:
        # A council the user does not report on does not exist for them.
        raise Http404("No such council.")
    return _respond(request, councils=[council], council=council, everywhere=everywhere)
