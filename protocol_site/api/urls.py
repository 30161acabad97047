"""Every API route lives under /api/. Each app contributes its router in <app>/api/urls.py."""

from django.urls import include, path  # noqa: F401

urlpatterns: list = [
    # path("", include("contacts.api.urls")),
    # path("", include("cases.api.urls")),
    # path("", include("info_requests.api.urls")),
]
