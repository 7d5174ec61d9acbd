"""The words about a document's digital signature (chữ ký số), defined once for every stage (issue #16 item 1):
the statuses an uploaded file's check gives (``submissions.signatures``), stored on ``Evidence``, read by the
council's rules (``appraisal.rules``: unsigned evidence does not earn the maximum) and shown as badges."""

from __future__ import annotations

PENDING, SIGNED_VALID, SIGNED_UNTRUSTED = "pending", "signed_valid", "signed_untrusted"
MODIFIED, UNSIGNED, UNREADABLE, NOT_PDF = "modified", "unsigned", "unreadable", "not_pdf"
SIGNATURE_LABELS = {
    PENDING: "Đang kiểm tra chữ ký số",
    SIGNED_VALID: "Đã ký số, còn nguyên vẹn",
    SIGNED_UNTRUSTED: "Đã ký số, chưa xác minh chứng thư gốc",
    MODIFIED: "Đã ký số nhưng bị sửa sau khi ký",
    UNSIGNED: "Không có chữ ký số",
    UNREADABLE: "Không đọc được tệp",
    NOT_PDF: "Không phải PDF",
}
SIGNATURE_CHOICES = list(SIGNATURE_LABELS.items())
#: What the check of a PDF reports (``submissions.signatures.check_pdf_signatures``), best first.
CHECKED = (SIGNED_VALID, SIGNED_UNTRUSTED, MODIFIED, UNSIGNED, UNREADABLE)
#: A document that carries no intact signature: a scan, or signed then changed.
NOT_SIGNED = (UNSIGNED, MODIFIED)
_BADGES = {SIGNED_VALID: "text-bg-success", SIGNED_UNTRUSTED: "text-bg-info", PENDING: "text-bg-light border",
           NOT_PDF: "text-bg-light border"}


def badge_class(status: str) -> str:
    """The Bootstrap badge of a status: green when signed and intact, red when it is not signed or unreadable."""
    return _BADGES.get(status, "text-bg-danger")
