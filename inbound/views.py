"""The clerk's triage queue for emails the service could not act on by itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from contacts.models import Person
from protocol_site.errors import ActionNotAllowed, PermissionRefused

from . import services
from .forms import RejectForm, TriageCaseForm
from .models import InboundEmail, InboundStatus
from .selectors import may_triage, triage_queue_for, visible_inbound_emails_for


def _email_for(request: HttpRequest, pk: int) -> InboundEmail:
    email = visible_inbound_emails_for(request.user).filter(pk=pk).first()
    if email is None:
        raise Http404("No such email.")
    return email


def _people(email: InboundEmail, request: HttpRequest) -> QuerySet[Person]:
    people = Person.objects.filter(anonymised_at__isnull=True).select_related("council")
    if email.council_id is not None:
        return people.filter(council_id=email.council_id).order_by("kind", "name")
    return people.order_by("council__name", "kind", "name")


@login_required
def triage_list(request: HttpRequest) -> HttpResponse:
    if not may_triage(request.user):
        raise Http404("No such page.")
    queue = list(triage_queue_for(request.user))
    recent = (
        visible_inbound_emails_for(request.user)
        .exclude(status=InboundStatus.NEW)
        .order_by("-received_at", "-pk")[:10]
    )
    return render(request, "inbound/triage_list.html", {"queue": queue, "recent": recent})


@login_required
@require_http_methods(["GET", "POST"])
def triage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    email = _email_for(request, pk)
    show_council = email.council_id is None
    initial = {
        "case_type": services.default_case_type(),
        "raised_by": email.sender_id,
        "about": email.about_id,
        "summary": "\n\n".join(p for p in (email.subject, email.body_text) if p),
    }
    case_form = TriageCaseForm(
        initial=initial, people=_people(email, request), show_council=show_council
    )
    reject_form = RejectForm(prefix="reject")
    if request.method == "POST":
        if email.status != InboundStatus.NEW:
            messages.error(request, "This email has already been dealt with.")
            return redirect("inbound:triage_detail", pk=email.pk)
        action = request.POST.get("action")
        try:
            if action == "reject":
                reject_form = RejectForm(request.POST, prefix="reject")
                if reject_form.is_valid():
                    services.reject_email(
                        email=email, actor=request.user, reason=reject_form.cleaned_data["reason"]
                    )
                    messages.success(request, f"Email from {email.from_address} rejected.")
                    return redirect("inbound:triage")
            else:
                case_form = TriageCaseForm(
                    request.POST, people=_people(email, request), show_council=show_council
                )
                if case_form.is_valid():
                    data = case_form.cleaned_data
                    try:
                        case = services.triage_to_case(
                            email=email,
                            actor=request.user,
                            case_type=data["case_type"],
                            raised_by=data["raised_by"],
                            about=data["about"],
                            summary=data["summary"],
                            service=data.get("service"),
                        )
                    except ValidationError as exc:
                        _errors_onto(case_form, exc)
                    else:
                        messages.success(request, f"Case {case.reference} opened from the email.")
                        return redirect("cases:detail", reference=case.reference)
        except (ActionNotAllowed, PermissionRefused) as exc:
            messages.error(request, str(exc))
            return redirect("inbound:triage_detail", pk=email.pk)
    return render(
        request,
        "inbound/triage_detail.html",
        {"email": email, "case_form": case_form, "reject_form": reject_form},
    )


def _errors_onto(form: TriageCaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
