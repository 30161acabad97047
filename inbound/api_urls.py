from django.urls import path

from .api import InboundEmailView

urlpatterns = [
    path("inbound-email/", InboundEmailView.as_view(), name="api-inbound-email"),
]
