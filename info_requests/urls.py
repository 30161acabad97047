from django.urls import path

app_name = "info_requests"

urlpatterns: list = []
