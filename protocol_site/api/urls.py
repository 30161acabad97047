"""Every API route lives under /api/. Each app contributes its router in <app>/api/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns: list = [
    # DRF's view: 200 {"token"} or 400 on bad credentials, as the contract says.
    path("token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("contacts.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("registers.api.urls")),
    path("", include("info_requests.api.urls")),
    path("", include("inbound.api_urls")),
]
