from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "clocks"
    verbose_name = "Clocks and deadlines"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the recompute receivers)
