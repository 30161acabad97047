"""Every API route lives under /api/. Each app contributes its router in <app>/api/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import schema  # noqa: F401  (registers the schema extensions)
from .views import ApiRootView, TokenView

urlpatterns: list = [
    # The resources the API serves, and a link to its documentation.
    path("", ApiRootView.as_view(), name="api-root"),
    # 200 {"token"} or 400 on bad credentials, as the contract says; throttled per address.
    path("token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("contacts.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("registers.api.urls")),
    path("", include("info_requests.api.urls")),
    path("", include("inbound.api_urls")),
]
