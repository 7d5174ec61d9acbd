from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

TWO_FACTOR_PREFIX = "/xac-thuc-2-buoc/"


class ForcePasswordChangeMiddleware:
    """An account flagged ``must_change_password`` (every new account) may only change its password
    or log out until it has done so, and pass the two-factor step first when it must use one (the
    password-change page itself stays behind ``OtpRequiredMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = {reverse("password_change"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(("/static/", TWO_FACTOR_PREFIX)):
                return redirect(f"{reverse('password_change')}?buoc=dau-tien")
        return self.get_response(request)


def otp_required_for(user) -> bool:
    """Accounts that decide or see everything sign in with a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    from submissions.models import Role

    return Role.objects.filter(user=user, kind__in=[Role.SECRETARIAT, Role.COUNCIL, Role.CHAIR,
                                                    Role.CHAIRMAN]).exists()


class OtpRequiredMiddleware:
    """With OTP_REQUIRED, those accounts reach nothing but the two-factor pages, logout and the public
    pages until verified. Not the password-change page either: with the password alone nobody may set a
    new one for an account that signs in with a second factor (issue 15.3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        user = getattr(request, "user", None)
        if (settings.OTP_REQUIRED and user is not None and user.is_authenticated and not user.is_verified()
                and not request.path.startswith(("/static/", TWO_FACTOR_PREFIX, "/dang-xuat/", "/cong-khai/"))
                and otp_required_for(user)):
            return redirect(f"{reverse('otp_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _client_ip(request) -> str | None:
    """The client's address as login throttling reads it (behind the proxy: from X-Forwarded-For, see settings)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


class RefusedAccessLogMiddleware:
    """Every refused access (403, and 404 on a logged-in request) is recorded with user, path, IP and
    time, and visible to admins ("Truy cập bị từ chối")."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404) and not request.path.startswith("/static/"):
            user = getattr(request, "user", None)
            if response.status_code == 403 or (user is not None and user.is_authenticated):
                try:
                    from submissions.models import RefusedAccess

                    RefusedAccess.objects.create(
                        user=user if user is not None and user.is_authenticated else None,
                        path=request.path[:500], method=request.method[:8], status=response.status_code,
                        ip=_client_ip(request),
                    )
                except Exception:  # logging must never turn a refusal into an error page
                    import logging

                    logging.getLogger(__name__).exception("refused access not recorded")
        return response


class ControlCharactersMiddleware:
    """Issue #15 item 7: a NUL byte in a query parameter or a form field is never something a person
    typed; PostgreSQL refuses it in any text column ("A string literal cannot contain NUL"), which used
    to end in HTTP 500 on six text fields and on ``?code=``. Such a request is refused with 400 and a
    Vietnamese message before any view reads it, so nothing is changed."""

    MESSAGE = ("Dữ liệu gửi lên có ký tự điều khiển không hợp lệ (NUL), thường do dán từ một tệp hỏng. "
               "Hãy xóa ký tự đó rồi gửi lại; không có gì được lưu.")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request.GET) or (request.method == "POST" and self._has_nul(request.POST)):
            from django.http import HttpResponseBadRequest
            from django.utils.html import escape

            return HttpResponseBadRequest(f"<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">"
                                          f"<title>Dữ liệu không hợp lệ</title><p>{escape(self.MESSAGE)}</p>",
                                          content_type="text/html; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(data) -> bool:
        return any("\x00" in key or any("\x00" in value for value in data.getlist(key)) for key in data)


class NoStoreMiddleware:
    """Issue #15 item 8: nothing a signed-in person sees, and no download (evidence, PDFs, workbooks), is
    kept by the browser's cache, a shared proxy or the back button of a shared computer:
    ``Cache-Control: no-store, private``. Static files and the public results an anonymous visitor sees stay
    cacheable. A public page seen while signed in carries the person's name in the menu, so it is not stored
    either."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        user = getattr(request, "user", None)
        download = response.get("Content-Disposition", "").startswith(("attachment", "inline"))
        if download or (user is not None and user.is_authenticated):
            from django.utils.cache import patch_cache_control

            patch_cache_control(response, no_store=True, private=True)  # drops a "public" a view set
        return response
