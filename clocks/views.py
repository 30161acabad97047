"""Clocks on the web: the dashboard, the acknowledgement draft page and the holding reply."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from protocol_site.errors import ActionNotAllowed, PermissionRefused

from . import selectors, services
from .forms import AcknowledgementForm, HoldingReplyForm
from .models import DraftStatus


def _case_url(case: object) -> str:
    return reverse("cases:detail", kwargs={"reference": case.reference})  # type: ignore[attr-defined]


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "clocks/refused.html", {"message": message}, status=403)


def _apply_errors(form: AcknowledgementForm | HoldingReplyForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            if field == "new_due_date":
                target = "day"
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    board = selectors.dashboard_for(request.user)
    return render(request, "clocks/dashboard.html", {"board": board})


@login_required
@require_http_methods(["GET", "POST"])
def acknowledgement(request: HttpRequest, pk: int) -> HttpResponse:
    """Maldon 2.2: the handler reviews the drafted acknowledgement and sends it."""
    draft = selectors.acknowledgement_draft_for(request.user, pk)
    if draft is None:
        raise Http404("No such acknowledgement.")
    may_send = selectors.may_manage_owner(request.user, draft.case)
    # Maldon 1.2 wherever the variant asks for the wording check, the acknowledgement included.
    check_wording = bool(draft.case.variant.informal_wording_check)
    if request.method == "POST":
        if not may_send:
            return _refused(
                request, "Only the handler, the clerk or the Monitoring Officer can send this."
            )
        form = AcknowledgementForm(request.POST, check_wording=check_wording)
        if form.is_valid():
            try:
                services.send_acknowledgement(
                    draft=draft,
                    actor=request.user,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except PermissionRefused as exc:
                return _refused(request, str(exc))
            except ActionNotAllowed as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Acknowledgement to {draft.to_email} is being sent. {draft.case} is "
                    "acknowledged.",
                )
                return redirect(_case_url(draft.case))
    else:
        form = AcknowledgementForm(initial={"subject": draft.subject, "body": draft.body})
    return render(
        request,
        "clocks/acknowledgement.html",
        {
            "draft": draft,
            "form": form,
            "may_send": may_send and draft.status == DraftStatus.DRAFT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def holding_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Maldon 2.2: tell the member when to expect a response; the clock moves to that date."""
    deadline = (
        selectors.visible_deadlines_for(request.user)
        .select_related("case__council", "case__raised_by")
        .filter(pk=pk)
        .first()
    )
    if deadline is None:
        raise Http404("No such clock.")
    if not selectors.may_manage_owner(request.user, deadline.case):
        return _refused(
            request,
            "Only the handler, the clerk or the Monitoring Officer can send a holding reply.",
        )
    form = HoldingReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.extend_clock(
                deadline=deadline,
                new_due_date=form.cleaned_data["new_due_date"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except PermissionRefused as exc:
            return _refused(request, str(exc))
        except ActionNotAllowed as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Holding reply sent: the member has been told the new date.")
            return redirect(_case_url(deadline.case))
    return render(request, "clocks/holding_reply.html", {"deadline": deadline, "form": form})
