from django.urls import path

from . import views

app_name = "info_requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<str:reference>/", views.request_detail, name="detail"),
    path("<str:reference>/items/new/", views.add_item, name="add_item"),
    path("<str:reference>/letters/<slug:kind>/", views.letter, name="letter"),
    path("<str:reference>/letters/<slug:kind>.pdf", views.letter_pdf, name="letter_pdf"),
    path("<str:reference>/<slug:action>/", views.request_action, name="action"),
]
