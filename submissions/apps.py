from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = "Tài khoản, đơn vị và tự chấm điểm"

    def ready(self) -> None:
        from . import states  # noqa: F401  (registers its transition table)
