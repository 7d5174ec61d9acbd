from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from submissions.services import user_password_changed


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which also clears the first-login flag."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.must_change_password:
            user_password_changed(user=self.request.user)
        messages.success(self.request, "Đã đổi mật khẩu.")
        return response
