from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("contacts.urls")),
    path("cases/", include("cases.urls")),
    path("information-requests/", include("info_requests.urls")),
    path("clocks/", include("clocks.urls")),
    path("api/", include("protocol_site.api.urls")),
]
