"""Register pages: add, list (filters, search, pagination), detail, CSV export, actions.

Every list, detail and export starts from the register's one selector in `registers.selectors`;
anything else is a 404. Changes go through `registers.services`.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from contacts.models import Council, Person, Role
from protocol_site.errors import ActionNotAllowed, PermissionRefused

from . import forms as register_forms
from . import selectors, services
from .models import (
    AdviceState,
    ApproachKind,
    ApproachState,
    Briefing,
    BriefingOffer,
    HelpDecision,
    Register,
    SharingConsent,
    WardNotification,
    WardNotificationKind,
)

PAGE_SIZE = 25
WITHHELD = "Withheld: no consent (Lancaster 10.3)"


# == Helpers ====================================================================================


def _date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    return value.strftime("%d %b %Y")


def _data(request: HttpRequest) -> Any:
    """Bind a form only on POST, even an empty one (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _run(
    request: HttpRequest, form: forms.Form | None, action: Callable[[], Any], success: str
) -> bool:
    """Call a service; on refusal put the reason where the user will read it."""
    try:
        action()
    except ValidationError as error:
        if form is not None:
            _apply_errors(form, error)
        else:
            messages.error(request, " ".join(error.messages))
        return False
    except (ActionNotAllowed, PermissionRefused) as error:
        if form is not None:
            form.add_error(None, str(error))
        else:
            messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


@dataclass
class Column:
    header: str
    value: Callable[[Any, HttpRequest], Any]
    link: bool = False


@dataclass
class Filter:
    name: str
    label: str
    choices: list[tuple[str, str]]
    lookup: Callable[[str], Q]


@dataclass
class RegisterSpec:
    key: str  # URL slug and namespace prefix
    register: str
    title: str
    intro: str
    selector: Callable[[Any], QuerySet[Any]]
    columns: list[Column]
    csv_columns: list[Column]
    search: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    add_label: str = ""
    may_add: Callable[[selectors.Viewer], bool] = lambda viewer: viewer.person is not None
    date_field: str = ""
    extra_links: list[tuple[str, str]] = field(default_factory=list)


def _filtered(spec: RegisterSpec, request: HttpRequest) -> tuple[QuerySet[Any], dict[str, str]]:
    qs = spec.selector(request.user)
    chosen: dict[str, str] = {}
    query = request.GET.get("q", "").strip()
    if query and spec.search:
        condition = Q()
        for name in spec.search:
            condition |= Q(**{f"{name}__icontains": query})
        qs = qs.filter(condition)
        chosen["q"] = query
    for flt in spec.filters:
        value = request.GET.get(flt.name, "")
        if value and value in dict(flt.choices):
            qs = qs.filter(flt.lookup(value))
            chosen[flt.name] = value
    if spec.date_field:
        for param, lookup in (("from", "gte"), ("to", "lte")):
            raw = request.GET.get(param, "")
            try:
                day = datetime.date.fromisoformat(raw) if raw else None
            except ValueError:
                day = None
            if day is not None:
                # A date-time field is compared by its date in Europe/London.
                on_date = "date__" if spec.date_field.endswith("_at") else ""
                qs = qs.filter(**{f"{spec.date_field}__{on_date}{lookup}": day})
                chosen[param] = raw
    return qs, chosen


def register_list(request: HttpRequest, spec: RegisterSpec) -> HttpResponse:
    qs, chosen = _filtered(spec, request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        [
            (
                column.value(obj, request),
                reverse(f"registers:{spec.key}_detail", args=[obj.pk]) if column.link else None,
            )
            for column in spec.columns
        ]
        for obj in page.object_list
    ]
    viewer = selectors.viewer_for(request.user)
    return render(
        request,
        "registers/list.html",
        {
            "spec": spec,
            "rows": rows,
            "page_obj": page,
            "page_query": urlencode(chosen) + "&" if chosen else "",
            "chosen": chosen,
            "csv_query": urlencode(chosen),
            "may_add": spec.may_add(viewer),
            "add_url": reverse(f"registers:{spec.key}_add"),
            "csv_url": reverse(f"registers:{spec.key}_csv"),
            "total": page.paginator.count,
        },
    )


def register_csv(request: HttpRequest, spec: RegisterSpec) -> HttpResponse:
    qs, _ = _filtered(spec, request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{spec.key}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow([c.header for c in spec.csv_columns])
    for obj in qs.iterator(chunk_size=500):
        writer.writerow([_csv_safe(c.value(obj, request)) for c in spec.csv_columns])
    return response


def _csv_safe(value: Any) -> str:
    """Stop a spreadsheet reading a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _detail(spec_key: str, request: HttpRequest, pk: int) -> Any:
    spec = SPECS[spec_key]
    return get_object_or_404(spec.selector(request.user), pk=pk)


def _render_form(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    caption: str,
    button: str,
    back: str,
    intro: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "form.html",
        {
            "form": form,
            "title": title,
            "caption": caption,
            "button": button,
            "back": back,
            "intro": intro,
        },
        status=status,
    )


def _add_page(
    request: HttpRequest,
    form: forms.Form,
    spec_key: str,
    create: Callable[[], Model],
    *,
    success: str,
    title: str,
    caption: str,
    button: str,
    intro: str,
) -> HttpResponse:
    """A register's "add" page: on a valid POST call `create` (a service) and show the new
    entry; otherwise the form again, 400 with its errors."""
    if request.method == "POST" and form.is_valid():
        result: dict[str, Model] = {}
        if _run(request, form, lambda: result.setdefault("obj", create()), success):
            return redirect(f"registers:{spec_key}_detail", result["obj"].pk)
    return _render_form(
        request,
        form,
        title=title,
        caption=caption,
        button=button,
        back=reverse(f"registers:{spec_key}_list"),
        intro=intro,
        status=400 if form.errors else 200,
    )


def _events(register: str, pk: int) -> Any:
    return selectors.events_for(register, pk)


# == Register definitions =======================================================================


def _person(p: Person | None) -> str:
    return p.name if p is not None else ""


def _has_person(viewer: selectors.Viewer) -> bool:
    return viewer.person is not None


def _is_officer_or_admin(viewer: selectors.Viewer) -> bool:
    return viewer.is_officer or bool(viewer.administered_ids)


def _is_councillor_or_mo(viewer: selectors.Viewer) -> bool:
    return viewer.is_councillor or bool(viewer.mo_ids)


def _viewer(request: HttpRequest) -> selectors.Viewer:
    """The viewer, computed once per request however many rows ask."""
    cached = getattr(request, "_registers_viewer", None)
    if cached is None:
        cached = selectors.viewer_for(request.user)
        request._registers_viewer = cached  # type: ignore[attr-defined]
    return cached


def _identity(obj: WardNotification, request: HttpRequest, attr: str) -> str:
    if not (obj.resident_name or obj.resident_contact):
        return ""
    if selectors.resident_identity_visible(request.user, obj, viewer=_viewer(request)):
        return getattr(obj, attr)
    return WITHHELD


def _advice(obj: Briefing, request: HttpRequest) -> str:
    if selectors.briefing_advice_visible(request.user, obj, viewer=_viewer(request)):
        return obj.advice
    return "Not shared with your group"


def _offer_summary(obj: Briefing, request: HttpRequest) -> str:
    offers = list(obj.offers.all())
    if not offers:
        return "No other groups"
    counts: dict[str, int] = {}
    for offer in offers:
        counts[offer.get_status_display()] = counts.get(offer.get_status_display(), 0) + 1
    return ", ".join(f"{n} {label.lower()}" for label, n in sorted(counts.items()))


SPECS: dict[str, RegisterSpec] = {
    "relationships": RegisterSpec(
        key="relationships",
        register=Register.RELATIONSHIP,
        title="Personal relationships",
        intro="Declared personal relationships between members and officers (Maldon 5.1 and 6.2, "
        "Hounslow 10, Halstead 4.4). Confidential: only the declarer, the people it was declared "
        "to and the Monitoring Officer can see an entry.",
        selector=selectors.visible_relationships_for,
        columns=[
            Column("Declared by", lambda o, r: o.person.name, link=True),
            Column("Relationship with", lambda o, r: o.related_person.name),
            Column(
                "Declared to",
                lambda o, r: (
                    o.declared_to.name if o.declared_to else o.get_declared_to_role_display()
                ),
            ),
            Column("Declared", lambda o, r: _date(o.declared_on)),
            Column("Status", lambda o, r: "Ended" if o.ended_on else "Current"),
        ],
        csv_columns=[
            Column("id", lambda o, r: o.pk),
            Column("council", lambda o, r: o.council.slug),
            Column("declared_by", lambda o, r: o.person.name),
            Column("related_person", lambda o, r: o.related_person.name),
            Column("nature", lambda o, r: o.nature),
            Column("declared_to_role", lambda o, r: o.declared_to_role),
            Column("declared_to", lambda o, r: _person(o.declared_to)),
            Column("declared_on", lambda o, r: o.declared_on.isoformat()),
            Column("ended_on", lambda o, r: o.ended_on.isoformat() if o.ended_on else ""),
        ],
        search=["person__name", "related_person__name", "nature"],
        filters=[
            Filter(
                "status",
                "Status",
                [("current", "Current"), ("ended", "Ended")],
                lambda v: Q(ended_on__isnull=v == "current"),
            ),
        ],
        add_label="Declare a relationship",
        may_add=_has_person,
        date_field="declared_on",
    ),
    "briefings": RegisterSpec(
        key="briefings",
        register=Register.BRIEFING,
        title="Political group briefings",
        intro="Briefings and other services given to a political group, and the same offered to "
        "every other group (Maldon 7.1, Lancaster 3.1-3.4, Hounslow 5-7).",
        selector=lambda user: selectors.visible_briefings_for(user).prefetch_related("offers"),
        columns=[
            Column("Topic", lambda o, r: o.topic, link=True),
            Column("Group briefed", lambda o, r: o.group.name),
            Column("Officer", lambda o, r: o.officer.name),
            Column("Given", lambda o, r: _date(o.given_on)),
            Column("Offers to other groups", _offer_summary),
            Column("Shared", lambda o, r: "Yes" if o.information_shared_at else "No"),
        ],
        csv_columns=[
            Column("id", lambda o, r: o.pk),
            Column("council", lambda o, r: o.council.slug),
            Column("group", lambda o, r: o.group.name),
            Column("officer", lambda o, r: o.officer.name),
            Column("topic", lambda o, r: o.topic),
            Column("given_on", lambda o, r: o.given_on.isoformat()),
            Column("advice", _advice),
            Column("offers", _offer_summary),
            Column("written_request_received_on", lambda o, r: o.written_request_received_on or ""),
            Column(
                "information_shared_at",
                lambda o, r: o.information_shared_at.isoformat() if o.information_shared_at else "",
            ),
        ],
        search=["topic", "group__name", "officer__name", "decision_meeting"],
        filters=[
            Filter(
                "offers",
                "Offers",
                [("open", "Waiting for an answer"), ("answered", "All answered")],
                lambda v: (
                    Q(offers__status="offered")
                    if v == "open"
                    else ~Q(
                        pk__in=BriefingOffer.objects.filter(status="offered").values("briefing_id")
                    )
                ),
            ),
            Filter(
                "shared",
                "Shared with other groups",
                [("yes", "Shared"), ("no", "Not shared")],
                lambda v: Q(information_shared_at__isnull=v == "no"),
            ),
        ],
        add_label="Record a briefing",
        may_add=_is_officer_or_admin,
        date_field="given_on",
        # Shown only with the add button: the same officers and administrators may use it.
        extra_links=[("Record a declined group meeting", "registers:declined_add")],
    ),
    "approaches": RegisterSpec(
        key="approaches",
        register=Register.IMPROPER_APPROACH,
        title="Improper approaches and undue pressure",
        intro="Approaches by officers seeking to influence members, and undue pressure on "
        "officers, reported to the Head of Paid Service or Chief Executive (Maldon 3.3, "
        "Lancaster 5.1-5.2).",
        selector=selectors.visible_approaches_for,
        columns=[
            Column("Reported by", lambda o, r: o.reported_by.name, link=True),
            Column("About", lambda o, r: o.about.name),
            Column(
                "Kind",
                lambda o, r: (
                    "Officer's approach"
                    if o.kind == ApproachKind.OFFICER_APPROACH
                    else "Member's pressure"
                ),
            ),
            Column("Reported", lambda o, r: _date(o.reported_at)),
            Column("State", lambda o, r: o.get_state_display()),
        ],
        csv_columns=[
            Column("id", lambda o, r: o.pk),
            Column("council", lambda o, r: o.council.slug),
            Column("kind", lambda o, r: o.kind),
            Column("reported_by", lambda o, r: o.reported_by.name),
            Column("about", lambda o, r: o.about.name),
            Column("reported_to", lambda o, r: _person(o.reported_to)),
            Column("occurred_on", lambda o, r: o.occurred_on.isoformat()),
            Column("description", lambda o, r: o.description),
            Column("reported_at", lambda o, r: o.reported_at.isoformat()),
            Column("state", lambda o, r: o.state),
            Column("outcome", lambda o, r: o.outcome),
            Column("case", lambda o, r: o.case.reference if o.case else ""),
        ],
        search=["reported_by__name", "about__name", "description"],
        filters=[
            Filter("state", "State", list(ApproachState.choices), lambda v: Q(state=v)),
            Filter("kind", "Kind", list(ApproachKind.choices), lambda v: Q(kind=v)),
        ],
        add_label="Report an approach",
        may_add=_has_person,
        date_field="reported_at",
    ),
    "officer_help": RegisterSpec(
        key="officer_help",
        register=Register.OFFICER_HELP,
        title="Requests for an officer's help",
        intro="A member asks for a particular officer's help through the Clerk, who decides on "
        "workload, propriety and whether all members should be told (Halstead 1.4).",
        selector=selectors.visible_help_requests_for,
        columns=[
            Column("Member", lambda o, r: o.requested_by.name, link=True),
            Column("Officer", lambda o, r: o.officer.name),
            Column("Asked", lambda o, r: _date(o.requested_at)),
            Column("Decision", lambda o, r: o.get_decision_display()),
            Column("All members told", lambda o, r: "Yes" if o.inform_all_members else "No"),
        ],
        csv_columns=[
            Column("id", lambda o, r: o.pk),
            Column("council", lambda o, r: o.council.slug),
            Column("requested_by", lambda o, r: o.requested_by.name),
            Column("officer", lambda o, r: o.officer.name),
            Column("description", lambda o, r: o.description),
            Column("requested_at", lambda o, r: o.requested_at.isoformat()),
            Column("decision", lambda o, r: o.decision),
            Column("within_workload", lambda o, r: o.within_workload),
            Column("appropriate", lambda o, r: o.appropriate),
            Column("inform_all_members", lambda o, r: o.inform_all_members),
            Column("decision_reason", lambda o, r: o.decision_reason),
        ],
        search=["requested_by__name", "officer__name", "description"],
        filters=[
            Filter("decision", "Decision", list(HelpDecision.choices), lambda v: Q(decision=v))
        ],
        add_label="Ask for an officer's help",
        may_add=lambda v: v.is_councillor or bool(v.administered_ids),
        date_field="requested_at",
    ),
    "ward_notifications": RegisterSpec(
        key="ward_notifications",
        register=Register.WARD_NOTIFICATION,
        title="Ward notifications",
        intro="Public meetings, consultations, local works and residents' location-related issues "
        "notified to ward members (Lancaster 10.1-10.5, Hounslow 4.3). A resident is named only "
        "with their consent.",
        selector=selectors.visible_ward_notifications_for,
        columns=[
            Column("Subject", lambda o, r: o.subject, link=True),
            Column("Kind", lambda o, r: o.get_kind_display().split(" (")[0]),
            Column("Wards", lambda o, r: ", ".join(w.name for w in o.wards.all())),
            Column("Notified", lambda o, r: _date(o.notified_at)),
            Column("Resident", lambda o, r: _identity(o, r, "resident_name")),
        ],
        csv_columns=[
            Column("id", lambda o, r: o.pk),
            Column("council", lambda o, r: o.council.slug),
            Column("kind", lambda o, r: o.kind),
            Column("wards", lambda o, r: "; ".join(w.name for w in o.wards.all())),
            Column("subject", lambda o, r: o.subject),
            Column("details", lambda o, r: o.details),
            Column("location", lambda o, r: o.location),
            Column("notified_at", lambda o, r: o.notified_at.isoformat()),
            Column("resident_name", lambda o, r: _identity(o, r, "resident_name")),
            Column("resident_contact", lambda o, r: _identity(o, r, "resident_contact")),
            Column("raised_via_councillor", lambda o, r: _person(o.raised_via_councillor)),
            Column("sharing_consent", lambda o, r: o.sharing_consent),
        ],
        search=["subject", "details", "location"],
        filters=[
            Filter(
                "kind",
                "Kind",
                [(k, v.split(" (")[0]) for k, v in WardNotificationKind.choices],
                lambda v: Q(kind=v),
            ),
        ],
        add_label="Notify ward members",
        may_add=_is_officer_or_admin,
        date_field="notified_at",
    ),
    "interest_advice": RegisterSpec(
        key="interest_advice",
        register=Register.INTEREST_ADVICE,
        title="Interest advice",
        intro="Advice from the Monitoring Officer on disclosing interests, always in confidence "
        "(Maldon 8.1). Only the member and the Monitoring Officer (or deputy) can see it.",
        selector=selectors.visible_interest_advice_for,
        columns=[
            Column("Member", lambda o, r: o.member.name, link=True),
            Column("Asked", lambda o, r: _date(o.asked_at)),
            Column("State", lambda o, r: o.get_state_display()),
            Column("Advised by", lambda o, r: _person(o.advised_by)),
        ],
        csv_columns=[
            Column("id", lambda o, r: o.pk),
            Column("council", lambda o, r: o.council.slug),
            Column("member", lambda o, r: o.member.name),
            Column("question", lambda o, r: o.question),
            Column("asked_at", lambda o, r: o.asked_at.isoformat()),
            Column("state", lambda o, r: o.state),
            Column("advice", lambda o, r: o.advice),
            Column("advised_by", lambda o, r: _person(o.advised_by)),
        ],
        search=["member__name", "question"],
        filters=[Filter("state", "State", list(AdviceState.choices), lambda v: Q(state=v))],
        add_label="Ask for advice",
        may_add=_is_councillor_or_mo,
        date_field="asked_at",
    ),
}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    viewer = selectors.viewer_for(request.user)
    entries = [
        {"spec": spec, "count": spec.selector(request.user).count()} for spec in SPECS.values()
    ]
    return render(request, "registers/index.html", {"entries": entries, "viewer": viewer})


def list_view(key: str) -> Callable[[HttpRequest], HttpResponse]:
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        return register_list(request, SPECS[key])

    view.__name__ = f"{key}_list"
    return view


def csv_view(key: str) -> Callable[[HttpRequest], HttpResponse]:
    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        return register_csv(request, SPECS[key])

    view.__name__ = f"{key}_csv"
    return view


def _detail_page(
    request: HttpRequest, key: str, obj: Model, template: str, **context: Any
) -> HttpResponse:
    spec = SPECS[key]
    return render(
        request,
        template,
        {"spec": spec, "obj": obj, "events": _events(spec.register, obj.pk), **context},
    )


# == Personal relationships ====================================================================


@login_required
def relationship_add(request: HttpRequest) -> HttpResponse:
    if selectors.viewer_for(request.user).person is None:
        raise Http404
    form = register_forms.RelationshipForm(_data(request), user=request.user)
    return _add_page(
        request,
        form,
        "relationships",
        lambda: services.declare_relationship(
            actor=request.user,
            person=form.acting_for(),
            related_person=form.cleaned_data["related_person"],
            nature=form.cleaned_data["nature"],
            declared_on=form.cleaned_data["declared_on"],
        ),
        success="Relationship declared. The people it goes to have been told.",
        title="Declare a personal relationship",
        caption="Personal relationships",
        button="Declare relationship",
        intro="Maldon 5.1: a member tells their Group Leader; an officer tells the Head of Paid "
        "Service; if the officer is the Head of Paid Service, the Group Leaders are told. The "
        "declaration is confidential.",
    )


@login_required
def relationship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("relationships", request, pk)
    end_form = register_forms.EndRelationshipForm(_data(request))
    if (
        request.method == "POST"
        and end_form.is_valid()
        and _run(
            request,
            end_form,
            lambda: services.end_relationship(
                actor=request.user, relationship=obj, ended_on=end_form.cleaned_data["ended_on"]
            ),
            "The relationship is recorded as ended.",
        )
    ):
        return redirect("registers:relationships_detail", obj.pk)
    return _detail_page(
        request,
        "relationships",
        obj,
        "registers/relationship_detail.html",
        end_form=end_form,
        recipients=obj.recipients.all(),
        may_end=obj.ended_on is None,
    )


@login_required
def relationship_flags(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    if not selectors.may_see_relationship_flags(request.user, person):
        raise Http404
    return render(
        request,
        "registers/relationship_flags.html",
        {"person": person, "flags": selectors.relationship_flags(person)},
    )


# == Briefings =================================================================================


@login_required
def briefing_add(request: HttpRequest) -> HttpResponse:
    form = register_forms.BriefingForm(_data(request), user=request.user)
    if not _is_officer_or_admin(form.viewer):
        raise Http404
    return _add_page(
        request,
        form,
        "briefings",
        lambda: services.record_briefing(
            actor=request.user,
            group=form.cleaned_data["group"],
            officer=form.cleaned_data["officer"],
            topic=form.cleaned_data["topic"],
            given_on=form.cleaned_data["given_on"],
            advice=form.cleaned_data["advice"],
            decision_meeting=form.cleaned_data["decision_meeting"],
            decision_meeting_on=form.cleaned_data["decision_meeting_on"],
            approved_by=form.cleaned_data.get("approved_by"),
        ),
        success=_briefing_success(form),
        title="Record a briefing to a political group",
        caption="Political group briefings",
        button="Record briefing",
        intro=_briefing_intro(form),
    )


def _briefing_policies(form: register_forms.BriefingForm) -> list[Any]:
    councils = Council.objects.filter(pk__in=form.home_council_ids()).order_by("name")
    return [selectors.briefing_policy_for(c) for c in councils]


def _briefing_rule(policy: Any) -> str:
    """The council's briefing rule in a sentence (its YAML `briefing_policy`)."""
    cite = policy.protocol_reference or "council policy"
    if policy.offer_to_all_groups:
        rule = (
            "a service made available to one group is made available to all: saving this offers "
            "the same to every other group of the council"
        )
    elif policy.share_only_on_written_request:
        rule = (
            "briefing information is not passed on to other groups as a matter of routine, only "
            "at the written request of the group briefed"
        )
    else:
        rule = "a briefing is not offered to the other groups automatically"
    if policy.giver_roles:
        givers = " or ".join(Role(r).label for r in policy.giver_roles if r in Role.values)
        rule += f"; groups are briefed only by the {givers}"
        if policy.approval_role:
            rule += f", or with the approval of the {Role(policy.approval_role).label}"
    return f"{policy.council.name} ({cite}): {rule}."


def _briefing_intro(form: register_forms.BriefingForm) -> str:
    return " ".join(_briefing_rule(p) for p in _briefing_policies(form))


def _briefing_success(form: register_forms.BriefingForm) -> str:
    group = form.cleaned_data.get("group") if form.is_bound and form.is_valid() else None
    if group is None:
        return "Briefing recorded."
    if selectors.briefing_policy_for(group.council).offer_to_all_groups:
        return "Briefing recorded. The same has been offered to every other group."
    return "Briefing recorded. It is not passed on to the other groups as a matter of routine."


@login_required
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("briefings", request, pk)
    viewer = selectors.viewer_for(request.user)
    staff = _is_officer_or_admin(viewer) and (
        (viewer.person is not None and viewer.person.council_id == obj.council_id)
        or obj.council_id in viewer.administered_ids
    )
    offers = list(obj.offers.select_related("group"))
    answerable = [
        o
        for o in offers
        if o.status == "offered"
        and (
            staff or (viewer.person is not None and viewer.person.political_group_id == o.group_id)
        )
    ]
    policy = selectors.briefing_policy_for(obj.council)
    declined = selectors.visible_declined_attendance_for(request.user).filter(
        council=obj.council, group=obj.group
    )
    return _detail_page(
        request,
        "briefings",
        obj,
        "registers/briefing_detail.html",
        offers=offers,
        answerable=answerable,
        offer_form=register_forms.OfferResponseForm(),
        written_form=register_forms.WrittenRequestForm(),
        staff=staff,
        policy=policy,
        briefing_rule=_briefing_rule(policy),
        advice_visible=selectors.briefing_advice_visible(request.user, obj),
        may_share=staff
        and obj.information_shared_at is None
        and (not policy.share_only_on_written_request or obj.written_request_received_on),
        declined=declined,
    )


@login_required
@require_POST
def briefing_offer_respond(request: HttpRequest, pk: int, offer_id: int) -> HttpResponse:
    obj = _detail("briefings", request, pk)
    offer = get_object_or_404(BriefingOffer, briefing=obj, pk=offer_id)
    form = register_forms.OfferResponseForm(request.POST)
    if form.is_valid():
        _run(
            request,
            None,
            lambda: services.respond_to_offer(
                actor=request.user,
                offer=offer,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            ),
            f"Answer recorded for {offer.group.name}.",
        )
    else:
        messages.error(request, "Choose whether the group accepted or declined.")
    return redirect("registers:briefings_detail", obj.pk)


@login_required
def briefing_written_request(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("briefings", request, pk)
    form = register_forms.WrittenRequestForm(_data(request))
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            request,
            form,
            lambda: services.record_written_request(
                actor=request.user,
                briefing=obj,
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
            ),
            "Written request recorded.",
        )
    ):
        return redirect("registers:briefings_detail", obj.pk)
    return _render_form(
        request,
        form,
        title=f"Record {obj.group.name}'s written request",
        caption=obj.topic,
        button="Record written request",
        back=reverse("registers:briefings_detail", args=[obj.pk]),
        intro="Lancaster 3.1: briefing information may be passed to other groups at the written "
        "request of the group briefed.",
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def briefing_share(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("briefings", request, pk)
    _run(
        request,
        None,
        lambda: services.share_briefing_information(actor=request.user, briefing=obj),
        "The briefing information is now available to the other groups.",
    )
    return redirect("registers:briefings_detail", obj.pk)


@login_required
def declined_add(request: HttpRequest) -> HttpResponse:
    form = register_forms.DeclinedAttendanceForm(_data(request), user=request.user)
    if not _is_officer_or_admin(form.viewer):
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(
            request,
            form,
            lambda: services.record_declined_attendance(
                actor=request.user,
                group=data["group"],
                officer=data["officer"],
                meeting_on=data["meeting_on"],
                reason=data["reason"],
            ),
            "Declined meeting recorded.",
        ):
            return redirect("registers:declined_list")
    return _render_form(
        request,
        form,
        title="Record a group meeting declined as too political",
        caption="Political group briefings",
        button="Record",
        back=reverse("registers:declined_list"),
        intro="Hounslow 7.2: an officer may decline to attend where the issue is of such a "
        "political nature that attending would be inappropriate.",
        status=400 if form.errors else 200,
    )


@login_required
def declined_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.visible_declined_attendance_for(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    may_add = _is_officer_or_admin(selectors.viewer_for(request.user))
    return render(
        request,
        "registers/declined_list.html",
        {"page_obj": page, "page_query": "", "may_add": may_add},
    )


# == Improper approaches =======================================================================


@login_required
def approach_add(request: HttpRequest) -> HttpResponse:
    form = register_forms.ApproachForm(_data(request), user=request.user)
    if form.me is None:
        raise Http404
    return _add_page(
        request,
        form,
        "approaches",
        lambda: services.report_improper_approach(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            reported_by=form.acting_for(),
            about=form.cleaned_data["about"],
            occurred_on=form.cleaned_data["occurred_on"],
            description=form.cleaned_data["description"],
        ),
        success="Reported. The Head of Paid Service has been told.",
        title="Report an improper approach or undue pressure",
        caption="Improper approaches",
        button="Report",
        intro="Maldon 3.3: approaches are reported to the Head of Paid Service. Lancaster 5.2: "
        "members advise the Chief Executive immediately.",
    )


@login_required
def approach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("approaches", request, pk)
    may_handle = selectors.may_handle_approach(request.user, obj)
    outcome_form = register_forms.OutcomeForm(_data(request))
    if request.method == "POST":
        if not may_handle:
            messages.error(request, "Only the person it was reported to can close it.")
            return redirect("registers:approaches_detail", obj.pk)
        if outcome_form.is_valid() and _run(
            request,
            outcome_form,
            lambda: services.close_approach(
                actor=request.user, approach=obj, outcome=outcome_form.cleaned_data["outcome"]
            ),
            "Closed with the outcome recorded.",
        ):
            return redirect("registers:approaches_detail", obj.pk)
    return _detail_page(
        request,
        "approaches",
        obj,
        "registers/approach_detail.html",
        may_handle=may_handle,
        outcome_form=outcome_form,
        case_form=register_forms.CaseReferenceForm(),
    )


@login_required
@require_POST
def approach_review(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("approaches", request, pk)
    _run(
        request,
        None,
        lambda: services.start_approach_review(actor=request.user, approach=obj),
        "Review started.",
    )
    return redirect("registers:approaches_detail", obj.pk)


@login_required
@require_POST
def approach_open_case(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("approaches", request, pk)
    _run(
        request,
        None,
        lambda: services.open_case_for_approach(actor=request.user, approach=obj),
        "A case has been opened and linked.",
    )
    return redirect("registers:approaches_detail", obj.pk)


@login_required
@require_POST
def approach_link_case(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("approaches", request, pk)
    form = register_forms.CaseReferenceForm(request.POST)
    if form.is_valid():
        _run(
            request,
            None,
            lambda: services.link_case_to_approach(
                actor=request.user, approach=obj, reference=form.cleaned_data["reference"]
            ),
            "Case linked.",
        )
    return redirect("registers:approaches_detail", obj.pk)


# == Officer help ==============================================================================


@login_required
def help_add(request: HttpRequest) -> HttpResponse:
    form = register_forms.HelpRequestForm(_data(request), user=request.user)
    if form.me is None:
        raise Http404
    return _add_page(
        request,
        form,
        "officer_help",
        lambda: services.request_officer_help(
            actor=request.user,
            requested_by=form.acting_for(),
            officer=form.cleaned_data["officer"],
            description=form.cleaned_data["description"],
        ),
        success="Request sent to the Clerk.",
        title="Ask for a particular officer's help",
        caption="Requests for an officer's help",
        button="Send to the Clerk",
        intro="Halstead 1.4: the request goes through the Clerk, who assesses the officer's "
        "workload, whether it is appropriate, and whether all members should be informed.",
    )


@login_required
def help_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("officer_help", request, pk)
    may_decide = selectors.may_decide_help_request(request.user, obj) and (
        obj.decision == HelpDecision.PENDING
    )
    form = register_forms.HelpDecisionForm(_data(request))
    if request.method == "POST":
        if not may_decide:
            messages.error(request, "Only the Clerk decides, once.")
            return redirect("registers:officer_help_detail", obj.pk)
        if form.is_valid():
            data = form.cleaned_data
            if _run(
                request,
                form,
                lambda: services.decide_officer_help_request(
                    actor=request.user,
                    request=obj,
                    approve=data["decision"] == "approve",
                    within_workload=data["within_workload"] == "yes",
                    appropriate=data["appropriate"] == "yes",
                    inform_all_members=data["inform_all_members"] == "yes",
                    reason=data["reason"],
                ),
                "Decision recorded.",
            ):
                return redirect("registers:officer_help_detail", obj.pk)
    return _detail_page(
        request,
        "officer_help",
        obj,
        "registers/help_detail.html",
        may_decide=may_decide,
        form=form,
    )


# == Ward notifications ========================================================================


@login_required
def ward_add(request: HttpRequest) -> HttpResponse:
    form = register_forms.WardNotificationForm(_data(request), user=request.user)
    if not _is_officer_or_admin(form.viewer):
        raise Http404

    def notify() -> WardNotification:
        data = form.cleaned_data
        council = form.council()
        if council is None:
            raise Http404
        return services.record_ward_notification(
            actor=request.user,
            council=council,
            kind=data["kind"],
            wards=list(data["wards"]),
            subject=data["subject"],
            details=data["details"],
            location=data["location"],
            event_on=data["event_on"],
            resident_name=data["resident_name"],
            resident_contact=data["resident_contact"],
            resident_consents_to_identity_sharing=data["resident_consents_to_identity_sharing"],
            raised_via_councillor=data["raised_via_councillor"],
            sharing_consent=data["sharing_consent"] or SharingConsent.NONE,
        )

    return _add_page(
        request,
        form,
        "ward_notifications",
        notify,
        success="Ward members notified.",
        title="Notify ward members",
        caption="Ward notifications",
        button="Notify ward members",
        intro="Lancaster 10.1-10.5, Hounslow 4.3. The resident's details go to ward councillors "
        "only with the resident's consent.",
    )


@login_required
def ward_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("ward_notifications", request, pk)
    viewer = selectors.viewer_for(request.user)
    staff = obj.council_id in viewer.administered_ids or (
        viewer.is_officer
        and viewer.person is not None
        and viewer.person.council_id == obj.council_id
    )
    form = register_forms.WardConsentForm(
        _data(request),
        initial={
            "resident_consents_to_identity_sharing": obj.resident_consents_to_identity_sharing,
            "sharing_consent": obj.sharing_consent,
        },
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(
            request,
            form,
            lambda: services.record_ward_consent(
                actor=request.user,
                notification=obj,
                resident_consents_to_identity_sharing=form.cleaned_data[
                    "resident_consents_to_identity_sharing"
                ],
                sharing_consent=form.cleaned_data["sharing_consent"] or SharingConsent.NONE,
            ),
            "Consent recorded.",
        )
    ):
        return redirect("registers:ward_notifications_detail", obj.pk)
    return _detail_page(
        request,
        "ward_notifications",
        obj,
        "registers/ward_detail.html",
        identity_visible=selectors.resident_identity_visible(request.user, obj),
        staff=staff,
        form=form,
        withheld=WITHHELD,
    )


# == Interest advice ===========================================================================


@login_required
def advice_add(request: HttpRequest) -> HttpResponse:
    form = register_forms.InterestAdviceForm(_data(request), user=request.user)
    if not _is_councillor_or_mo(form.viewer):
        raise Http404
    return _add_page(
        request,
        form,
        "interest_advice",
        lambda: services.ask_interest_advice(
            actor=request.user,
            member=form.acting_for(),
            question=form.cleaned_data["question"],
        ),
        success="Sent to the Monitoring Officer, in confidence.",
        title="Ask the Monitoring Officer for advice on an interest",
        caption="Interest advice",
        button="Send in confidence",
        intro="Maldon 8.1: the advice is given in confidence. It is for you to decide, in the "
        "light of it, whether to disclose the interest.",
    )


@login_required
def advice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _detail("interest_advice", request, pk)
    may_advise = obj.council_id in selectors.viewer_for(request.user).mo_ids and (
        obj.advised_at is None
    )
    form = register_forms.AdviceForm(_data(request))
    if request.method == "POST":
        if not may_advise:
            messages.error(request, "Only the Monitoring Officer advises, once.")
            return redirect("registers:interest_advice_detail", obj.pk)
        if form.is_valid() and _run(
            request,
            form,
            lambda: services.give_interest_advice(
                actor=request.user, item=obj, advice=form.cleaned_data["advice"]
            ),
            "Advice given. The member has been told.",
        ):
            return redirect("registers:interest_advice_detail", obj.pk)
    return _detail_page(
        request,
        "interest_advice",
        obj,
        "registers/advice_detail.html",
        may_advise=may_advise,
        form=form,
    )
