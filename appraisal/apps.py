from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "appraisal"
    verbose_name = "Thẩm định"

    def ready(self) -> None:
        from . import signals, states  # noqa: F401  (states registers its transition table)
