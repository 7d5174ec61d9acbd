from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = "Tài khoản, đơn vị và tự chấm điểm"
