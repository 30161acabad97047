from django.urls import path

from worklist import views as worklist_views

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.new_case_start, name="new"),
    # Before "<reference>/": a reference never reads "kept-informed".
    path("kept-informed/", views.kept_informed_list, name="kept_informed"),
    path("new/check/", views.new_case_check, name="new_check"),
    path("new/<slug:step>/", views.new_case_step, name="new_step"),
    # Before "<str:reference>/", which would take "reassign" for a reference.
    path("reassign/", views.bulk_assign, name="bulk_assign"),
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
    path("<str:reference>/conciliator/", views.record_conciliator, name="record_conciliator"),
    path("<str:reference>/panel/", views.reform_panel, name="reform_panel"),
    path("<str:reference>/summary/", views.correct_summary, name="correct_summary"),
    # Issue #24: email the parties from the case; before the generic action path too.
    path("<str:reference>/reply/", worklist_views.reply, name="reply"),
    path("<str:reference>/reroute/", views.reroute, name="reroute"),
    path("<str:reference>/bring-in/", views.bring_in, name="bring_in"),
    path("<str:reference>/<slug:action>/", views.case_action, name="action"),
]
