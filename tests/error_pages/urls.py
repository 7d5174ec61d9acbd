"""Views that fail on purpose, for the error pages' tests (tests/test_error_pages.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("hỏng")


def broken(request):
    raise RuntimeError("lỗi thử")


urlpatterns = [
    path("cam/", forbidden),
    path("hong/", suspicious),
    path("loi/", broken),
    path("", include("config.urls")),
]
