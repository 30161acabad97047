"""The case queue's sorting and paging: every column sorts, and every page is a keyset page
(no OFFSET, no COUNT) in that order (issue #24; docs/adr/0004-performance.md for why keyset).

A sort key is a column or an annotation that is never NULL (a missing date sorts as far past or
far future), so "after this row" is one comparison on (key, pk)."""

from __future__ import annotations

import base64
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case
from clocks import calendar as cal
from contacts.models import ClosureDay

PAGE_SIZE = 25
FAR_PAST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
FAR_FUTURE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Sort:
    key: str  # what the URL says: ?sort=next_due or ?sort=-next_due
    label: str  # the column heading
    field: str  # the (annotated) field ordered on
    is_text: bool = False
    # "age" orders by received_at the other way round: the oldest case is the one aged most.
    inverted: bool = False
    default_descending: bool = False


SORTS: dict[str, Sort] = {
    s.key: s
    for s in (
        Sort("received", "Received", "received_at", default_descending=True),
        Sort("age", "Age", "received_at", inverted=True, default_descending=True),
        Sort("last_activity", "Last activity", "sort_last_activity", default_descending=True),
        Sort("handler", "Handler", "sort_handler", is_text=True),
        Sort("acknowledged", "Acknowledged", "sort_acknowledged"),
        Sort("next_due", "Next due", "sort_next_due"),
    )
}
DEFAULT_SORT = "-received"


def parse_sort(value: str | None) -> tuple[Sort, bool]:
    """The sort and whether it is descending, from `?sort=` (unknown values give the default)."""
    raw = (value or DEFAULT_SORT).strip()
    descending = raw.startswith("-")
    sort = SORTS.get(raw.lstrip("-"))
    if sort is None:
        return SORTS["received"], True
    return sort, descending


def sort_param(sort: Sort, descending: bool) -> str:
    return f"-{sort.key}" if descending else sort.key


def with_sort_keys(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The never-NULL keys the non-column sorts order on. Needs `last_activity_at` and
    `next_due_at` (worklist.selectors.with_activity, cases.selectors.case_list)."""
    return qs.annotate(
        sort_last_activity=F("last_activity_at"),
        sort_handler=Coalesce("handler__name", Value("")),
        sort_acknowledged=Coalesce(
            "acknowledged_at", Value(FAR_PAST, output_field=DateTimeField())
        ),
        sort_next_due=Coalesce("next_due_at", Value(FAR_FUTURE, output_field=DateTimeField())),
    )


# -- cursors ------------------------------------------------------------------------------------
def encode_cursor(value: Any, pk: int) -> str:
    shown = value.isoformat() if isinstance(value, datetime.datetime) else str(value)
    return base64.urlsafe_b64encode(f"{shown}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(value: str, *, is_text: bool) -> tuple[Any, int] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        key, pk = raw.rsplit("|", 1)
        return (key if is_text else datetime.datetime.fromisoformat(key)), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def _after(field: str, value: Any, pk: int, *, descending: bool) -> Q:
    op = "lt" if descending else "gt"
    return Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})


def keyset_page(
    queryset: QuerySet[Case],
    *,
    sort: Sort,
    descending: bool,
    after: str | None,
    before: str | None,
    size: int = PAGE_SIZE,
) -> tuple[list[Case], str | None, str | None]:
    """One page in the chosen order; the cursors of the next and previous pages (or None)."""
    field = sort.field
    # The database order: "age, oldest first" is received_at ascending.
    db_descending = descending != sort.inverted

    def cursor(row: Case) -> str:
        return encode_cursor(getattr(row, field), row.pk)

    def order(desc: bool) -> list[str]:
        return [f"-{field}", "-pk"] if desc else [field, "pk"]

    if before and (position := decode_cursor(before, is_text=sort.is_text)):
        value, pk = position
        rows = list(
            queryset.filter(_after(field, value, pk, descending=not db_descending)).order_by(
                *order(not db_descending)
            )[: size + 1]
        )
        has_previous = len(rows) > size
        rows = list(reversed(rows[:size]))
        return (
            rows,
            cursor(rows[-1]) if rows else None,
            cursor(rows[0]) if rows and has_previous else None,
        )
    ordered = queryset.order_by(*order(db_descending))
    if after and (position := decode_cursor(after, is_text=sort.is_text)):
        value, pk = position
        if field == "received_at":
            # Redundant but indexable: it starts the index walk at the cursor (issue #10).
            bound = {"received_at__lte" if db_descending else "received_at__gte": value}
            ordered = ordered.filter(**bound)
        ordered = ordered.filter(_after(field, value, pk, descending=db_descending))
    rows = list(ordered[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    return (
        rows,
        cursor(rows[-1]) if rows and has_next else None,
        cursor(rows[0]) if rows and after else None,
    )


# -- age in working days ------------------------------------------------------------------------
def working_ages(cases: Iterable[Case], *, now: datetime.datetime | None = None) -> dict[int, int]:
    """Each case's age in working days on its council's calendar (the nation's bank holidays
    and the council's closure days): one statement for the closures of every council shown."""
    rows = list(cases)
    if not rows:
        return {}
    today = cal.local(now or timezone.now()).date()
    oldest = min(cal.local(c.received_at).date() for c in rows)
    closures: dict[int, set[datetime.date]] = defaultdict(set)
    for council_id, day in ClosureDay.objects.filter(
        council_id__in={c.council_id for c in rows}, date__gt=oldest, date__lte=today
    ).values_list("council_id", "date"):
        closures[council_id].add(day)
    calendars: dict[int, cal.WorkingCalendar] = {}
    ages: dict[int, int] = {}
    for case in rows:
        calendar = calendars.get(case.council_id)
        if calendar is None:
            calendar = cal.calendar_for(
                case.council.nation or "england", closures.get(case.council_id, ())
            )
            calendars[case.council_id] = calendar
        ages[case.pk] = cal.working_days_between(
            cal.local(case.received_at).date(), today, calendar
        )
    return ages
