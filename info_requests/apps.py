from django.apps import AppConfig


class InfoRequestsConfig(AppConfig):
    name = "info_requests"
    verbose_name = "Members' information requests"
