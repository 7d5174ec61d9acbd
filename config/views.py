from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from submissions.permissions import secretariat_authority_ids
from submissions.services import reminders_send_chosen, user_password_changed

from .home import home_tasks
from .ids import db_ids


def _home(request: HttpRequest, *, chosen: set[int] = frozenset(), error: str = "", status: int = 200
          ) -> HttpResponse:
    return render(request, "home.html", {**home_tasks(request.user), "chosen": chosen, "remind_error": error},
                  status=status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What waits for the person, per role they hold (``config.home``)."""
    return _home(request)


@login_required
@require_POST
def remind(request: HttpRequest) -> HttpResponse:
    """The secretariat e-mails a reminder to the chosen units in one action, after confirming; a refusal
    re-renders the home page with the units still ticked and sends nothing."""
    if not secretariat_authority_ids(request.user):
        raise PermissionDenied("Chức năng này dành cho cơ quan thường trực (Sở Nội vụ, Phòng Nội vụ).")
    values = request.POST.getlist("submission")
    ids = db_ids(values)
    if len(ids) != len(values):  # "²", "-1" or 40 digits name no sheet
        return _home(request, error="Danh sách đơn vị được chọn không hợp lệ.", status=400)
    chosen = set(ids)
    if not request.POST.get("confirm"):
        return _home(request, chosen=chosen, status=400,
                     error="Hãy đánh dấu ô xác nhận trước khi gửi thư nhắc; chưa gửi thư nào.")
    try:
        result = reminders_send_chosen(actor=request.user, submission_ids=sorted(chosen))
    except ValidationError as exc:
        status = 403 if exc.code == "outside" else 400
        return _home(request, chosen=chosen, error=" ".join(exc.messages), status=status)
    if result.sent:
        messages.success(request, f"Đã gửi thư nhắc đến {len(result.sent)} đơn vị.")
    if result.without_address:
        messages.warning(request, "Chưa gửi được thư nhắc đến "
                         f"{len(result.without_address)} đơn vị (không có địa chỉ thư điện tử hoặc máy chủ thư "
                         "không nhận): " + ", ".join(str(u) for u in result.without_address) + ".")
    return redirect("home")


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
