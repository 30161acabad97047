"""Read queries for the worklist: the home page's counts and the case-list filters they link to.

Every count and the list it links to share one `Q` built here, so a count never disagrees with
the page behind it. They start from `cases.selectors.visible_cases_for` (who may see a case) and
narrow to the cases the person can act on:

| count                          | shown to                  | cases counted                      |
|--------------------------------|---------------------------|------------------------------------|
| assigned to you                | officers; any handler     | open, handled by you               |
| waiting for acknowledgement    | clerks, MOs, handlers     | open, ack clock not yet met        |
| due in the next 5 working days | clerks, MOs, handlers     | clock due by the 5th working day   |
| overdue                        | clerks, MOs, handlers     | clock past due or breached         |
| changed since you looked       | everyone                  | newer event than your last look    |
| information requests to decide | the policy's decider      | decider is you, still undecided    |
| emails waiting for triage      | clerks, MOs               | `inbound` triage queue             |

"Can act": the handler of the case, or a clerk, council administrator or Monitoring Officer of
its council (`contacts.selectors.administered_council_ids`). A party sees their own case in the
list but is not counted as having work on it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from cases.models import CLOSED_STATES, Case, CaseEvent, ClockKind, KeptInformed
from clocks import calendar as cal
from clocks.models import Deadline
from contacts.models import Council, Person
from contacts.selectors import (
    UserGroup,
    administered_council_ids,
    person_for,
    user_group_names,
)

from .models import CaseSeen, SavedView

# "Due soon" on the home page: the next five working days of the case's council.
DUE_SOON_WORKING_DAYS = 5
User = Any


# -- the filters --------------------------------------------------------------------------------
def open_cases() -> Q:
    return ~Q(state__in=CLOSED_STATES)


def _open_deadlines() -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        case_id=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    )


def work_scope(user: User, *, person: Person | None, admin_ids: set[int]) -> Q:
    """Cases `user` can act on: handled by them, or of a council they administer or serve."""
    if user.is_superuser:
        return Q()
    scope = Q(council_id__in=admin_ids) if admin_ids else Q(pk__in=[])
    if person is not None:
        scope |= Q(handler_id=person.pk)
    return scope


def assigned_to(person: Person | None) -> Q:
    return Q(handler_id=person.pk) & open_cases() if person is not None else Q(pk__in=[])


def waiting_for_acknowledgement() -> Q:
    """Open, not acknowledged, with an acknowledgement clock still running (Maldon 2.2)."""
    ack = _open_deadlines().filter(kind=ClockKind.ACKNOWLEDGEMENT)
    return open_cases() & Q(acknowledged_at__isnull=True) & Q(Exists(ack))


def overdue(now: datetime.datetime) -> Q:
    """An open clock past its due moment (not paused) or already marked breached."""
    late = _open_deadlines().filter(
        Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lt=now)
    )
    return open_cases() & Q(Exists(late))


def due_horizons(
    council_ids: set[int] | None, today: datetime.date
) -> tuple[dict[int, datetime.datetime], datetime.datetime, list[tuple[int, str, str]]]:
    """The end of the 5th working day after `today` on each council's own calendar (its
    nation's bank holidays and its closure days), and the horizon for any other council
    (England, no closures). One statement whatever the number of councils; it also gives the
    councils' (pk, name, slug), by name, for the home page's links.

    "This week" was wrong on a Friday: clocks falling due on Monday were not shown (issue #24)."""
    councils = (
        Council.objects.all() if council_ids is None else Council.objects.filter(pk__in=council_ids)
    )
    window_end = today + datetime.timedelta(days=60)
    # One statement: each council with its closure days in the next weeks (a LEFT JOIN).
    upcoming = FilteredRelation(
        "closure_days",
        condition=Q(closure_days__date__gt=today, closure_days__date__lte=window_end),
    )
    nations: dict[int, str] = {}
    named: dict[int, tuple[int, str, str]] = {}
    closures: dict[int, set[datetime.date]] = defaultdict(set)
    for council_id, nation, name, slug, day in (
        councils.annotate(upcoming=upcoming)
        .order_by()
        .values_list("pk", "nation", "name", "slug", "upcoming__date")
    ):
        nations[council_id] = nation
        named[council_id] = (council_id, name, slug)
        if day is not None:
            closures[council_id].add(day)
    horizons: dict[int, datetime.datetime] = {}
    for council_id, nation in nations.items():
        calendar = cal.calendar_for(nation or "england", closures.get(council_id, ()))
        day = cal.working_days_after(today, DUE_SOON_WORKING_DAYS, calendar)
        horizons[council_id] = cal.end_of_day(day)
    default = cal.end_of_day(
        cal.working_days_after(today, DUE_SOON_WORKING_DAYS, cal.calendar_for("england"))
    )
    return horizons, default, sorted(named.values(), key=lambda c: (c[1], c[0]))


def due_soon(
    now: datetime.datetime, horizons: dict[int, datetime.datetime], default: datetime.datetime
) -> Q:
    """An open, running clock due between now and the end of the council's 5th working day."""
    by_horizon: dict[datetime.datetime, list[int]] = defaultdict(list)
    for council_id, horizon in horizons.items():
        by_horizon[horizon].append(council_id)

    def due_by(horizon: datetime.datetime) -> Exists:
        return Exists(
            _open_deadlines().filter(
                breached_at__isnull=True,
                paused_at__isnull=True,
                due_at__gte=now,
                due_at__lte=horizon,
            )
        )

    q = Q(~Q(council_id__in=list(horizons)) & Q(due_by(default)))
    for horizon, ids in by_horizon.items():
        q |= Q(council_id__in=ids) & Q(due_by(horizon))
    return open_cases() & q


def last_activity() -> Subquery:
    """The newest event of the case (the case's chain index answers it in one probe)."""
    return Subquery(
        CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by("-at", "-pk").values("at")[:1],
        output_field=DateTimeField(),
    )


def seen_at(user: User) -> Subquery:
    return Subquery(
        CaseSeen.objects.filter(user_id=user.pk, case_id=OuterRef("pk")).values("seen_at")[:1],
        output_field=DateTimeField(),
    )


def changed_since_seen(user: User, person: Person | None) -> Q:
    """Something happened since `user` last opened the case; or it was handed to them and they
    have not opened it yet. Needs `with_activity` annotations."""
    changed = Q(seen_at__isnull=False, last_activity_at__gt=F("seen_at"))
    if person is not None:
        changed |= Q(seen_at__isnull=True, handler_id=person.pk)
    return changed


def with_activity(qs: QuerySet[Case], user: User) -> QuerySet[Case]:
    """Annotate the newest event, the user's last look and whether the case changed since:
    subqueries in the same statement, so a list page asks nothing per row."""
    person = person_for(user)
    qs = qs.annotate(
        last_activity_at=Coalesce(last_activity(), "received_at"), seen_at=seen_at(user)
    )
    return qs.annotate(
        is_changed=ExpressionWrapper(changed_since_seen(user, person), output_field=BooleanField())
    )


# -- the home page ------------------------------------------------------------------------------
@dataclass
class Tile:
    key: str
    label: str
    count: int
    href: str
    empty: str
    urgent: bool = False


@dataclass
class HomeWork:
    tiles: list[Tile] = field(default_factory=list)
    # The councils the person administers or serves: (pk, name, slug), by name.
    councils: list[tuple[int, str, str]] = field(default_factory=list)


def home_work(
    user: User, *, now: datetime.datetime | None = None, groups: set[str] | None = None
) -> HomeWork:
    """The counts of the home page, each linking to the list behind it, in a handful of
    statements whatever the counts (budget: 10, checked by `bench`)."""
    if not user.is_authenticated:
        return HomeWork()
    now = now or timezone.now()
    person = person_for(user)
    groups = groups if groups is not None else user_group_names(user)
    admin_ids = administered_council_ids(user, groups=groups)
    manages = bool(user.is_superuser or admin_ids)
    scope = work_scope(user, person=person, admin_ids=admin_ids)
    today = cal.local(now).date()
    horizons, default, councils = due_horizons(None if user.is_superuser else admin_ids, today)
    counts = _case_counts(user, person, scope, now, horizons, default)
    handles_any = person is not None and (
        counts["assigned"] > 0 or person.kind == "officer" or UserGroup.OFFICER in groups
    )
    acts = manages or handles_any
    tiles: list[Tile] = []
    cases_url = reverse("cases:list")
    if handles_any:
        tiles.append(
            Tile(
                "assigned",
                "Assigned to you",
                counts["assigned"],
                f"{cases_url}?assigned=me",
                "Nothing is assigned to you. Cases you handle appear here.",
            )
        )
    if acts:
        tiles += [
            Tile(
                "unacknowledged",
                "Waiting for acknowledgement",
                counts["unacknowledged"],
                f"{cases_url}?work=unacknowledged",
                "Every emailed case you work on has been acknowledged.",
            ),
            Tile(
                "due_soon",
                f"Due in the next {DUE_SOON_WORKING_DAYS} working days",
                counts["due_soon"],
                f"{cases_url}?work=due_soon",
                "No clock falls due in the next five working days. The clocks page lists later "
                "ones.",
            ),
            Tile(
                "overdue",
                "Overdue",
                counts["overdue"],
                f"{cases_url}?work=overdue",
                "Nothing is overdue.",
                urgent=counts["overdue"] > 0,
            ),
        ]
    tiles.append(
        Tile(
            "changed",
            "Changed since you looked",
            counts["changed"],
            f"{cases_url}?changed=1",
            "Nothing has changed on your cases since you last opened them.",
        )
    )
    others = _other_counts(user, person, admin_ids if manages else None)
    if person is not None and (others["deciding"] or others["may_decide"]):
        tiles.append(
            Tile(
                "to_decide",
                "Information requests waiting for your decision",
                others["deciding"],
                reverse("info_requests:list") + "?awaiting=me",
                "No information request is waiting for your decision.",
            )
        )
    if others["informed"]:
        # Readers, not actors: shown only to those a route keeps informed of an open case.
        tiles.append(
            Tile(
                "informed",
                "Cases you are kept informed of",
                others["informed"],
                reverse("cases:kept_informed"),
                "",
            )
        )
    if manages:
        tiles.append(
            Tile(
                "triage",
                "Emails waiting for triage",
                others["triage"],
                reverse("inbound:triage"),
                "No email is waiting to be placed on a case.",
            )
        )
    return HomeWork(tiles=tiles, councils=[] if user.is_superuser else councils)


def _case_counts(
    user: User,
    person: Person | None,
    scope: Q,
    now: datetime.datetime,
    horizons: dict[int, datetime.datetime],
    default: datetime.datetime,
) -> dict[str, int]:
    """The five case counts in one statement, each a scalar subquery that starts where an
    index does (the person's handled cases, the open deadlines of their councils, the cases
    they have looked at) rather than from every case they may see. Each counts the same cases
    as the `Q` its list filters with."""
    open_work = Case.objects.filter(scope & open_cases())
    deadlines = Deadline.objects.filter(
        met_at__isnull=True, cancelled_at__isnull=True, case__in=open_work.values("pk")
    )
    late = deadlines.filter(
        Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lt=now)
    )
    running = deadlines.filter(breached_at__isnull=True, paused_at__isnull=True, due_at__gte=now)
    soon = Q(~Q(case__council_id__in=list(horizons)) & Q(due_at__lte=default))
    for council_id, horizon in horizons.items():
        soon |= Q(case__council_id=council_id, due_at__lte=horizon)
    newer = CaseEvent.objects.filter(case_id=OuterRef("case_id"), at__gt=OuterRef("seen_at"))
    seen = CaseSeen.objects.filter(user_id=user.pk, case_id=OuterRef("pk"))
    # Open cases only, as the list the count links to shows by default.
    changed_seen = (
        CaseSeen.objects.filter(user_id=user.pk)
        .exclude(case__state__in=CLOSED_STATES)
        .filter(Exists(newer))
    )
    zero = Value(0, output_field=IntegerField())
    subqueries: dict[str, Any] = {
        "unacknowledged": _count(open_work.filter(waiting_for_acknowledgement())),
        "due_soon": _count_distinct(running.filter(soon), "case_id"),
        "overdue": _count_distinct(late, "case_id"),
        "changed_seen": _count(changed_seen),
        "assigned": zero,
        "changed_new": zero,
    }
    if person is not None:
        mine = Case.objects.filter(assigned_to(person))
        subqueries["assigned"] = _count(mine)
        subqueries["changed_new"] = _count(mine.filter(~Exists(seen)))
    rows = list(
        Council.objects.order_by()
        .annotate(**{k: Coalesce(v, zero) for k, v in subqueries.items()})
        .values(*subqueries)[:1]
    )
    row = rows[0] if rows else dict.fromkeys(subqueries, 0)
    row["changed"] = row.pop("changed_seen") + row.pop("changed_new")
    return row


def _count_distinct(qs: QuerySet[Any], field: str) -> Subquery:
    """COUNT(DISTINCT field) of `qs` as a scalar subquery."""
    counted = (
        qs.order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Func(field, function="COUNT", template="COUNT(DISTINCT %(expressions)s)"))
        .values("n")
    )
    return Subquery(counted[:1], output_field=IntegerField())


def info_requests_to_decide(person: Person) -> QuerySet[Any]:
    """Open requests whose decider is `person` (the policy's decider, once named on the request)."""
    from info_requests.models import InfoRequest, InfoRequestState

    waiting = (InfoRequestState.RECEIVED, InfoRequestState.DETERMINING, InfoRequestState.FOI)
    return InfoRequest.objects.filter(decider_id=person.pk, state__in=waiting)


def _count(qs: QuerySet[Any]) -> Subquery:
    """COUNT(*) of `qs` as a scalar subquery, to gather several counts in one statement."""
    counted = (
        qs.order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Func("pk", function="COUNT"))
        .values("n")
    )
    return Subquery(counted[:1], output_field=IntegerField())


def _other_counts(user: User, person: Person | None, admin_ids: set[int] | None) -> dict[str, Any]:
    """The information requests waiting for the person's decision, whether they hold the role
    their council's policy names as decider, and the emails waiting for triage (`admin_ids`
    None: not asked): one statement."""
    from contacts.models import RoleAssignment
    from contacts.selectors import held_on
    from inbound.selectors import triage_queue_for
    from info_requests.models import InformationPolicy

    nothing = {"deciding": 0, "may_decide": False, "triage": 0, "informed": 0}
    if person is None and admin_ids is None:
        return nothing
    zero = Value(0, output_field=IntegerField())
    deciding: Any = _count(info_requests_to_decide(person)) if person is not None else zero
    may_decide: Any = Value(False, output_field=BooleanField())
    if person is not None:
        roles = RoleAssignment.objects.filter(
            held_on(timezone.localdate()), person_id=person.pk, council_id=person.council_id
        ).values("role")
        may_decide = Exists(
            InformationPolicy.objects.filter(council_id=person.council_id, decider_role__in=roles)
        )
    triage: Any = (
        _count(triage_queue_for(user, admin_ids=admin_ids)) if admin_ids is not None else zero
    )
    # Maldon 4.3, Hounslow 11.2: the open cases a step of the route keeps the person informed of.
    informed: Any = (
        _count_distinct(
            KeptInformed.objects.filter(person_id=person.pk).exclude(case__state__in=CLOSED_STATES),
            "case_id",
        )
        if person is not None
        else zero
    )
    rows = list(
        Council.objects.order_by()
        .annotate(
            deciding=Coalesce(deciding, zero),
            may_decide=may_decide,
            triage=Coalesce(triage, zero),
            informed=Coalesce(informed, zero),
        )
        .values("deciding", "may_decide", "triage", "informed")[:1]
    )
    return rows[0] if rows else nothing


def saved_views_for(user: User) -> list[SavedView]:
    """The named views `user` saved, for the case list's "Your views"."""
    if not user.is_authenticated:
        return []
    return list(SavedView.objects.filter(user_id=user.pk).order_by("name", "pk"))


@dataclass
class ThreadEmail:
    """One email on a case's thread, whichever way it went."""

    at: datetime.datetime
    direction: str  # "sent" or "received"
    sender: str
    to: list[str]
    subject: str
    body: str
    state: str  # delivery state in words
    problem: bool = False


def email_thread(case: Case) -> list[ThreadEmail]:
    """Every email sent from the case page, every clock notice the product sent about the case,
    and every inbound email threaded to it, oldest first: one statement (a UNION ALL). For those
    with full access to the case (the parties are not shown it: notices go to officers too)."""
    from django.db.models import CharField, TextField

    from clocks.models import Notice
    from inbound.models import InboundEmail

    from .models import OutboundEmail

    def text(value: str) -> Value:
        return Value(value, output_field=CharField())

    columns = (
        "w_at",
        "w_dir",
        "w_name",
        "w_address",
        "w_to",
        "w_subject",
        "w_body",
        "w_sent",
        "w_error",
    )
    sent = (
        OutboundEmail.objects.filter(case=case)
        .order_by()
        .annotate(
            w_at=F("created_at"),
            w_dir=text("sent"),
            w_name=F("sender_name"),
            w_address=text(""),
            w_to=F("to"),
            w_subject=F("subject"),
            w_body=F("body"),
            w_sent=F("sent_at"),
            w_error=F("error"),
        )
        .values_list(*columns)
    )
    notices = (
        Notice.objects.filter(deadline__case=case)
        .order_by()
        .annotate(
            w_at=Coalesce("sent_at", "created_at"),
            w_dir=text("notice"),
            w_name=F("kind"),
            w_address=F("deadline__kind"),
            w_to=F("recipients"),
            w_subject=text(""),
            w_body=Value("", output_field=TextField()),
            w_sent=F("sent_at"),
            w_error=F("last_error"),
        )
        .values_list(*columns)
    )
    received = (
        InboundEmail.objects.filter(case=case)
        .order_by()
        .annotate(
            w_at=F("received_at"),
            w_dir=text("received"),
            w_name=F("from_name"),
            w_address=F("from_address"),
            w_to=F("to_addresses"),
            w_subject=F("subject"),
            w_body=F("body_text"),
            w_sent=F("received_at"),
            w_error=Value("", output_field=TextField()),
        )
        .values_list(*columns)
    )
    from cases.models import ClockKind
    from clocks.models import NoticeKind

    notice_kinds, clock_kinds = dict(NoticeKind.choices), dict(ClockKind.choices)
    thread: list[ThreadEmail] = []
    for at, direction, name, address, to, subject, body, sent_at, error in sent.union(
        notices, received, all=True
    ):
        recipients = list(to or []) if isinstance(to, list) else []
        if direction == "received":
            thread.append(
                ThreadEmail(
                    at,
                    "received",
                    f"{name} <{address}>".strip(),
                    recipients,
                    subject,
                    body,
                    "Received",
                )
            )
            continue
        if direction == "notice":
            subject = f"{notice_kinds.get(name, name)}: {clock_kinds.get(address, address)} clock"
            name = "Protocol (automatic)"
        if sent_at:
            state = "Handed to the mail server"
        elif error:
            state = f"Not sent: {error}"
        else:
            state = "Waiting to be sent"
        thread.append(
            ThreadEmail(
                at,
                "sent",
                name,
                recipients,
                subject,
                body,
                state,
                problem=bool(error) and not sent_at,
            )
        )
    return sorted(thread, key=lambda e: e.at)
