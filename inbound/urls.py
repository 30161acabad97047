from django.urls import path

from . import views

app_name = "inbound"

urlpatterns = [
    path("triage/", views.triage_list, name="triage"),
    path("triage/<int:pk>/", views.triage_detail, name="triage_detail"),
]
