"""/variants/: council admins configure their protocol routes (issue #12)."""

from django.urls import path

from contacts import wizard_views

from . import variant_views as views

app_name = "variants"

variant = "<slug:slug>/<int:pk>/"
step = variant + "steps/<int:step_pk>/"

urlpatterns = [
    path("", views.index, name="index"),
    # Before <slug:slug>/: "new-council" is a reserved slug (contacts.council_wizard).
    path("new-council/", wizard_views.start, name="wizard_start"),
    path("new-council/check/", wizard_views.check, name="wizard_check"),
    path("new-council/<slug:page>/", wizard_views.page, name="wizard_page"),
    path("<slug:slug>/", views.council_routes, name="council"),
    path("<slug:slug>/new/", views.start_draft, name="start"),
    path("<slug:slug>/export.yaml", views.export, name="export"),
    path("<slug:slug>/import/", views.import_config, name="import"),
    path(variant, views.variant_detail, name="variant"),
    path(variant + "details/", views.edit_details, name="details"),
    path(variant + "publish/", views.publish, name="publish"),
    path(variant + "discard/", views.discard, name="discard"),
    path(variant + "preview/", views.preview, name="preview"),
    path(variant + "diff/", views.diff, name="diff"),
    path(variant + "steps/new/", views.add_step, name="add_step"),
    path(step, views.edit_step, name="edit_step"),
    path(step + "move/", views.move_step, name="move_step"),
    path(step + "remove/", views.remove_step, name="remove_step"),
    path(step + "clocks/new/", views.add_clock, name="add_clock"),
    path(step + "clocks/<int:clock_pk>/", views.edit_clock, name="edit_clock"),
    path(step + "clocks/<int:clock_pk>/remove/", views.remove_clock, name="remove_clock"),
]
