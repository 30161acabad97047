from django.urls import path

from . import views

app_name = "registers"


def _register(prefix: str, key: str, add, detail) -> list:  # type: ignore[no-untyped-def]
    return [
        path(f"{prefix}/", views.list_view(key), name=f"{key}_list"),
        path(f"{prefix}/export.csv", views.csv_view(key), name=f"{key}_csv"),
        path(f"{prefix}/new/", add, name=f"{key}_add"),
        path(f"{prefix}/<int:pk>/", detail, name=f"{key}_detail"),
    ]


urlpatterns = [
    path("", views.index, name="index"),
    *_register("relationships", "relationships", views.relationship_add, views.relationship_detail),
    path(
        "relationships/flags/<int:person_id>/",
        views.relationship_flags,
        name="relationship_flags",
    ),
    *_register("briefings", "briefings", views.briefing_add, views.briefing_detail),
    path(
        "briefings/<int:pk>/offers/<int:offer_id>/answer/",
        views.briefing_offer_respond,
        name="briefing_offer_respond",
    ),
    path(
        "briefings/<int:pk>/written-request/",
        views.briefing_written_request,
        name="briefing_written_request",
    ),
    path("briefings/<int:pk>/share/", views.briefing_share, name="briefing_share"),
    path("briefings/declined/", views.declined_list, name="declined_list"),
    path("briefings/declined/new/", views.declined_add, name="declined_add"),
    *_register("approaches", "approaches", views.approach_add, views.approach_detail),
    path("approaches/<int:pk>/review/", views.approach_review, name="approach_review"),
    path("approaches/<int:pk>/open-case/", views.approach_open_case, name="approach_open_case"),
    path("approaches/<int:pk>/link-case/", views.approach_link_case, name="approach_link_case"),
    *_register("officer-help", "officer_help", views.help_add, views.help_detail),
    *_register("ward-notifications", "ward_notifications", views.ward_add, views.ward_detail),
    *_register("interest-advice", "interest_advice", views.advice_add, views.advice_detail),
]
