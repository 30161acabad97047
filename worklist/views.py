"""The person's saved views of the case list, and search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import services
from .models import SavedView
from .selectors import saved_views_for


@login_required
def views_index(request: HttpRequest) -> HttpResponse:
    return render(request, "worklist/views.html", {"views": saved_views_for(request.user)})


@login_required
@require_http_methods(["POST"])
def save_view(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        view = services.save_view(user=request.user, name=request.POST.get("name", ""), query=query)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("cases:list") + (f"?{query}" if query else ""))
    messages.success(request, f"View saved as {view.name}")
    return redirect(reverse("cases:list") + (f"?{view.query}" if view.query else ""))


@login_required
@require_http_methods(["POST"])
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Another person's view is a 404: its existence is not leaked.
    view = get_object_or_404(SavedView, pk=pk, user_id=request.user.pk)
    services.delete_view(user=request.user, view=view)
    messages.success(request, f"View {view.name} deleted")
    return redirect("worklist:views")


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    """One box over cases, information requests and register entries, each as the person may
    see them (worklist.search)."""
    from .search import MIN_LENGTH, search

    query = (request.GET.get("q") or "").strip()
    results = search(request.user, query) if query else {}
    return render(
        request,
        "worklist/search.html",
        {
            "query": query,
            "results": results,
            "too_short": bool(query) and len(query) < MIN_LENGTH,
            "total": sum(len(hits) for hits in results.values()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    """Email the parties from the case page; a reply threads back to the case (issue #24)."""
    from cases import permissions
    from cases import selectors as case_selectors
    from cases.permissions import Action
    from protocol_site.errors import ActionNotAllowed, PermissionRefused

    from .forms import ReplyForm
    from .models import ReplyTemplate

    case = case_selectors.case_for(request.user, reference)
    if not permissions.can(request.user, Action.RESPOND, case):
        return render(
            request,
            "cases/refused.html",
            {"message": "Only the handler, the clerk or the Monitoring Officer can reply."},
            status=403,
        )
    parties = [p for p in (case.raised_by, case.about) if p.email]
    choices = [(str(p.pk), f"{p.name} ({p.email})") for p in parties]
    templates = list(ReplyTemplate.objects.filter(council_id=case.council_id))
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
    initial: dict[str, object] = {
        "to": [str(case.raised_by_id)],
        "subject": f"Your case {case.reference}",
    }
    if chosen is not None:
        initial.update(subject=chosen.subject or initial["subject"], body=chosen.body)
    form = ReplyForm(
        request.POST if request.method == "POST" else None, recipients=choices, initial=initial
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        to = [p for p in parties if str(p.pk) in form.cleaned_data["to"]]
        try:
            services.reply_from_case(
                case=case,
                actor=request.user,
                to=to,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                wording_checked=form.cleaned_data["wording_checked"],
            )
        except PermissionRefused as exc:
            return render(request, "cases/refused.html", {"message": str(exc)}, status=403)
        except ActionNotAllowed as exc:
            error = str(exc)
        except ValidationError as exc:
            for name, errors in getattr(exc, "error_dict", {}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"Email sent to {', '.join(p.name for p in to)}")
            return redirect(reverse("cases:detail", args=[case.reference]) + "#emails")
    return render(
        request,
        "worklist/reply.html",
        {
            "case": case,
            "form": form,
            "templates": templates,
            "chosen": chosen,
            "error": error,
            "no_address": not parties,
            "wording_check": bool(services.wording_problems(case, "investigation")),
        },
        status=400 if form.is_bound and (form.errors or error) else 200,
    )
