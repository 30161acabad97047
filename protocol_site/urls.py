from django.contrib import admin
from django.urls import include, path

from protocol_site.metrics import metrics_view
from protocol_site.ops.health import healthz, readyz

urlpatterns = [
    # Normally answered earlier by OpsEndpointsMiddleware; listed so they resolve without it.
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("contacts.urls")),
    path("cases/", include("cases.urls")),
    path("information-requests/", include("info_requests.urls")),
    path("clocks/", include("clocks.urls")),
    path("registers/", include("registers.urls")),
    path("variants/", include("cases.variant_urls")),
    path("reports/", include("reports.urls")),
    path("inbound/", include("inbound.urls")),
    path("", include("worklist.urls")),
    path("account/two-factor/", include("protocol_site.two_factor")),
    path("api/", include("protocol_site.api.urls")),
    path("account/password/", include("protocol_site.passwords")),
    path("account/", include("protocol_site.account_views")),
]

handler400 = "protocol_site.error_pages.bad_request"
handler404 = "protocol_site.error_pages.page_not_found"
handler500 = "protocol_site.error_pages.server_error"
