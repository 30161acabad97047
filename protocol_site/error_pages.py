"""Error responses for requests no view answered: the API's JSON shape under /api/, the GOV.UK
pages (templates/404.html, 500.html) everywhere else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework.exceptions import NotFound


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        # The body DRF gives every other API 404 ({"detail": ...}, api-contract.md).
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


BAD_REQUEST = "The address or the data sent could not be understood."


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 400 for input no view should see: the API's `{"detail"}`, else the GOV.UK page."""
    if _is_api(request):
        return JsonResponse({"detail": BAD_REQUEST}, status=400)
    return render(request, "400.html", {"message": BAD_REQUEST}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side. Try again later."}, status=500
        )
    return defaults.server_error(request)
