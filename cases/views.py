"""Web journeys for cases. Views read through selectors and change things only through services."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from contacts.models import Council, Person, PersonKind, Role, Service
from contacts.selectors import (
    UserGroup,
    administered_council_ids,
    person_for,
    served_councils,
    service_of,
    user_group_names,
)
from protocol_site.errors import ActionNotAllowed, PermissionRefused, StaleObject
from worklist import queue as work_queue
from worklist import selectors as work_selectors
from worklist.selectors import changed_since_seen, saved_views_for, with_activity
from worklist.services import mark_seen

from . import permissions, selectors, services
from .forms import (
    ACTION_FIELDS,
    CONFIRMED_ACTIONS,
    UNKNOWN_SERVICE,
    AboutForm,
    ActionForm,
    AssignHandlerForm,
    BulkAssignForm,
    CaseTypeForm,
    CheckAnswersForm,
    ConciliatorForm,
    CorrectSummaryForm,
    CouncilForm,
    NoteForm,
    RaisedByForm,
    ReceivedForm,
    ReformPanelForm,
    RerouteForm,
    ServiceForm,
    SummaryForm,
)
from .models import (
    CLOSED_STATES,
    Attachment,
    Case,
    CaseState,
    CaseType,
    Channel,
    ClockKind,
    NoteVisibility,
    PanelSeat,
    ProtocolVariant,
    VariantStatus,
    VariantStep,
)

STALE_MESSAGE = "This case changed while you were looking at it. Reload to see the latest."
# The rungs an MO's escalation queue shows for the councils they serve.
QUEUE_STATES = (CaseState.MONITORING_OFFICER, CaseState.STANDARDS_COMMITTEE)


def _deadline_model() -> Any:
    from clocks.models import Deadline

    return Deadline


def _open_deadlines() -> QuerySet[Any]:
    # The same "open" as `selectors.case_list`'s next_due_at, so the kind matches the date.
    return _deadline_model().objects.filter(met_at__isnull=True, cancelled_at__isnull=True)


# == list ========================================================================================
# What the list can be narrowed to from the home page's counts (worklist.selectors).
WORK_FILTERS = ("unacknowledged", "due_soon", "overdue")
CASE_STATUSES = (("open", "Open cases"), ("closed", "Closed cases"), ("all", "Open and closed"))


def _queue_filter(user: Any) -> Q:
    """The MO's queue: their councils' cases at the MO / Standards rungs, or handled by them."""
    person = person_for(user)
    if person is None:
        return Q(pk__in=[])
    # A subquery, not a list: one statement fewer per page (issue #10 query budget).
    return Q(council_id__in=served_councils(person), state__in=QUEUE_STATES) | Q(handler=person)


def _work_filter(user: Any, person: Person | None, work: str, admin_ids: set[int]) -> Q:
    """The same `Q` the home page counted with, so the count and the list agree."""
    now = timezone.now()
    scope = work_selectors.work_scope(user, person=person, admin_ids=admin_ids)
    if work == "unacknowledged":
        return scope & work_selectors.waiting_for_acknowledgement()
    if work == "overdue":
        return scope & work_selectors.overdue(now)
    horizons, default, _ = work_selectors.due_horizons(
        None if user.is_superuser else admin_ids, timezone.localdate(now)
    )
    return scope & work_selectors.due_soon(now, horizons, default)


def _list_params(request: HttpRequest, councils: list[Council]) -> dict[str, Any]:
    """The filters and sort of the list, read (and checked) from the query string."""
    params = request.GET
    council = next((c for c in councils if c.slug == params.get("council")), None)
    status = params.get("status") if params.get("status") in dict(CASE_STATUSES) else "open"
    return {
        "council": council,
        "state": params.get("state") if params.get("state") in CaseState.values else None,
        "case_type": (
            params.get("case_type") if params.get("case_type") in CaseType.values else None
        ),
        "overdue": params.get("overdue") == "1",
        "mine": params.get("assigned") == "me",
        "search": (params.get("q") or "").strip()[:200] or None,
        "queue": params.get("queue") == "mine",
        "status": status,
        "work": params.get("work") if params.get("work") in WORK_FILTERS else "",
        "changed": params.get("changed") == "1",
    }


def _sort_links(kept: dict[str, str], sort: Any, descending: bool) -> dict[str, dict[str, Any]]:
    """Each sortable column's link (the other direction when it is the current sort)."""
    links = {}
    for key, option in work_queue.SORTS.items():
        current = option.key == sort.key
        desc = (not descending) if current else option.default_descending
        query = {k: v for k, v in kept.items() if k != "sort"}
        query["sort"] = work_queue.sort_param(option, desc)
        links[key] = {
            "href": f"?{urlencode(query)}",
            "label": option.label,
            "aria_sort": ("descending" if descending else "ascending") if current else "none",
        }
    return links


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    person = person_for(request.user)
    # Asked once: the councils listed, the home-page filters and bulk reassignment all use it.
    admin_ids = administered_council_ids(request.user)
    councils = list(_listable_councils(request.user, person, admin_ids))
    f = _list_params(request, councils)
    mine = f["mine"] and person is not None
    state = f["state"]
    status = "all" if state else f["status"]  # a chosen stage says open or closed already

    queryset = selectors.case_list(
        request.user,
        council=f["council"],
        state=state,
        case_type=f["case_type"],
        overdue=True if f["overdue"] else None,
        handler=person if mine else None,
        search=f["search"],
    )
    if status == "open":
        queryset = queryset.exclude(state__in=CLOSED_STATES)
    elif status == "closed":
        queryset = queryset.filter(state__in=CLOSED_STATES)
    if f["queue"]:
        queryset = queryset.filter(_queue_filter(request.user))
    if f["work"]:
        queryset = queryset.filter(_work_filter(request.user, person, f["work"], admin_ids))
    next_due = _open_deadlines().filter(case=OuterRef("pk")).order_by("due_at")
    queryset = with_activity(queryset, request.user).annotate(
        # A committee rung is handled by its panel (Maldon 5.1, West Lavington 4.2). An
        # EXISTS, never a COUNT: the list pages without counting (issue #10).
        has_panel=Exists(
            PanelSeat.objects.filter(
                case=OuterRef("pk"),
                step_position=OuterRef("step_position"),
                stood_down_at__isnull=True,
            )
        ),
        next_due_kind=Subquery(next_due.values("kind")[:1]),
        # The rung in the council's words, in the same statement (issue #10 query budget).
        step_label=Subquery(
            VariantStep.objects.filter(
                variant_id=OuterRef("variant_id"), state=OuterRef("state")
            ).values("label")[:1]
        ),
    )
    if f["changed"]:
        queryset = queryset.filter(changed_since_seen(request.user, person))
    queryset = work_queue.with_sort_keys(queryset)
    sort, descending = work_queue.parse_sort(params.get("sort"))
    rows, next_cursor, previous_cursor = work_queue.keyset_page(
        queryset,
        sort=sort,
        descending=descending,
        after=params.get("after"),
        before=params.get("before"),
    )
    kinds = dict(ClockKind.choices)
    ages = work_queue.working_ages(rows)
    for case in rows:
        case.next_due_label = kinds.get(case.next_due_kind, case.next_due_kind or "")  # type: ignore[attr-defined]
        case.stage_label = case.step_label or case.get_state_display()  # type: ignore[attr-defined]
        case.age_in_working_days = ages.get(case.pk)  # type: ignore[attr-defined]
    kept: dict[str, str] = {
        k: v for k, v in params.items() if k not in ("after", "before") and isinstance(v, str) and v
    }
    filtered = bool(
        f["council"]
        or state
        or f["case_type"]
        or f["overdue"]
        or mine
        or f["search"]
        or f["work"]
        or f["changed"]
        or f["status"] != "open"
    )
    return render(
        request,
        "cases/list.html",
        {
            "cases": rows,
            "councils": councils,
            "states": CaseState.choices,
            "case_types": CaseType.choices,
            "statuses": CASE_STATUSES,
            "selected": {
                "council": f["council"].slug if f["council"] else "",
                "state": state or "",
                "case_type": f["case_type"] or "",
                "overdue": f["overdue"],
                "assigned": mine,
                "q": f["search"] or "",
                "status": f["status"],
                "work": f["work"],
                "changed": f["changed"],
                "sort": work_queue.sort_param(sort, descending),
            },
            "work_label": dict(WORK_LABELS).get(f["work"], ""),
            "sorts": _sort_links(kept, sort, descending),
            "queue": f["queue"],
            "has_person": person is not None,
            "filtered": filtered,
            "next_url": f"?{urlencode({**kept, 'after': next_cursor})}" if next_cursor else None,
            "previous_url": (
                f"?{urlencode({**kept, 'before': previous_cursor})}" if previous_cursor else None
            ),
            # Anyone linked to a councillor or officer can raise a case of their own.
            "may_open": person is not None or request.user.is_superuser,
            "may_bulk_assign": may_bulk_assign(request.user, admin_ids),
            "saved_views": saved_views_for(request.user),
            "current_query": urlencode({k: v for k, v in kept.items()}),
        },
    )


WORK_LABELS = (
    ("unacknowledged", "Waiting for acknowledgement"),
    ("due_soon", "Due in the next 5 working days"),
    ("overdue", "Overdue"),
)


@login_required
def kept_informed_list(request: HttpRequest) -> HttpResponse:
    """ "Cases I am kept informed of": the cases a step of the council's route keeps the user
    informed of (Maldon 4.3, Hounslow 11.2), with the role and step that did, read-only."""
    person = person_for(request.user)
    rows = selectors.kept_informed_rows(request.user).select_related(
        "case__council", "case__handler", "case__variant"
    )
    cases: dict[int, dict[str, Any]] = {}
    for row in rows[:500]:
        entry = cases.setdefault(row.case_id, {"case": row.case, "as": [], "since": row.since})
        label = Role(row.role).label if row.role in Role.values else row.role
        if label not in entry["as"]:
            entry["as"].append(label)
        entry["since"] = min(entry["since"], row.since)
    return render(
        request,
        "cases/kept_informed.html",
        {"rows": list(cases.values()), "has_person": person is not None},
    )


def may_bulk_assign(user: Any, admin_ids: set[int] | None = None) -> bool:
    """Those who may change a case's handler one by one (a clerk, council administrator or
    Monitoring Officer of its council: `permissions.allowed` for ASSIGN) may pick several at
    once (issue #24); each case is still checked by `services.assign_handler`."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(administered_council_ids(user) if admin_ids is None else admin_ids)


def _listable_councils(user: Any, person: Person | None, admin_ids: set[int]) -> QuerySet[Council]:
    """`contacts.selectors.visible_councils_for`, from the administered councils already known."""
    if user.is_superuser:
        councils = Council.objects.all()
    else:
        ids = set(admin_ids) | ({person.council_id} if person is not None else set())
        councils = Council.objects.filter(pk__in=ids)
    return councils.only("pk", "slug", "name").order_by("name")


# == open a case: a session-stored wizard ========================================================
WIZARD_KEY = "case_wizard"
DONE_KEY = "case_wizard_done"


def _logs_for_others(user: Any) -> bool:
    """Clerks, case administrators and MOs log cases raised by others (in person, email ...)."""
    if user.is_superuser:
        return True
    names = user_group_names(user)
    return bool(names & {UserGroup.CLERK, UserGroup.COUNCIL_ADMIN, UserGroup.MONITORING_OFFICER})


def _opening_councils(user: Any) -> QuerySet[Council]:
    if not user.is_authenticated:
        return Council.objects.none()
    if user.is_superuser:
        return Council.objects.filter(variants__status=VariantStatus.PUBLISHED).distinct()
    ids = administered_council_ids(user) if _logs_for_others(user) else set()
    person = person_for(user)
    if person is not None:
        ids.add(person.council_id)
    return Council.objects.filter(pk__in=ids).order_by("name")


class Wizard:
    """The answers so far, kept in the session, and which question comes next."""

    STEPS = ("council", "case-type", "raised-by", "about", "service", "received", "summary")

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.user: Any = request.user
        self.data: dict[str, Any] = request.session.get(WIZARD_KEY, {})
        self.person = person_for(self.user)
        self.logging = _logs_for_others(self.user)

    def save(self) -> None:
        self.request.session[WIZARD_KEY] = self.data
        self.request.session.modified = True

    # -- answers ---------------------------------------------------------------------------------
    def councils(self) -> QuerySet[Council]:
        return _opening_councils(self.user)

    def council(self) -> Council | None:
        pk = self.data.get("council")
        councils = self.councils()
        if pk is None and councils.count() == 1:
            only = councils.first()
            if only is not None:
                self.data["council"] = only.pk
            return only
        return councils.filter(pk=pk).first() if pk else None

    def case_types(self, council: Council) -> list[tuple[str, str]]:
        published = set(
            ProtocolVariant.objects.filter(
                council=council, status=VariantStatus.PUBLISHED
            ).values_list("case_type", flat=True)
        )
        kinds = None if self.logging or self.person is None else {self.person.kind}
        return [
            (t.value, t.label)
            for t in CaseType
            if t.value in published and (kinds is None or t.raiser_kind in kinds)
        ]

    def case_type(self) -> CaseType | None:
        value = self.data.get("case_type")
        return CaseType(value) if value in CaseType.values else None

    def raiser_choices(self, council: Council, case_type: CaseType) -> QuerySet[Person]:
        return council.people.filter(kind=case_type.raiser_kind, anonymised_at__isnull=True)

    def raised_by(self) -> Person | None:
        if not self.logging:
            return self.person
        council, case_type = self.council(), self.case_type()
        if not (council and case_type and self.data.get("raised_by")):
            return None
        return self.raiser_choices(council, case_type).filter(pk=self.data["raised_by"]).first()

    def about_choices(self, council: Council, case_type: CaseType) -> QuerySet[Person]:
        people = council.people.filter(kind=case_type.subject_kind, anonymised_at__isnull=True)
        raiser = self.raised_by()
        return people.exclude(pk=raiser.pk) if raiser else people

    def about(self) -> Person | None:
        council, case_type = self.council(), self.case_type()
        if not (council and case_type and self.data.get("about")):
            return None
        return self.about_choices(council, case_type).filter(pk=self.data["about"]).first()

    def service_choices(self, council: Council) -> QuerySet[Service]:
        return council.services.order_by("name")

    def service(self) -> Service | None:
        """The service named in the journey; None when not asked, or not known."""
        council, slug = self.council(), self.data.get("service")
        if council is None or not slug or slug == UNKNOWN_SERVICE:
            return None
        return self.service_choices(council).filter(slug=slug).first()

    def asks_service(self) -> bool:
        """Issue #20: a case about a member asks which service the matter belongs to (a case
        about an officer belongs to the officer's own service)."""
        council, case_type = self.council(), self.case_type()
        return bool(
            council is not None
            and case_type is not None
            and case_type.subject_kind == PersonKind.COUNCILLOR
            and council.services.exists()
        )

    def channel(self) -> str:
        return self.data.get("channel", "") if self.logging else Channel.WEB

    def received_at(self) -> datetime.datetime | None:
        if not self.logging:
            return None  # filed online: received when submitted
        value = self.data.get("received_at")
        return datetime.datetime.fromisoformat(value) if value else None

    # -- flow ------------------------------------------------------------------------------------
    def applicable_steps(self) -> list[str]:
        steps = list(self.STEPS)
        if self.councils().count() <= 1:
            steps.remove("council")
        if not self.logging:
            steps.remove("raised-by")
            steps.remove("received")
        if not self.asks_service():
            steps.remove("service")
        return steps

    def is_answered(self, step: str) -> bool:
        council = self.council()
        case_type = self.case_type()
        match step:
            case "council":
                return council is not None
            case "case-type":
                return (
                    council is not None
                    and case_type is not None
                    and case_type.value in dict(self.case_types(council))
                )
            case "raised-by":
                return self.raised_by() is not None
            case "about":
                return self.about() is not None
            case "service":
                slug = self.data.get("service")
                return slug == UNKNOWN_SERVICE or (
                    council is not None and self.service() is not None
                )
            case "received":
                return bool(self.channel()) and self.received_at() is not None
            case "summary":
                return bool(self.data.get("summary"))
        return False

    def first_unanswered(self) -> str | None:
        for step in self.applicable_steps():
            if not self.is_answered(step):
                return step
        return None

    def url_after_answer(self) -> str:
        step = self.first_unanswered()
        if step is None:
            return reverse("cases:new_check")
        return reverse("cases:new_step", args=[step])

    def previous_url(self, step: str) -> str:
        steps = self.applicable_steps()
        if step in steps and steps.index(step) > 0:
            return reverse("cases:new_step", args=[steps[steps.index(step) - 1]])
        return reverse("cases:list")


@login_required
def new_case_start(request: HttpRequest) -> HttpResponse:
    request.session[WIZARD_KEY] = {}
    wizard = Wizard(request)
    if not wizard.councils().exists():
        return render(request, "cases/new/cannot_open.html", status=200)
    wizard.council()  # picks the only council, if there is one
    wizard.save()
    return redirect(wizard.url_after_answer())


def _question(
    request: HttpRequest, wizard: Wizard, step: str, form: Any, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "step": step,
        "back_url": wizard.previous_url(step),
        "council": wizard.council(),
        "case_type": wizard.case_type(),
        **extra,
    }
    return render(request, f"cases/new/{step.replace('-', '_')}.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_case_step(request: HttpRequest, step: str) -> HttpResponse:  # noqa: C901
    wizard = Wizard(request)
    if step not in wizard.applicable_steps():
        raise Http404("No such question")
    # A question whose earlier answers are missing sends the user back to the first gap.
    steps = wizard.applicable_steps()
    for earlier in steps[: steps.index(step)]:
        if not wizard.is_answered(earlier):
            return redirect("cases:new_step", earlier)
    council = wizard.council()
    case_type = wizard.case_type()
    data = request.POST if request.method == "POST" else None
    form: Any
    extra: dict[str, Any] = {}

    if step == "council":
        form = CouncilForm(data, councils=wizard.councils(), initial={"council": council})
        if form.is_valid():
            chosen = form.cleaned_data["council"]
            if chosen.pk != wizard.data.get("council"):
                wizard.data = {"council": chosen.pk}
            wizard.save()
            return redirect(wizard.url_after_answer())
    elif council is None:  # unreachable: the council question comes first
        return redirect("cases:new")
    elif step == "case-type":
        types = wizard.case_types(council)
        if not types:
            return _question(request, wizard, step, None, no_types=True)
        form = CaseTypeForm(
            data, case_types=types, initial={"case_type": case_type.value if case_type else None}
        )
        if form.is_valid():
            wizard.data["case_type"] = form.cleaned_data["case_type"]
            wizard.save()
            return redirect(wizard.url_after_answer())
        extra["guidance"] = _case_type_guidance(council, types)
    elif case_type is None:  # unreachable: the case-type question comes before the rest
        return redirect("cases:new")
    elif step == "raised-by":
        people = wizard.raiser_choices(council, case_type)
        form = RaisedByForm(
            data, people=people, initial={"raised_by": wizard.data.get("raised_by")}
        )
        if form.is_valid():
            wizard.data["raised_by"] = form.cleaned_data["raised_by"].pk
            if wizard.data.get("about") == wizard.data["raised_by"]:
                wizard.data.pop("about")
            wizard.save()
            return redirect(wizard.url_after_answer())
        extra["kind"] = case_type.raiser_kind
    elif step == "about":
        people = wizard.about_choices(council, case_type)
        form = AboutForm(data, people=people, initial={"about": wizard.data.get("about")})
        if form.is_valid():
            wizard.data["about"] = form.cleaned_data["about"].pk
            wizard.save()
            return redirect(wizard.url_after_answer())
        extra["kind"] = case_type.subject_kind
        extra["none_to_choose"] = not people.exists()
    elif step == "service":
        raiser = wizard.raised_by()
        own = service_of(raiser) if raiser is not None else None
        form = ServiceForm(
            data,
            services=wizard.service_choices(council),
            initial={"service": wizard.data.get("service") or (own.slug if own else None)},
        )
        if form.is_valid():
            wizard.data["service"] = form.cleaned_data["service"]
            wizard.save()
            return redirect(wizard.url_after_answer())
        extra["own_service"] = own
    elif step == "received":
        initial = {"channel": wizard.data.get("channel")} | ReceivedForm.initial_for(
            wizard.received_at()
        )
        form = ReceivedForm(data, initial=initial)
        if form.is_valid():
            wizard.data["channel"] = form.cleaned_data["channel"]
            wizard.data["received_at"] = form.cleaned_data["received_at"].isoformat()
            wizard.save()
            return redirect(wizard.url_after_answer())
    else:  # summary
        form = SummaryForm(data, initial={"summary": wizard.data.get("summary", "")})
        if form.is_valid():
            wizard.data["summary"] = form.cleaned_data["summary"]
            wizard.save()
            return redirect(wizard.url_after_answer())
    return _question(request, wizard, step, form, **extra)


def _case_type_guidance(council: Council, types: list[tuple[str, str]]) -> dict[str, str]:
    variants = ProtocolVariant.objects.filter(
        council=council, status=VariantStatus.PUBLISHED, case_type__in=[t for t, _ in types]
    )
    return {v.case_type: v.protocol_reference or v.title for v in variants}


@login_required
@require_http_methods(["GET", "POST"])
def new_case_check(request: HttpRequest) -> HttpResponse:
    wizard = Wizard(request)
    done: dict[str, str] = request.session.get(DONE_KEY, {})
    if request.method == "POST":
        key = request.POST.get("idempotency_key", "")
        if key in done:  # the second click of a double submit
            return redirect("cases:opened", done[key])
    gap = wizard.first_unanswered()
    if gap is not None:
        return redirect("cases:new_step", gap)
    council, case_type = wizard.council(), wizard.case_type()
    raised_by, about = wizard.raised_by(), wizard.about()
    if not (council and case_type and raised_by and about):
        return redirect("cases:new")
    if "key" not in wizard.data:
        wizard.data["key"] = uuid.uuid4().hex
        wizard.save()
    form = CheckAnswersForm(
        request.POST if request.method == "POST" else None,
        initial={"idempotency_key": wizard.data["key"]},
    )
    error = None
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        try:
            case = services.open_case(
                council=council,
                case_type=case_type.value,
                raised_by=raised_by,
                about=about,
                channel=wizard.channel(),
                received_at=wizard.received_at() or timezone.now(),
                summary=wizard.data["summary"],
                actor=request.user,
                idempotency_key=key,
                service=wizard.service(),
            )
        except PermissionRefused as exc:
            return _refused(request, str(exc))
        except (ActionNotAllowed, ValidationError) as exc:
            error = _message(exc)
        else:
            done[key] = case.reference
            request.session[DONE_KEY] = dict(list(done.items())[-10:])
            request.session[WIZARD_KEY] = {}
            return redirect("cases:opened", case.reference)
    return render(
        request,
        "cases/new/check.html",
        {
            "form": form,
            "error": error,
            "council": council,
            "case_type": case_type,
            "raised_by": raised_by,
            "about": about,
            "asks_service": wizard.asks_service(),
            "service": wizard.service(),
            "channel": Channel(wizard.channel()),
            "received_at": wizard.received_at(),
            "summary": wizard.data["summary"],
            "logging": wizard.logging,
            "steps": wizard.applicable_steps(),
            "back_url": reverse("cases:new_step", args=["summary"]),
        },
    )


@login_required
def case_opened(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_for(request.user, reference)
    return render(request, "cases/new/opened.html", {"case": case, "stage": _stage_label(case)})


# == detail ======================================================================================
def _stage_label(case: Case) -> str:
    if not case.is_open:
        return case.get_state_display()
    try:
        return case.current_step.label
    except Exception:  # noqa: BLE001 - a missing step must not break the page
        return case.get_state_display()


def _ladder(case: Case) -> list[dict[str, Any]]:
    rungs = []
    for step in case.variant.ordered_steps():
        if step.position < case.step_position:
            status = "done"
        elif step.position == case.step_position:
            status = "current" if case.is_open else "done"
        else:
            status = "next" if case.is_open else "not_reached"
        rungs.append({"step": step, "status": status})
    return rungs


def _events(case: Case, access: selectors.Access | None) -> list[Any]:
    """The timeline, with states named in the council's words."""
    labels = {step.state: step.label for step in case.variant.ordered_steps()}
    labels |= {CaseState.RESOLVED.value: "Resolved", CaseState.WITHDRAWN.value: "Withdrawn"}
    events = selectors.visible_events(case, access)
    for event in events:
        changed = event.to_state and event.to_state != event.from_state
        event.from_label = labels.get(event.from_state, event.from_state) if changed else ""  # type: ignore[attr-defined]
        event.to_label = labels.get(event.to_state, event.to_state) if changed else ""  # type: ignore[attr-defined]
    return events


# A long-running case can gather hundreds of events; the page shows the newest by default.
TIMELINE_LENGTH = 50


def _timeline(request: HttpRequest, events: list[Any]) -> dict[str, Any]:
    total = len(events)
    show_all = request.GET.get("timeline") == "all"
    shown = events if show_all or total <= TIMELINE_LENGTH else events[-TIMELINE_LENGTH:]
    return {"events": shown, "timeline_total": total, "timeline_hidden": total - len(shown)}


def _clocks_template() -> str | None:
    try:
        get_template("clocks/includes/case_clocks.html")
    except TemplateDoesNotExist:
        return None
    return "clocks/includes/case_clocks.html"


def _may_write_internal(user: Any, case: Case, admin_ids: set[int] | None = None) -> bool:
    return permissions.can(user, permissions.Action.ADD_INTERNAL_NOTE, case, admin_ids=admin_ids)


def _may_add_note(user: Any, case: Case, admin_ids: set[int] | None = None) -> bool:
    return permissions.can(user, permissions.Action.ADD_SHARED_NOTE, case, admin_ids=admin_ids)


def _note_form(
    request: HttpRequest,
    case: Case,
    data: Any = None,
    files: Any = None,
    *,
    admin_ids: set[int] | None = None,
) -> NoteForm:
    return NoteForm(
        data,
        files,
        may_write_internal=_may_write_internal(request.user, case, admin_ids),
        check_wording=bool(
            case.variant.informal_wording_check and case.state == CaseState.INFORMAL
        ),
    )


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    admin_ids = administered_council_ids(request.user)  # asked once, used by every check
    access = selectors.case_access(request.user, case, admin_ids=admin_ids)
    notes = selectors.visible_notes(request.user, case, access=access)
    context: dict[str, Any] = {
        "case": case,
        "acting_for": _acting_for(request.user, case),
        "stage": _stage_label(case),
        # Parties are not told why a handler was chosen: it can name a declared relationship.
        "handler_reason": selectors.public_handler_reason(case, access),
        "panel": case.panel() if case.is_open else [],
        "ladder": _ladder(case),
        "deadlines": list(case.deadlines.all()),
        "clocks_template": _clocks_template(),
        **_timeline(request, _events(case, access)),
        "notes": list(notes),
        "transitions": [
            {**t, "button": ACTIONS[t["name"]][1] if t["name"] in ACTIONS else t["label"]}
            for t in services.available_transitions(
                case=case, user=request.user, admin_ids=admin_ids
            )
        ],
        "note_form": (
            _note_form(request, case, admin_ids=admin_ids)
            if _may_add_note(request.user, case, admin_ids)
            else None
        ),
        "can_assign_handler": services.can_assign_handler(
            case=case, user=request.user, admin_ids=admin_ids
        ),
        # West Lavington 4.1-4.2 (a parish protocol drawn from the national model): offered on
        # a parish's cases, or wherever a conciliator is already recorded.
        "can_reform_panel": services.can_reform_panel(
            case=case, user=request.user, admin_ids=admin_ids
        ),
        "can_record_conciliator": (case.council.is_parish or bool(case.conciliator))
        and services.can_record_conciliator(case=case, user=request.user, admin_ids=admin_ids),
        "may_correct_summary": services.may_correct_summary(request.user, case),
        # Issue #24: the emails about the case, for those with full access (not the parties).
        **_emails(request.user, case, access, admin_ids),
        "access": access,
        "may_bring_in": bool(
            case.is_open
            and case.current_step.participant_roles
            and permissions.can(
                request.user, permissions.Action.BRING_IN, case, admin_ids=admin_ids
            )
        ),
    }
    # Asked only of someone who can do nothing here: no extra query for those who act.
    context["kept_informed_only"] = (
        not context["transitions"]
        and context["note_form"] is None
        and selectors.only_kept_informed(request.user, case)
    )
    return context


def _emails(user: Any, case: Case, access: Any, admin_ids: set[int]) -> dict[str, Any]:
    if access != selectors.Access.FULL:
        return {"show_emails": False}
    return {
        "show_emails": True,
        "emails": work_selectors.email_thread(case),
        "may_reply": case.is_open
        and permissions.can(user, permissions.Action.RESPOND, case, admin_ids=admin_ids),
    }


def _acting_for(user: Any, case: Case) -> str:
    """A borrowed Monitoring Officer (Braintree's MO for Halstead, Wiltshire's for West
    Lavington) is told, on the case, which council they are acting for (issue #24)."""
    person = person_for(user)
    if person is None or person.council_id == case.council_id:
        return ""
    if case.council.monitoring_officer_council_id != person.council_id:
        return ""
    return case.council.name


def _load_case(request: HttpRequest, reference: str) -> Case:
    # The selector is the one place deciding visibility: a case out of scope is a 404.
    return selectors.case_for(request.user, reference)


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _load_case(request, reference)
    response = render(request, "cases/detail.html", _detail_context(request, case))
    # After rendering, so the page still marks what changed; from now on it is "seen".
    mark_seen(user=request.user, case=case)
    return response


# == actions =====================================================================================
ACTIONS: dict[str, tuple[Callable[..., Any], str, str]] = {
    # action: (service, button text, message on success)
    "escalate": (services.escalate_case, "Escalate", "Case escalated to {stage}"),
    "acknowledge": (services.acknowledge_case, "Acknowledge", "Case acknowledged"),
    "respond": (services.respond_to_case, "Respond", "Response recorded"),
    "resolve": (services.resolve_case, "Resolve", "Case resolved"),
    "withdraw": (services.withdraw_case, "Withdraw", "Case withdrawn"),
    "reopen": (services.reopen_case, "Reopen", "Case reopened at {stage}"),
}


def _pending_acknowledgement(case: Case) -> Any:
    from clocks.models import AcknowledgementDraft, DraftStatus

    return AcknowledgementDraft.objects.filter(case=case, status=DraftStatus.DRAFT).first()


def _checks_wording(case: Case, action: str) -> bool:
    """Maldon 1.2 ("great care should be taken to use constructive language"): a response is
    checked like a note wherever the variant asks for the check, at every rung."""
    return action == "respond" and bool(case.variant.informal_wording_check)


def _readers(case: Case) -> list[Person]:
    """Who reads a response: it is a shared note, so both parties."""
    return [p for p in (case.raised_by, case.about) if p is not None]


def _open_clock(case: Case, kind: str) -> Any:
    return _open_deadlines().filter(case=case, kind=kind).order_by("due_at").first()


def what_happens_next(case: Case) -> str:
    """After an action: who has the case now and when its running clocks fall due; when none
    runs, that too, so nobody is left guessing."""
    if not case.is_open:
        return (
            "The case is closed: its clocks have stopped. The clerk or the Monitoring Officer "
            "can reopen it."
        )
    who = (
        f"{case.handler.name} handles it now at {_stage_label(case)}"
        if case.handler
        else f"Nobody handles it yet at {_stage_label(case)}: the clerk will assign someone"
    )
    clocks = [
        f"the {d.kind_in_sentence} is due by {timezone.localtime(d.due_at):%A %-d %B %Y}"
        for d in _open_deadlines().filter(case=case).order_by("due_at")
    ]
    if clocks:
        return f"{who}; {', and '.join(clocks)}."
    return f"{who}. No clock runs at this stage."


def _message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or "You cannot do that now."


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "cases/refused.html", {"message": message}, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action")
    case = _load_case(request, reference)
    service, button, success = ACTIONS[action]
    draft = _pending_acknowledgement(case) if action == "acknowledge" else None
    if draft is not None and request.method == "GET":
        # One way to acknowledge: where an email is drafted, acknowledging is sending it.
        return redirect("clocks:acknowledgement", draft.pk)
    available = {t["name"]: t for t in services.available_transitions(case=case, user=request.user)}
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        action=action,
        initial={"expected_state": case.state},
        check_wording=_checks_wording(case, action),
    )
    error = None
    confirming = (
        request.method == "POST"
        and action in CONFIRMED_ACTIONS
        and request.POST.get("confirmed") != "yes"
    )
    if request.method == "POST" and form.is_valid() and confirming:
        return _confirmation_page(request, case, action, button, form)
    if request.method == "POST" and form.is_valid():
        error, done = _perform(request, case, action, service, form)
        if done is not None:
            return done
        if error is None and not form.errors:
            case = _load_case(request, reference)
            messages.success(
                request, f"{success.format(stage=_stage_label(case))}. {what_happens_next(case)}"
            )
            return redirect("cases:detail", case.reference)
    return render(
        request,
        "cases/action.html",
        {
            **_action_page_context(case, action, button, form),
            "error": error,
            "transition": available.get(action),
        },
        status=409 if error else 200,
    )


def _perform(
    request: HttpRequest, case: Case, action: str, service: Callable[..., Any], form: ActionForm
) -> tuple[str | None, HttpResponse | None]:
    """Run the action's service: (an error for the page, or a response that ends the request)."""
    try:
        if form.cleaned_data["expected_state"] != case.state:
            raise StaleObject(STALE_MESSAGE)
        kwargs = form.service_kwargs()
        if action == "escalate":
            kwargs["expected_state"] = form.cleaned_data["expected_state"]
        service(case=case, actor=request.user, **kwargs)
    except StaleObject:
        return STALE_MESSAGE, None
    except PermissionRefused as exc:
        return None, _refused(request, str(exc))
    except ActionNotAllowed as exc:
        return _message(exc), None
    except ValidationError as exc:
        if form.text_field and hasattr(exc, "error_dict") and form.text_field in exc.error_dict:
            form.add_error(form.text_field, exc.error_dict[form.text_field])
            return None, None
        return _message(exc), None
    return None, None


def _confirmation_page(
    request: HttpRequest, case: Case, action: str, button: str, form: ActionForm
) -> HttpResponse:
    """The text back, once more, before anything irreversible or sent happens."""
    return render(
        request,
        "cases/action_confirm.html",
        {
            "case": case,
            "stage": _stage_label(case),
            "action": action,
            "button": button,
            "form": form,
            "text": form.cleaned_data.get(form.text_field or "", ""),
            "readers": _readers(case),
            "response_clock": _open_clock(case, ClockKind.RESPONSE),
        },
    )


def _action_page_context(case: Case, action: str, button: str, form: ActionForm) -> dict:
    restart, kept_stopped = services.clocks_on_reopen(case) if action == "reopen" else ([], [])
    return {
        "case": case,
        "stage": _stage_label(case),
        "action": action,
        "button": button,
        "form": form,
        "text_field": form[form.text_field] if form.text_field else None,
        "next_step": case.next_step() if action == "escalate" and case.is_open else None,
        "has_field": action in ACTION_FIELDS,
        "readers": _readers(case),
        "response_clock": _open_clock(case, ClockKind.RESPONSE),
        "clocks_restart": restart,
        "clocks_kept_stopped": kept_stopped,
        "confirm_wording": (form["confirm_wording"] if "confirm_wording" in form.fields else None),
    }


# == the raiser corrects their summary ============================================================
@login_required
@require_http_methods(["GET", "POST"])
def correct_summary(request: HttpRequest, reference: str) -> HttpResponse:
    case = _load_case(request, reference)
    if not services.may_correct_summary(request.user, case):
        return _refused(
            request,
            "Only the person who raised the case can correct its summary, and only until it is "
            "acknowledged.",
        )
    form = CorrectSummaryForm(
        request.POST if request.method == "POST" else None, initial={"summary": case.summary}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_summary(
                case=case, actor=request.user, summary=form.cleaned_data["summary"]
            )
        except PermissionRefused as exc:
            return _refused(request, str(exc))
        except ValidationError as exc:
            form.add_error("summary", _message(exc))
        else:
            messages.success(
                request,
                "Summary corrected. The earlier wording stays in the case's history. "
                + what_happens_next(_load_case(request, reference)),
            )
            return redirect("cases:detail", case.reference)
    return render(
        request,
        "cases/correct_summary.html",
        {"case": case, "form": form},
        status=400 if form.errors else 200,
    )


# == assigning a handler by hand ================================================================
def _closed_message(case: Case) -> str:
    return f"{case.reference} is {case.get_state_display().lower()}: its handler cannot be changed."


def _assign_from_form(
    request: HttpRequest, case: Case, form: AssignHandlerForm
) -> HttpResponse | str | None:
    """Ask the service; a response when done (or refused), else the error for the summary."""
    person = form.cleaned_data["person"]
    try:
        services.assign_handler(
            case=case, actor=request.user, person=person, reason=form.cleaned_data["reason"]
        )
    except PermissionRefused as exc:
        return _refused(request, str(exc))
    except (ActionNotAllowed, StaleObject) as exc:
        return _message(exc)
    except ValidationError as exc:
        fields = getattr(exc, "error_dict", {})
        for name, errors in fields.items():
            form.add_error(name if name in form.fields else None, errors)
        return None if fields else _message(exc)
    messages.success(request, f"Handler changed to {person.name}")
    return redirect("cases:detail", case.reference)


def _candidates_hint(case: Case) -> str:
    council = case.council
    lender = council.monitoring_officer_council
    lent = f" and of {lender.name} (which lends its Monitoring Officer)" if lender else ""
    return f"Officers of {council.name}{lent}, and councillors holding a role at {council.name}."


@login_required
@require_http_methods(["GET", "POST"])
def assign_handler(request: HttpRequest, reference: str) -> HttpResponse:
    case = _load_case(request, reference)
    s = permissions.standing(request.user, case)
    if not permissions.allowed(s, permissions.Action.ASSIGN):
        return _refused(request, permissions.refusal(s, permissions.Action.ASSIGN, case))
    posted = request.method == "POST"
    form = AssignHandlerForm(
        request.POST if posted and case.is_open else None,
        case=case,
        people=selectors.handler_candidates(case),
    )
    error = None
    if posted and not case.is_open:
        error = _closed_message(case)
    elif posted and form.is_valid():
        outcome = _assign_from_form(request, case, form)
        if isinstance(outcome, HttpResponse):
            return outcome
        error = outcome
    return render(
        request,
        "cases/assign_handler.html",
        {
            "case": case,
            "stage": _stage_label(case),
            "form": form,
            "error": error,
            "closed_message": None if case.is_open else _closed_message(case),
            "person_hint": _candidates_hint(case),
            "handler_reason": selectors.public_handler_reason(
                case, selectors.case_access(request.user, case)
            ),
        },
        status=409 if error else 200,
    )


# == conciliation by a third party (West Lavington 4.1) ==========================================
@login_required
@require_http_methods(["GET", "POST"])
def record_conciliator(request: HttpRequest, reference: str) -> HttpResponse:
    case = _load_case(request, reference)
    s = permissions.standing(request.user, case)
    if not permissions.allowed(s, permissions.Action.RECORD_CONCILIATOR):
        return _refused(
            request, permissions.refusal(s, permissions.Action.RECORD_CONCILIATOR, case)
        )
    posted = request.method == "POST"
    form = ConciliatorForm(
        request.POST if posted else None, initial={"conciliator": case.conciliator}
    )
    error = None
    if posted and form.is_valid():
        try:
            services.record_conciliator(
                case=case, actor=request.user, conciliator=form.cleaned_data["conciliator"]
            )
        except PermissionRefused as exc:
            return _refused(request, str(exc))
        except ActionNotAllowed as exc:
            error = _message(exc)
        except ValidationError as exc:
            fields = getattr(exc, "error_dict", {})
            for name, errors in fields.items():
                form.add_error(name if name in form.fields else None, errors)
            if not fields:
                error = _message(exc)
        else:
            messages.success(request, f"Conciliator recorded: {form.cleaned_data['conciliator']}")
            return redirect("cases:detail", case.reference)
    return render(
        request,
        "cases/conciliator.html",
        {"case": case, "stage": _stage_label(case), "form": form, "error": error},
        status=409 if error else 200,
    )


# == re-forming a committee panel (Maldon 5.1, West Lavington 4.2) ==============================
@login_required
@require_http_methods(["GET", "POST"])
def reform_panel(request: HttpRequest, reference: str) -> HttpResponse:
    case = _load_case(request, reference)
    if not services.can_reform_panel(case=case, user=request.user):
        s = permissions.standing(request.user, case)
        if not permissions.allowed(s, permissions.Action.ASSIGN):
            return _refused(request, permissions.refusal(s, permissions.Action.ASSIGN, case))
        return _refused(
            request, f"{case.reference} is not at a stage a committee handles as a panel."
        )
    posted = request.method == "POST"
    form = ReformPanelForm(request.POST if posted else None)
    error = None
    if posted and form.is_valid():
        try:
            services.reform_panel(case=case, actor=request.user, reason=form.cleaned_data["reason"])
        except PermissionRefused as exc:
            return _refused(request, str(exc))
        except (ActionNotAllowed, StaleObject) as exc:
            error = _message(exc)
        except ValidationError as exc:
            error = _message(exc)
        else:
            messages.success(request, "Panel re-formed")
            return redirect("cases:detail", case.reference)
    return render(
        request,
        "cases/reform_panel.html",
        {
            "case": case,
            "stage": _stage_label(case),
            "form": form,
            "error": error,
            "panel": case.panel(),
            "handler_reason": case.handler_reason,
        },
        status=409 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reroute(request: HttpRequest, reference: str) -> HttpResponse:
    """Issue #20: a clerk or the MO routes an open case again by the rules (audited), naming
    its service when it had none. Cases nobody re-routes keep their handler."""
    case = _load_case(request, reference)
    s = permissions.standing(request.user, case)
    if not permissions.allowed(s, permissions.Action.ASSIGN):
        return _refused(request, permissions.refusal(s, permissions.Action.ASSIGN, case))
    posted = request.method == "POST"
    form = RerouteForm(
        request.POST if posted and case.is_open else None,
        services=case.council.services.order_by("name"),
    )
    error = None
    if posted and not case.is_open:
        error = _closed_message(case)
    elif posted and form.is_valid():
        try:
            services.reroute_case(
                case=case,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                service=form.cleaned_data["service"],
            )
        except PermissionRefused as exc:
            return _refused(request, str(exc))
        except (ActionNotAllowed, StaleObject, ValidationError) as exc:
            error = _message(exc)
        else:
            case.refresh_from_db()
            who = case.handler.name if case.handler else "nobody"
            messages.success(request, f"Routed again by the rules: now handled by {who}")
            return redirect("cases:detail", case.reference)
    return render(
        request,
        "cases/reroute.html",
        {
            "case": case,
            "stage": _stage_label(case),
            "form": form,
            "error": error,
            "closed_message": None if case.is_open else _closed_message(case),
            "handler_reason": selectors.public_handler_reason(
                case, selectors.case_access(request.user, case)
            ),
        },
        status=409 if error else 200,
    )


# == reassigning several cases at once (issue #24) ==============================================
@login_required
@require_http_methods(["POST"])
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """A clerk or MO picks cases in the list, then one handler and one reason. Each case goes
    through `services.assign_handler` in its own transaction, as if reassigned one by one:
    a refusal (a party, a declared relationship, a closed case) stops that case only, and the
    page says which and why."""
    if not may_bulk_assign(request.user):
        return _refused(request, "Only a clerk or a Monitoring Officer can reassign cases.")
    references = list(dict.fromkeys(r for r in request.POST.getlist("case") if r))
    back = request.POST.get("back", "")
    list_url = reverse("cases:list") + (f"?{back}" if back else "")
    if not references:
        messages.error(request, "Select the cases to reassign")
        return redirect(list_url)
    if len(references) > BulkAssignForm.MAX_CASES:
        messages.error(request, f"Select {BulkAssignForm.MAX_CASES} cases or fewer at a time")
        return redirect(list_url)
    cases = list(
        selectors.visible_cases_for(request.user)
        .filter(reference__in=references)
        .select_related("council", "handler", "raised_by", "about")
        .order_by("reference")
    )
    missing = sorted(set(references) - {c.reference for c in cases})
    form = BulkAssignForm(
        request.POST if "confirm" in request.POST else None,
        people=selectors.bulk_handler_candidates(cases),
    )
    if "confirm" in request.POST and form.is_valid() and cases:
        person, reason = form.cleaned_data["person"], form.cleaned_data["reason"]
        outcomes = [_assign_one(request, case, person, reason) for case in cases]
        done = [o for o in outcomes if o["done"]]
        refused = [o for o in outcomes if not o["done"]] + [
            {"reference": r, "done": False, "message": "No such case, or you cannot see it."}
            for r in missing
        ]
        return render(
            request,
            "cases/bulk_assign_done.html",
            {
                "person": person,
                "done": done,
                "refused": refused,
                "list_url": list_url,
            },
            status=200,
        )
    return render(
        request,
        "cases/bulk_assign.html",
        {"cases": cases, "missing": missing, "form": form, "back": back, "list_url": list_url},
        status=400 if form.is_bound and form.errors else 200,
    )


def _assign_one(request: HttpRequest, case: Case, person: Person, reason: str) -> dict[str, Any]:
    """One case through the same service as the one-by-one page; the outcome for the summary."""
    try:
        services.assign_handler(case=case, actor=request.user, person=person, reason=reason)
    except (PermissionRefused, ActionNotAllowed, StaleObject, ValidationError) as exc:
        return {"reference": case.reference, "done": False, "message": _message(exc)}
    return {"reference": case.reference, "done": True, "message": ""}


# == notes and attachments =======================================================================
@login_required
@require_http_methods(["GET", "POST"])
def add_note(request: HttpRequest, reference: str) -> HttpResponse:
    case = _load_case(request, reference)
    if request.method == "POST":
        form = _note_form(request, case, request.POST, request.FILES)
        if form.is_valid():
            visibility = form.cleaned_data["visibility"]
            try:
                services.add_note(
                    case=case,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    visibility=visibility,
                    files=form.cleaned_data["attachments"],
                )
            except PermissionRefused as exc:
                return _refused(request, str(exc))
            except (ActionNotAllowed, StaleObject) as exc:
                form.add_error(None, _message(exc))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        name = "attachments" if field == "files" else field
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                shared = visibility == NoteVisibility.SHARED
                messages.success(
                    request, "Note added and shared with the parties" if shared else "Note added"
                )
                return redirect(reverse("cases:detail", args=[case.reference]) + "#notes")
    else:
        form = _note_form(request, case)
    return render(
        request,
        "cases/note.html",
        {"case": case, "stage": _stage_label(case), "form": form},
        status=200 if request.method == "GET" or not form.errors else 400,
    )


@login_required
def attachment_download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    case = selectors.case_for(request.user, reference)
    notes = selectors.visible_notes(request.user, case)
    attachment = get_object_or_404(Attachment, pk=pk, note__in=notes)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def bring_in(request: HttpRequest, reference: str) -> HttpResponse:
    """Maldon 2.1: bring in the Leader of the Council / Opposition Leader to help, where the
    step allows it; they then read the case and are emailed a link to it."""
    case = _load_case(request, reference)
    s = permissions.standing(request.user, case)
    if not permissions.allowed(s, permissions.Action.BRING_IN):
        return _refused(request, permissions.refusal(s, permissions.Action.BRING_IN, case))
    candidates = services.participant_candidates(case) if case.is_open else []
    choices = {str(p.pk): (p, role) for p, role in candidates}
    error = None
    if not case.is_open:
        error = _closed_message(case)
    elif request.method == "POST":
        chosen = choices.get(request.POST.get("person", ""))
        if chosen is None:
            error = "Select who to bring in"
        else:
            try:
                services.bring_in_participant(case=case, actor=request.user, person=chosen[0])
            except PermissionRefused as exc:
                return _refused(request, str(exc))
            except (ActionNotAllowed, StaleObject, ValidationError) as exc:
                error = _message(exc)
            else:
                messages.success(request, f"{chosen[0].name} can now read {case.reference}")
                return redirect("cases:detail", case.reference)
    return render(
        request,
        "cases/bring_in.html",
        {
            "case": case,
            "stage": _stage_label(case),
            "candidates": [
                {
                    "id": p.pk,
                    "name": p.name,
                    "role": Role(role).label if role in Role.values else role,
                }
                for p, role in candidates
            ],
            "error": error,
        },
        status=400 if error and case.is_open else (409 if error else 200),
    )
