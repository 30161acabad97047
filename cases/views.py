"""Web journeys for cases. Views read through selectors and change things only through services."""

from __future__ import annotations

import base64
import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from contacts.models import Council, Person, Role
from contacts.selectors import (
    UserGroup,
    administered_council_ids,
    person_for,
    served_councils,
)
from protocol_site.errors import ActionNotAllowed, PermissionRefused, StaleObject

from . import permissions, selectors, services
from .forms import (
    ACTION_FIELDS,
    AboutForm,
    ActionForm,
    AssignHandlerForm,
    CaseTypeForm,
    CheckAnswersForm,
    CouncilForm,
    NoteForm,
    RaisedByForm,
    ReceivedForm,
    SummaryForm,
)
from .models import (
    Attachment,
    Case,
    CaseState,
    CaseType,
    Channel,
    ClockKind,
    NoteVisibility,
    ProtocolVariant,
    VariantStatus,
    VariantStep,
)

PAGE_SIZE = 25
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
def _encode_cursor(case: Case) -> str:
    raw = f"{case.received_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(value: str) -> tuple[datetime.datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        moment, pk = raw.split("|")
        return datetime.datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def _keyset_page(
    queryset: QuerySet[Case], *, after: str | None, before: str | None
) -> tuple[list[Case], str | None, str | None]:
    """One page in (-received_at, -pk) order without COUNTing the table.

    Returns the rows and the cursors for the next and previous pages (None when there is none).
    """
    if before and (cursor := _decode_cursor(before)):
        at, pk = cursor
        rows = list(
            # received_at__gte is redundant but indexable: it starts the index walk at the cursor.
            queryset.filter(received_at__gte=at)
            .filter(Q(received_at__gt=at) | Q(received_at=at, pk__gt=pk))
            .order_by("received_at", "pk")[: PAGE_SIZE + 1]
        )
        has_previous = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        return (
            rows,
            _encode_cursor(rows[-1]) if rows else None,
            _encode_cursor(rows[0]) if rows and has_previous else None,
        )
    ordered = queryset.order_by("-received_at", "-pk")
    if after and (cursor := _decode_cursor(after)):
        at, pk = cursor
        ordered = ordered.filter(received_at__lte=at).filter(
            Q(received_at__lt=at) | Q(received_at=at, pk__lt=pk)
        )
    rows = list(ordered[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return (
        rows,
        _encode_cursor(rows[-1]) if rows and has_next else None,
        _encode_cursor(rows[0]) if rows and after else None,
    )


def _queue_filter(user: Any) -> Q:
    """The MO's queue: their councils' cases at the MO / Standards rungs, or handled by them."""
    person = person_for(user)
    if person is None:
        return Q(pk__in=[])
    # A subquery, not a list: one statement fewer per page (issue #10 query budget).
    return Q(council_id__in=served_councils(person), state__in=QUEUE_STATES) | Q(handler=person)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    person = person_for(request.user)
    councils = list(_listable_councils(request.user))
    council = next((c for c in councils if c.slug == params.get("council")), None)
    state = params.get("state") if params.get("state") in CaseState.values else None
    case_type = params.get("case_type") if params.get("case_type") in CaseType.values else None
    overdue = params.get("overdue") == "1"
    mine = params.get("assigned") == "me" and person is not None
    search = (params.get("q") or "").strip()[:200] or None
    queue = params.get("queue") == "mine"

    queryset = selectors.case_list(
        request.user,
        council=council,
        state=state,
        case_type=case_type,
        overdue=True if overdue else None,
        handler=person if mine else None,
        search=search,
    )
    if queue:
        queryset = queryset.filter(_queue_filter(request.user))
    next_due = _open_deadlines().filter(case=OuterRef("pk")).order_by("due_at")
    queryset = queryset.annotate(
        next_due_kind=Subquery(next_due.values("kind")[:1]),
        # The rung in the council's words, in the same statement (issue #10 query budget).
        step_label=Subquery(
            VariantStep.objects.filter(
                variant_id=OuterRef("variant_id"), state=OuterRef("state")
            ).values("label")[:1]
        ),
    )
    rows, next_cursor, previous_cursor = _keyset_page(
        queryset, after=params.get("after"), before=params.get("before")
    )
    kinds = dict(ClockKind.choices)
    for case in rows:
        case.next_due_label = kinds.get(case.next_due_kind, case.next_due_kind or "")  # type: ignore[attr-defined]
        case.stage_label = case.step_label or case.get_state_display()  # type: ignore[attr-defined]
    kept: dict[str, str] = {
        k: v for k, v in params.items() if k not in ("after", "before") and isinstance(v, str) and v
    }
    return render(
        request,
        "cases/list.html",
        {
            "cases": rows,
            "councils": councils,
            "states": CaseState.choices,
            "case_types": CaseType.choices,
            "selected": {
                "council": council.slug if council else "",
                "state": state or "",
                "case_type": case_type or "",
                "overdue": overdue,
                "assigned": mine,
                "q": search or "",
            },
            "queue": queue,
            "has_person": person is not None,
            "filtered": bool(council or state or case_type or overdue or mine or search),
            "next_url": f"?{urlencode({**kept, 'after': next_cursor})}" if next_cursor else None,
            "previous_url": (
                f"?{urlencode({**kept, 'before': previous_cursor})}" if previous_cursor else None
            ),
            # Anyone linked to a councillor or officer can raise a case of their own.
            "may_open": person is not None or request.user.is_superuser,
        },
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


def _listable_councils(user: Any) -> QuerySet[Council]:
    from contacts.selectors import visible_councils_for

    return visible_councils_for(user).only("pk", "slug", "name").order_by("name")


# == open a case: a session-stored wizard ========================================================
WIZARD_KEY = "case_wizard"
DONE_KEY = "case_wizard_done"


def _logs_for_others(user: Any) -> bool:
    """Clerks, case administrators and MOs log cases raised by others (in person, email ...)."""
    if user.is_superuser:
        return True
    names = set(user.groups.values_list("name", flat=True))
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

    STEPS = ("council", "case-type", "raised-by", "about", "received", "summary")

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
        "stage": _stage_label(case),
        # Parties are not told why a handler was chosen: it can name a declared relationship.
        "handler_reason": selectors.public_handler_reason(case, access),
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


def _load_case(request: HttpRequest, reference: str) -> Case:
    # The selector is the one place deciding visibility: a case out of scope is a 404.
    return selectors.case_for(request.user, reference)


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _load_case(request, reference)
    return render(request, "cases/detail.html", _detail_context(request, case))


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
    available = {t["name"]: t for t in services.available_transitions(case=case, user=request.user)}
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        action=action,
        initial={"expected_state": case.state},
    )
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["expected_state"] != case.state:
                raise StaleObject(STALE_MESSAGE)
            kwargs = form.service_kwargs()
            if action == "escalate":
                kwargs["expected_state"] = form.cleaned_data["expected_state"]
            service(case=case, actor=request.user, **kwargs)
        except StaleObject:
            error = STALE_MESSAGE
        except PermissionRefused as exc:
            return _refused(request, str(exc))
        except ActionNotAllowed as exc:
            error = _message(exc)
        except ValidationError as exc:
            if form.text_field and hasattr(exc, "error_dict") and form.text_field in exc.error_dict:
                form.add_error(form.text_field, exc.error_dict[form.text_field])
            else:
                error = _message(exc)
        else:
            case = _load_case(request, reference)
            messages.success(request, success.format(stage=_stage_label(case)))
            return redirect("cases:detail", case.reference)
    transition = available.get(action)
    return render(
        request,
        "cases/action.html",
        {
            "case": case,
            "stage": _stage_label(case),
            "action": action,
            "button": button,
            "form": form,
            "text_field": form[form.text_field] if form.text_field else None,
            "error": error,
            "transition": transition,
            "next_step": case.next_step() if action == "escalate" and case.is_open else None,
            "has_field": action in ACTION_FIELDS,
        },
        status=409 if error else 200,
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
