from django.urls import path

from . import views

app_name = "clocks"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("acknowledgements/<int:pk>/", views.acknowledgement, name="acknowledgement"),
    path("<int:pk>/holding-reply/", views.holding_reply, name="holding_reply"),
]
