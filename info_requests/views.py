"""Web pages for members' information requests. Every page starts from the visibility selector;
every change goes through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clocks.models import Deadline
from contacts.models import PersonKind
from contacts.selectors import person_for
from protocol_site.errors import ActionNotAllowed, PermissionRefused

from . import services
from .forms import ActionForm, InfoRequestForm, RequestedItemForm
from .models import (
    FoiExemption,
    InfoRequest,
    InfoRequestState,
    ItemOutcome,
    Route,
)
from .permissions import (
    ACTIONS,
    available_actions,
    button_label,
    done_message,
    guidance_for,
    may_take,
    s100f_blocked_items,
)
from .selectors import (
    councils_user_may_log_for,
    history_for,
    info_request_detail,
    policy_for,
    sees_officers_file,
    visible_info_requests_for,
)

STATE_TAG_COLOURS = {
    InfoRequestState.RECEIVED: "govuk-tag--blue",
    InfoRequestState.DETERMINING: "govuk-tag--light-blue",
    InfoRequestState.DISPUTED: "govuk-tag--orange",
    InfoRequestState.REFUSED: "govuk-tag--red",
    InfoRequestState.PROVIDED: "govuk-tag--green",
    InfoRequestState.FOI: "govuk-tag--purple",
    InfoRequestState.FOI_DECIDED: "govuk-tag--turquoise",
    InfoRequestState.INTERNAL_REVIEW: "govuk-tag--yellow",
    InfoRequestState.REVIEW_DECIDED: "govuk-tag--turquoise",
    InfoRequestState.CLOSED: "govuk-tag--grey",
    InfoRequestState.WITHDRAWN: "govuk-tag--grey",
}

# Letters: kind → (title, whether this request has one yet).
LETTERS: dict[str, str] = {
    "acknowledgement": "Acknowledgement",
    "decision": "Decision (with the caveat)",
    "refusal": "Refusal, and your right to an internal review",
    "review-outcome": "Internal review outcome, and your right to complain to the Information "
    "Commissioner",
}


def letters_for(info_request: InfoRequest) -> list[tuple[str, str]]:
    kinds = ["acknowledgement"]
    if info_request.state == InfoRequestState.PROVIDED or (
        info_request.route == Route.FOI and info_request.foi_decided_at
    ):
        kinds.append("decision")
    if info_request.refused_at is not None:
        kinds.append("refusal")
    if info_request.review_decided_at is not None:
        kinds.append("review-outcome")
    return [(kind, LETTERS[kind]) for kind in kinds]


def signatory_for(info_request: InfoRequest, kind: str) -> tuple[str, str]:
    """(name, role) signing a letter: the person who decided, in the role they decided in.
    Today a Monitoring Officer's need-to-know decision is signed by the Monitoring Officer, not
    the Service Head the request was first passed to."""
    policy = info_request.policy
    if kind == "review-outcome":
        return "", policy.review_label
    decided = kind == "refusal" or (kind == "decision" and info_request.route != Route.FOI)
    if decided and info_request.decided_by is not None:
        role = info_request.get_decided_by_role_display() if info_request.decided_by_role else ""
        return info_request.decided_by.name, role
    if kind == "refusal":
        return "", policy.need_to_know_label
    return (info_request.decider.name if info_request.decider else ""), policy.decider_label


def _get_visible(request: HttpRequest, reference: str) -> InfoRequest:
    try:
        return info_request_detail(request.user, reference)
    except InfoRequest.DoesNotExist as exc:
        raise Http404("No such information request.") from exc


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    qs = visible_info_requests_for(request.user).prefetch_related("deadlines")
    state = request.GET.get("state", "")
    if state in InfoRequestState.values:
        qs = qs.filter(state=state)
    # The home page's "waiting for your decision" (worklist.selectors.info_requests_to_decide).
    awaiting = request.GET.get("awaiting") == "me"
    person = person_for(request.user)
    if awaiting:
        from worklist.selectors import info_requests_to_decide

        mine = info_requests_to_decide(person) if person is not None else qs.none()
        qs = qs.filter(pk__in=mine.values("pk"))
    rows = []
    for r in qs[:200]:
        open_clocks = [d for d in r.deadlines.all() if d.is_open]
        rows.append(
            {
                "request": r,
                "clock": open_clocks[0] if open_clocks else None,
                "colour": STATE_TAG_COLOURS.get(r.state, ""),
            }
        )
    return render(
        request,
        "info_requests/list.html",
        {
            "rows": rows,
            "states": InfoRequestState.choices,
            "state": state,
            "awaiting": awaiting,
            "may_log": councils_user_may_log_for(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    councils = councils_user_may_log_for(request.user)
    slug = request.GET.get("council") or request.POST.get("council_slug")
    person = person_for(request.user)
    if slug:
        council = get_object_or_404(councils, slug=slug)
    elif person is not None:
        council = get_object_or_404(councils, pk=person.council_id)
    else:
        # An administrator belongs to no council: ask which one (it was a 404, "Choose a council").
        return render(
            request, "info_requests/choose_council.html", {"councils": councils.order_by("name")}
        )
    member = person if person is not None and person.kind == PersonKind.COUNCILLOR else None
    if member is not None and member.council_id != council.pk:
        raise Http404("You may only ask for information from your own council.")
    policy = policy_for(council)
    form = InfoRequestForm(
        request.POST if request.method == "POST" else None,
        council=council,
        policy=policy,
        member=member,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_info_request(
                council=council,
                requested_by=member or data["requested_by"],
                description=data["description"],
                received_at=form.received_at(),
                actor=request.user,
                own_committee_business=data["own_committee_business"] == "yes",
                reasons=data.get("reasons", ""),
                items=(data.get("items") or "").splitlines(),
                service=data.get("service"),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionRefused as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, f"Request {created.reference} logged.")
            return redirect("info_requests:detail", reference=created.reference)
    return render(
        request,
        "info_requests/new.html",
        {"form": form, "council": council, "policy": policy, "member": member},
    )


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    info_request = _get_visible(request, reference)
    deadlines: list[Deadline] = list(info_request.deadlines.all())
    items = [(item, *item.s100f_access()) for item in info_request.items.all()]
    return render(
        request,
        "info_requests/detail.html",
        {
            "r": info_request,
            "policy": info_request.policy,
            "actions": available_actions(request.user, info_request),
            "deadlines": deadlines,
            "items": items,
            "history": [
                {"event": e, "reason": reason}
                for e, reason in history_for(request.user, info_request)
            ],
            "officer_view": sees_officers_file(request.user, info_request),
            "letters": letters_for(info_request),
            "s100f_blocked": info_request.state == InfoRequestState.DETERMINING
            and info_request.policy.s100f_applies
            and bool(s100f_blocked_items(info_request)),
            "tag_colour": STATE_TAG_COLOURS.get(info_request.state, ""),
            "exemption_labels": [
                FoiExemption(e).label for e in info_request.foi_exemptions if e in FoiExemption
            ],
            "may_add_items": info_request.is_open
            and any(
                may_take(request.user, info_request, name)
                for name in ("consider_member_rights", "provide_under_s100f", "note_legal_advice")
            ),
            "is_member": person_for(request.user) == info_request.requested_by,
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    info_request = _get_visible(request, reference)
    if action not in ACTIONS:
        raise Http404("No such step.")
    spec = ACTIONS[action]
    allowed = {a.name for a in available_actions(request.user, info_request)}
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        action=action,
        info_request=info_request,
    )
    error = ""
    if (
        request.method == "POST"
        and spec.destructive
        and request.POST.get("confirmed") != "yes"
        and form.is_valid()
    ):
        # An irreversible step asks once more, showing what was entered.
        return render(
            request,
            "info_requests/action_confirm.html",
            {
                "r": info_request,
                "spec": spec,
                "button": button_label(action),
                "answers": _answers(form),
                "hidden": [(k, v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"],
            },
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.TRANSITION_SERVICES[action](
                info_request=info_request, actor=request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except ActionNotAllowed as exc:
            error = str(exc)
        except PermissionRefused as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, done_message(action))
            return redirect("info_requests:detail", reference=info_request.reference)
    status = 409 if error else 200
    return render(
        request,
        "info_requests/action.html",
        {
            "r": info_request,
            "policy": info_request.policy,
            "spec": spec,
            "form": form,
            "error": error,
            "allowed": action in allowed,
            "button": button_label(action),
            "guidance": guidance_for(action, info_request),
        },
        status=status,
    )


def _answers(form: ActionForm) -> list[tuple[str, str]]:
    """What was entered, in words (a choice by its label), for the confirmation page."""
    rows = []
    for field in form.visible_fields():
        value = form.cleaned_data.get(field.name)
        if value in (None, "", []):
            continue
        choices = dict(getattr(field.field, "choices", []) or [])
        rows.append((str(field.label), str(choices.get(value, value))))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def add_item(request: HttpRequest, reference: str) -> HttpResponse:
    info_request = _get_visible(request, reference)
    form = RequestedItemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_requested_item(
                info_request=info_request,
                actor=request.user,
                description=data["description"],
                schedule_12a_paragraph=data["schedule_12a_paragraph"] or None,
                contract_negotiation_terms=data["contract_negotiation_terms"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except (ActionNotAllowed, PermissionRefused) as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, "Item added.")
            return redirect("info_requests:detail", reference=info_request.reference)
    return render(request, "info_requests/item.html", {"r": info_request, "form": form})


def _letter_context(request: HttpRequest, info_request: InfoRequest, kind: str) -> dict[str, Any]:
    items = list(info_request.items.all())
    signer, signer_role = signatory_for(info_request, kind)
    return {
        "r": info_request,
        "kind": kind,
        "title": LETTERS[kind],
        "council": info_request.council,
        "policy": info_request.policy,
        "today": timezone.localdate(),
        "deadlines": list(info_request.deadlines.all()),
        "exemption_labels": [
            FoiExemption(e).label for e in info_request.foi_exemptions if e in FoiExemption
        ],
        "provided_items": [i for i in items if i.outcome == ItemOutcome.PROVIDE],
        "withheld_items": [i for i in items if i.outcome == ItemOutcome.WITHHOLD],
        "signer": signer,
        "signer_role": signer_role,
        "pdf": None,
    }


def _letter_kind(info_request: InfoRequest, kind: str) -> str:
    if kind not in dict(letters_for(info_request)):
        raise Http404("That letter does not exist for this request yet.")
    return kind


@login_required
def letter(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    info_request = _get_visible(request, reference)
    _letter_kind(info_request, kind)
    context = _letter_context(request, info_request, kind)
    context["pdf"] = info_request.letter_files.filter(kind=kind).first()
    return render(request, "info_requests/letters/letter.html", context)


@login_required
def letter_pdf(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    """The letter as a PDF file, made once from the same template and kept on the record."""
    info_request = _get_visible(request, reference)
    _letter_kind(info_request, kind)
    stored = services.issue_letter_pdf(
        info_request=info_request,
        kind=kind,
        actor=request.user,
        render_html=lambda: render_to_string(
            "info_requests/letters/letter.html",
            {**_letter_context(request, info_request, kind), "as_pdf": True},
            request=request,
        ),
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(bytes(stored.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    return response
