"""Read queries for cases. `visible_cases_for` is THE answer to "who sees what": the web list,
the case page, the API and search all start from it, so they cannot disagree.

| who                                              | sees                                  |
|--------------------------------------------------|---------------------------------------|
| clerk / council admin of council C               | every case of C                       |
| Monitoring Officer (or deputy) serving C         | every case of C, borrowing parishes too |
| a party (raised_by / about)                      | their case, without internal notes    |
| a current or past handler                        | that case                             |
| a member of a committee panel seated on the case | that case (Maldon 5.1, West Lavington 4.2) |
| an explicit guardian grant (e.g. Standards Committee member) | that case                 |
| someone a step keeps informed (`KeptInformed`)   | that case, read-only, in the variant's |
|                                                  | `informed_view` (full or party view)   |
| superuser                                        | everything                            |
| anyone else                                      | 404                                   |
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from clocks.models import Deadline
from contacts.models import Council, Person, PersonKind, Role, RoleAssignment
from contacts.selectors import UserGroup, held_on, related_person_ids

from .models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    EventAction,
    InformedView,
    KeptInformed,
    Note,
    NoteVisibility,
    PanelSeat,
    VariantStep,
)

User = AuthUser | AnonymousUser
REVIEWER_CODENAME = "view_case_as_reviewer"


class Access(StrEnum):
    FULL = "full"  # everything, internal notes included
    PARTY = "party"  # a party: shared notes only


def _in_group(uid: int, *names: str) -> Exists:
    through = get_user_model().groups.through
    return Exists(through.objects.filter(user_id=uid, group__name__in=names))


def _person_id(uid: int) -> Subquery:
    return Subquery(Person.objects.filter(user_id=uid).values("pk")[:1])


def _served_council_ids(uid: int) -> QuerySet[Any, Any]:
    """Councils the user serves as MO or deputy today, and the parishes that borrow them."""
    today = timezone.localdate()
    direct = RoleAssignment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        starts_on__lte=today,
        person__user_id=uid,
        role__in=[Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER],
    ).values("council_id")
    return Council.objects.filter(
        Q(pk__in=direct) | Q(monitoring_officer_council_id__in=direct)
    ).values("pk")


def _acting_visibility(uid: int) -> Q:
    """Who sees a case because of who they are to it, kept-informed readers apart: the
    visibility rule as one `Q` of subqueries, evaluated by PostgreSQL in one statement."""
    person_id = _person_id(uid)
    own_council = Subquery(Person.objects.filter(user_id=uid).values("council_id")[:1])
    administers = Q(_in_group(uid, UserGroup.CLERK, UserGroup.COUNCIL_ADMIN)) & Q(
        council_id=own_council
    )
    serves_as_mo = Q(_in_group(uid, UserGroup.MONITORING_OFFICER)) & Q(
        council_id__in=_served_council_ids(uid)
    )
    party = Q(raised_by_id=person_id) | Q(about_id=person_id)
    handled = Exists(CaseAssignment.objects.filter(case_id=OuterRef("pk"), person__user_id=uid))
    # A committee rung's panel members, current or past, as handlers are.
    on_panel = Exists(PanelSeat.objects.filter(case_id=OuterRef("pk"), person__user_id=uid))
    granted = Exists(
        CaseUserObjectPermission.objects.filter(
            content_object_id=OuterRef("pk"),
            user_id=uid,
            permission__codename=REVIEWER_CODENAME,
        )
    ) | Exists(
        CaseGroupObjectPermission.objects.filter(
            content_object_id=OuterRef("pk"),
            group__user__id=uid,
            permission__codename=REVIEWER_CODENAME,
        )
    )
    return (
        administers
        | serves_as_mo
        | party
        | Q(handler_id=person_id)
        | Q(handled)
        | Q(on_panel)
        | Q(granted)
    )


def _kept_informed(uid: int) -> Exists:
    return Exists(KeptInformed.objects.filter(case_id=OuterRef("pk"), person__user_id=uid))


def _visibility(uid: int) -> Q:
    """Everyone above, and the people the route keeps informed (issue #20: an email's link
    opens for each person it is sent to)."""
    return _acting_visibility(uid) | Q(_kept_informed(uid))


def informed_cases_for(user: User) -> QuerySet[Case]:
    """The cases `user` is kept informed of ("Cases I am kept informed of"); all visible."""
    if not user.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_kept_informed(user.pk))


def kept_informed_rows(user: User) -> QuerySet[KeptInformed]:
    """Why `user` is kept informed of each case they are (role and step), newest case first."""
    if not user.is_authenticated:
        return KeptInformed.objects.none()
    return KeptInformed.objects.filter(person__user_id=user.pk).order_by(
        "-case__received_at", "-case_id", "step_position"
    )


def visible_cases_for(user: User) -> QuerySet[Case]:
    """Every case `user` may open. One SQL statement; nothing is evaluated here."""
    if not user.is_authenticated:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    return Case.objects.filter(_visibility(user.pk))


def with_case_details(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Everything a case page or the case JSON reads, in a constant number of queries."""
    return qs.select_related(
        "council", "variant", "raised_by", "about", "handler", "opened_by", "service"
    ).prefetch_related(
        Prefetch("variant__steps", queryset=VariantStep.objects.order_by("position")),
        Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "pk")),
        Prefetch("panel_seats", queryset=PanelSeat.objects.select_related("person")),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "pk")),
    )


def case_for(user: User, pk_or_reference: int | str) -> Case:
    """The case by id or reference (`LAN-2026-0042`) if `user` may see it, else Http404."""
    qs = with_case_details(visible_cases_for(user))
    key = str(pk_or_reference).strip()
    # An id beyond bigint is no id (PostgreSQL would refuse the query): treat it as a reference.
    lookup = Q(pk=int(key)) if key.isdigit() and len(key) < 19 else Q(reference__iexact=key)
    try:
        case = qs.get(lookup)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None
    # Loaded through visible_cases_for: case_access need not ask the database again.
    case._visible_to = user.pk  # type: ignore[attr-defined]
    return case


def case_access(user: User, case: Case, *, admin_ids: set[int] | None = None) -> Access | None:
    """Which view of `case` the user gets: full, party (no internal notes), or None (404).

    Someone who reads the case only because its route keeps them informed gets the variant's
    `informed_view`. `admin_ids` (the caller's `administered_council_ids`, when it has them)
    spares that question for the clerks and the Monitoring Officer."""
    if not user.is_authenticated:
        return None
    if not user.is_superuser:
        already_checked = getattr(case, "_visible_to", None) == user.pk
        if not already_checked and not visible_cases_for(user).filter(pk=case.pk).exists():
            return None
        person = getattr(user, "person", None)
        if person is not None and person.pk in (case.raised_by_id, case.about_id):
            return Access.PARTY
        if (
            case.variant.informed_view == InformedView.PARTY
            and not (admin_ids is not None and case.council_id in admin_ids)
            and not (person is not None and person.pk == case.handler_id)
            and only_kept_informed(user, case)
        ):
            return Access.PARTY
    return Access.FULL


def party_view_case_ids(user: User) -> set[int]:
    """The cases `user` reads only as someone a route keeps informed in the parties' view (the
    API's history leaves out what parties are not shown). One query."""
    if not user.is_authenticated or user.is_superuser:
        return set()
    informed = KeptInformed.objects.filter(
        person__user_id=user.pk, case__variant__informed_view=InformedView.PARTY
    ).values("case_id")
    # The acting rule is asked of the few informed cases only, never of every case.
    acting = Case.objects.filter(pk__in=informed).filter(_acting_visibility(user.pk))
    return set(
        Case.objects.filter(pk__in=informed)
        .exclude(pk__in=acting.values("pk"))
        .values_list("pk", flat=True)
    )


def only_kept_informed(user: User, case: Case) -> bool:
    """Whether `user` sees `case` only because its route keeps them informed (read-only)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    if not KeptInformed.objects.filter(case_id=case.pk, person__user_id=user.pk).exists():
        return False
    return not Case.objects.filter(_acting_visibility(user.pk), pk=case.pk).exists()


def visible_notes(user: User, case: Case, *, access: Access | None = None) -> QuerySet[Note]:
    """Notes the user may read on a case they can see: parties never see internal notes."""
    access = access if access is not None else case_access(user, case)
    if access is None:
        return Note.objects.none()
    qs = case.notes.prefetch_related("attachments").order_by("created_at", "pk")
    if access == Access.PARTY:
        qs = qs.filter(visibility=NoteVisibility.SHARED)
    return qs


def visible_events(case: Case, access: Access | None) -> list[CaseEvent]:
    """The timeline for `access`. Uses the prefetch if present.

    Parties see neither internal-note events nor why a handler was chosen: the reason can name
    a declared personal relationship, which is confidential (Maldon 5.1, Hounslow 10)."""
    events = list(case.events.all())
    if access != Access.PARTY:
        return events
    shown: list[CaseEvent] = []
    for event in events:
        if event.data.get("visibility") == NoteVisibility.INTERNAL:
            continue
        if event.action == EventAction.ASSIGNED and event.reason:
            event = copy.copy(event)  # never saved: CaseEvent refuses updates
            event.reason = ""
        shown.append(event)
    return shown


def public_handler_reason(case: Case, access: Access | None) -> str:
    """Why this handler, for the case page: parties are not told (see `visible_events`)."""
    return case.handler_reason if access == Access.FULL else ""


def handler_candidates(case: Case) -> QuerySet[Person]:
    """Who a clerk or the MO could assign to handle `case` by hand, by name: for a dropdown.

    "Officer" as routing means it: the officers of the case's council and of the council lending
    its Monitoring Officer, and anyone holding a current role for the case's council, councillors
    included (a parish clerk's grievance goes to the chairman, West Lavington 4.5). Never a party,
    nobody with a declared relationship with a party (Maldon 6.2), nobody anonymised.
    `services.assign_handler` stays the authority; this only builds a sensible list."""
    council = case.council
    served = {council.pk, council.monitoring_officer_council_id or council.pk}
    parties = {case.raised_by_id, case.about_id}
    holds_a_role = RoleAssignment.objects.filter(
        held_on(timezone.localdate()), council_id=council.pk, person_id=OuterRef("pk")
    )
    return (
        Person.objects.filter(council_id__in=served, anonymised_at__isnull=True)
        .filter(Q(kind=PersonKind.OFFICER) | Q(Exists(holds_a_role)))
        .exclude(pk__in=parties | related_person_ids(parties))
        .select_related("council")
        .order_by("name", "pk")
    )


def _open_deadlines() -> QuerySet[Deadline]:
    return Deadline.objects.filter(
        case_id=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    )


def case_list(
    user: User,
    *,
    council: Council | str | None = None,
    state: str | None = None,
    case_type: str | None = None,
    overdue: bool | None = None,
    handler: Person | int | None = None,
    search: str | None = None,
) -> QuerySet[Case]:
    """The escalation queue and case lists: visible cases, filtered, annotated with the next
    open due date and whether a clock is overdue, with the related rows a list page shows."""
    now = timezone.now()
    qs = visible_cases_for(user).select_related(
        "council", "variant", "raised_by", "about", "handler"
    )
    open_deadlines = _open_deadlines()
    qs = qs.annotate(
        next_due_at=Subquery(open_deadlines.order_by("due_at").values("due_at")[:1]),
        # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns a correlated EXISTS into a
        # hashed SubPlan that first reads every overdue deadline in the database (100,000 at
        # national scale), even for a page of 25 (issue #10, docs/adr/0004-performance.md).
        overdue_deadline=Subquery(
            open_deadlines.filter(Q(breached_at__isnull=False) | Q(due_at__lt=now)).values("pk")[:1]
        ),
    ).annotate(
        is_overdue=ExpressionWrapper(Q(overdue_deadline__isnull=False), output_field=BooleanField())
    )
    if council:
        qs = (
            qs.filter(council__slug=council)
            if isinstance(council, str)
            else qs.filter(council=council)
        )
    if state:
        qs = qs.filter(state=state)
    if case_type:
        qs = qs.filter(case_type=case_type)
    if overdue is not None:
        qs = qs.filter(is_overdue=overdue)
    if handler is not None:
        person_id = handler.pk if isinstance(handler, Person) else handler
        # A committee rung's panel members handle it too (Maldon 5.1, West Lavington 4.2).
        seated = PanelSeat.objects.filter(
            case_id=OuterRef("pk"),
            person_id=person_id,
            step_position=OuterRef("step_position"),
            stood_down_at__isnull=True,
        )
        qs = qs.filter(Q(handler_id=person_id) | Q(Exists(seated)))
    if search:
        term = search.strip()
        qs = qs.filter(
            Q(reference__icontains=term)
            | Q(summary__icontains=term)
            | Q(raised_by__name__icontains=term)
            | Q(about__name__icontains=term)
        )
    return qs.order_by("-received_at", "-pk")


def bulk_handler_candidates(cases: list[Case]) -> QuerySet[Person]:
    """Who could handle any of `cases`: the officers (and role holders) of their councils and of
    the councils lending them a Monitoring Officer. Parties and declared relationships differ per
    case, so `services.assign_handler` refuses those case by case, saying why."""
    served: set[int] = set()
    for case in cases:
        served |= {case.council_id, case.council.monitoring_officer_council_id or case.council_id}
    holds_a_role = RoleAssignment.objects.filter(
        held_on(timezone.localdate()),
        council_id__in={c.council_id for c in cases},
        person_id=OuterRef("pk"),
    )
    return (
        Person.objects.filter(council_id__in=served, anonymised_at__isnull=True)
        .filter(Q(kind=PersonKind.OFFICER) | Q(Exists(holds_a_role)))
        .select_related("council")
        .order_by("name", "pk")
    )
