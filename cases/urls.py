from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.new_case_start, name="new"),
    # Before "<reference>/": a reference never reads "kept-informed".
    path("kept-informed/", views.kept_informed_list, name="kept_informed"),
    path("new/check/", views.new_case_check, name="new_check"),
    path("new/<slug:step>/", views.new_case_step, name="new_step"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/opened/", views.case_opened, name="opened"),
    path("<str:reference>/notes/new/", views.add_note, name="add_note"),
    path(
        "<str:reference>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment",
    ),
    # Before the generic action path, which would take "handler" for an action and 404.
    path("<str:reference>/handler/", views.assign_handler, name="assign_handler"),
    path("<str:reference>/bring-in/", views.bring_in, name="bring_in"),
    path("<str:reference>/<slug:action>/", views.case_action, name="action"),
]
