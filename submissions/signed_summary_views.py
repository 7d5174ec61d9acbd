"""Views of the signed summary table (``submissions.signed_summary``): the approver uploads the signed PDF; the
unit's accounts, the secretariat and the period's council download it. The PDF to sign is the score sheet
(``submissions:print_pdf``), which carries the fingerprint."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from config.responses import evidence_response

from . import services
from .permissions import get_submission_for_user
from .signed_summary import get_signed_summary_for_user


@login_required
@require_POST
def signed_summary_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The approver only (403 for the unit's officers and the secretariat, 404 for anyone else)."""
    submission, _ = get_submission_for_user(request.user, pk, send=True)
    upload = request.FILES.get("signed_summary")
    try:
        if upload is None:
            raise ValidationError("Hãy chọn tệp Bảng tổng hợp đã ký số (PDF).")
        if upload.size > services.settings.EVIDENCE_MAX_BYTES:
            limit = services.settings.EVIDENCE_MAX_BYTES // (1024 * 1024)
            raise ValidationError(f"Tệp “{upload.name}” lớn hơn giới hạn {limit} MB.")
        summary = services.signed_summary_upload(submission=submission, actor=request.user,
                                                 upload=services.Upload(name=upload.name, data=upload.read()))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Đã tải lên Bảng tổng hợp đã ký số “{summary.original_name}” "
                                  f"(người ký: {summary.signer_name or 'không rõ'}); khớp với báo cáo hiện tại.")
    return redirect(reverse("submissions:review", args=[pk]) + "#bang-tong-hop-ky-so")


@login_required
@require_GET
def signed_summary_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Always a download, never sniffed (like evidence)."""
    return evidence_response(get_signed_summary_for_user(request.user, pk))
