"""The one-way steps of a unit's sheet (Submission): draft → sent, sent → draft (withdrawn before the
deadline and before any appraisal), draft → locked at the deadline. ``docs/process.md`` lists the
prerequisites of each step."""

from __future__ import annotations

from .models import Submission
from .transitions import APPROVER, MEMBER, SYSTEM, Action, Table

S = Submission.Status

SUBMISSION = Table("submission", dict(S.choices), [
    Action("send", "gửi báo cáo", (S.DRAFT,), S.SENT, frozenset({APPROVER})),
    Action("withdraw", "rút báo cáo lại để sửa", (S.SENT,), S.DRAFT, frozenset({APPROVER})),
    Action("lock", "khóa báo cáo khi hết hạn", (S.DRAFT,), S.LOCKED, frozenset({SYSTEM})),
    # A paper dossier received on time, entered by the appraisal team (appraisal.paper, seed 004 §2.2).
    Action("paper_send", "nhận hồ sơ giấy", (S.DRAFT, S.LOCKED), S.SENT, frozenset({MEMBER})),
], model=Submission)


def submission_roles(access) -> set[str]:
    """The roles a person holds on one sheet, from its ``permissions.Access``."""
    return {APPROVER} if access.approver else set()
