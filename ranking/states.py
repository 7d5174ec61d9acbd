"""The one-way steps of a block's ranking (RankingVersion) and of a heavy report (ReportJob).
``docs/process.md`` lists the prerequisites of each step.

A version: (not computed) → draft (computed by the secretariat; recomputed and tie-ordered by the chair
as often as needed) → submitted → published (approved by the chairman with a decision) → revoked
(Điều 10.4). Revoking creates the next version straight from "not computed": published at once under the
revoking decision when no other unit's rank or grade changes, submitted to the chairman with the
differences when one does, or a draft when a new tie needs the chair."""

from __future__ import annotations

from submissions.permissions import is_secretariat
from submissions.transitions import CHAIR, CHAIRMAN, SECRETARIAT, SYSTEM, Action, Table

from .models import RankingVersion, ReportJob
from .permissions import is_chair, is_chairman

V = RankingVersion.Status

VERSION = Table("ranking_version", dict(V.choices), [
    Action("compute", "tính kết quả xếp loại", (V.NEW, V.DRAFT), V.DRAFT, frozenset({SECRETARIAT})),
    Action("chair_order", "quyết định thứ tự các đơn vị bằng điểm", (V.DRAFT,), V.DRAFT, frozenset({CHAIR})),
    Action("submit", "trình Chủ tịch UBND phê duyệt", (V.DRAFT,), V.SUBMITTED, frozenset({SECRETARIAT})),
    Action("return", "trả lại dự thảo để tính lại", (V.SUBMITTED,), V.DRAFT, frozenset({CHAIRMAN})),
    Action("approve", "phê duyệt và công bố kết quả", (V.SUBMITTED,), V.PUBLISHED, frozenset({CHAIRMAN})),
    Action("revoke", "hủy bỏ kết quả đã công bố", (V.PUBLISHED,), V.REVOKED, frozenset({CHAIRMAN})),
    Action("rerank_publish", "công bố kết quả xếp loại lại", (V.NEW,), V.PUBLISHED, frozenset({CHAIRMAN})),
    Action("rerank_submit", "trình kết quả xếp loại lại", (V.NEW,), V.SUBMITTED, frozenset({CHAIRMAN})),
    Action("rerank_draft", "lập dự thảo xếp loại lại", (V.NEW,), V.DRAFT, frozenset({CHAIRMAN})),
], model=RankingVersion)

J = ReportJob.Status

REPORT_JOB = Table("report_job", dict(J.choices), [
    # A retry (the broker redelivers, or an OSError is retried) starts again from running or failed.
    Action("start", "bắt đầu tạo báo cáo", (J.QUEUED, J.RUNNING, J.FAILED), J.RUNNING, frozenset({SYSTEM})),
    Action("finish", "hoàn thành báo cáo", (J.RUNNING,), J.DONE, frozenset({SYSTEM})),
    Action("fail", "ghi lỗi tạo báo cáo", (J.QUEUED, J.RUNNING), J.FAILED, frozenset({SYSTEM})),
], model=ReportJob)


def version_roles(user, period) -> set[str]:
    roles = set()
    if is_secretariat(user, period.authority_id):
        roles.add(SECRETARIAT)
    if is_chair(user, period):
        roles.add(CHAIR)
    if is_chairman(user, period):
        roles.add(CHAIRMAN)
    return roles
