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
