"""criteria.evidence: the signature words every stage reads (issue #16 item 1)."""

from criteria import evidence
from submissions.models import Evidence


def test_every_status_has_one_label_and_one_badge():
    assert [code for code, _ in Evidence.SIGNATURE_STATUSES] == list(evidence.SIGNATURE_LABELS)
    assert set(evidence.CHECKED) | {evidence.PENDING, evidence.NOT_PDF} == set(evidence.SIGNATURE_LABELS)
    assert evidence.badge_class(evidence.SIGNED_VALID) == "text-bg-success"
    assert evidence.badge_class(evidence.SIGNED_UNTRUSTED) == "text-bg-info"
    assert {evidence.badge_class(s) for s in (evidence.PENDING, evidence.NOT_PDF)} == {"text-bg-light border"}
    assert {evidence.badge_class(s) for s in (*evidence.NOT_SIGNED, evidence.UNREADABLE)} == {"text-bg-danger"}
