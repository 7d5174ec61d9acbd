"""Two-factor login pages: enrol an authenticator app (TOTP, QR code) with one-time backup codes, and
verify a code after the password. Built on django-otp."""

from __future__ import annotations

import base64
import secrets

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login: a code from the app, or one backup code (used once)."""
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"/xac-thuc-2-buoc/dang-ky/?next={_next(request)}")
    if request.method == "POST":
        device = match_token(request.user, request.POST.get("token", "").replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        messages.error(request, "Mã xác thực không đúng hoặc đã hết hạn.")
    return render(request, "registration/otp_verify.html", {"next": _next(request)})


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, type a code; then the backup codes are shown once."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"/xac-thuc-2-buoc/?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
        user=request.user, name="Ứng dụng xác thực", confirmed=False)
    backup_codes: list[str] = []
    if request.method == "POST":
        token = request.POST.get("token", "").replace(" ", "")
        if token.isdigit() and device.verify_token(token):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                static, _ = StaticDevice.objects.get_or_create(user=request.user, name="Mã dự phòng")
                static.token_set.all().delete()
                backup_codes = [secrets.token_hex(4) for _ in range(10)]
                StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in backup_codes])
            otp_login(request, device)
            return render(request, "registration/otp_backup_codes.html", {"codes": backup_codes,
                                                                           "next": _next(request)})
        messages.error(request, "Mã xác thực không đúng; hãy kiểm tra giờ trên điện thoại và thử lại.")
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4)
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "registration/otp_setup.html", {"qr": qr, "secret": secret, "next": _next(request)})
