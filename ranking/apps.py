from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "ranking"
    verbose_name = "Xếp loại và công bố"

    def ready(self) -> None:
        from . import states  # noqa: F401  (registers its transition table)
