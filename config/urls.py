from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import two_factor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("nhac-han/", views.remind, name="home_remind"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("doi-mat-khau/", views.PasswordChangeView.as_view(), name="password_change"),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("tieu-chi/", include("criteria.urls")),
    path("don-vi/", include("submissions.urls")),
    path("tham-dinh/", include("appraisal.urls")),
    path("", include("ranking.urls")),
    path("xac-thuc-2-buoc/", two_factor.verify, name="otp_verify"),
    path("xac-thuc-2-buoc/dang-ky/", two_factor.setup, name="otp_setup"),
    path("healthz", views.healthz, name="healthz"),
    path("quan-tri/", admin.site.urls),
]

if settings.OIDC_ENABLED:  # the SSO routes exist only when SSO is configured (issue 15.8)
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
