"""Rules of the self-assessment stage, as pure functions (no database).

* :func:`edit_decision`: may this change be accepted now? (the deadline, the sent state, the
  supplementary windows). Every save, upload and send calls it on the server.
* :func:`completeness`: what the approver must fix before sending, and what only deserves a warning.
* :func:`cites_evidence`: does an explanation cite Mục/Khoản/Điểm/Điều of the evidence (seed 000 §4c)?
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from config.dates import VIETNAM as LOCAL
from criteria.scoring import SURVEY

SCORE = "score"
EXPLANATION = "explanation"
EVIDENCE = "evidence"
SEND = "send"


def local(dt: datetime) -> str:
    """17:00 ngày 25/11/2024 — how deadlines are written in the documents."""
    dt = dt.astimezone(LOCAL)
    return f"{dt:%H:%M} ngày {dt:%d/%m/%Y}"


@dataclass(frozen=True)
class WindowSpan:
    opens_at: datetime
    closes_at: datetime
    node_codes: frozenset[str]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    message: str = ""
    in_window: bool = False


def edit_decision(
    *,
    now: datetime,
    opens_at: datetime,
    closes_at: datetime,
    status: str,
    what: str,
    node_code: str | None = None,
    windows: Iterable[WindowSpan] = (),
) -> Decision:
    """Whether a change of kind ``what`` (score, explanation, evidence, send) is accepted at ``now``.

    The window is half-open: accepted while ``opens_at ≤ now < closes_at``; at the close itself
    nothing is accepted. After the close, or once sent, only an open supplementary window naming the
    criterion lets the unit add evidence and explanation; its self-score stays as sent.
    """
    for window in windows:
        if node_code in window.node_codes and window.opens_at <= now < window.closes_at:
            if what in (EXPLANATION, EVIDENCE):
                return Decision(True, in_window=True)
            if what == SCORE:
                return Decision(False, "Trong đợt bổ sung chỉ được bổ sung tài liệu kiểm chứng và giải trình; "
                                       "điểm tự chấm giữ nguyên như đã gửi.", in_window=True)
    if status == "sent":
        return Decision(False, "Báo cáo đã được gửi đi nên không thể thay đổi.")
    if status == "locked" or now >= closes_at:
        return Decision(False, f"Đã hết hạn gửi báo cáo lúc {local(closes_at)}; hệ thống không nhận thay đổi.")
    if now < opens_at:
        return Decision(False, f"Kỳ đánh giá chưa mở: nhận báo cáo từ {local(opens_at)}.")
    return Decision(True)


CITATION = re.compile(r"\b(mục|khoản|điểm|điều|phụ lục|trang)\s*[0-9IVXLivxl]", re.IGNORECASE)


def cites_evidence(explanation: str) -> bool:
    """True when the explanation points into its evidence ("tại Mục 2, Khoản 1 …")."""
    return bool(CITATION.search(explanation or ""))


@dataclass(frozen=True)
class LeafState:
    code: str
    rule_kind: str
    scored: bool
    evidence_count: int
    explanation: str
    suffix_numbers: tuple[str, ...] = ()
    duplicate_numbers: tuple[str, ...] = ()
    unsigned_files: int = 0


#: Điều 8.2.b, 9.4.đ: in a grading period a leaf needs both evidence and an explanation; in a PAR-index
#: period (seeds 001, 004) an explanation may stand in for missing evidence. Period setting ``support_rule``.
BOTH, EITHER = "both", "either"
SUPPORT_RULES = (BOTH, EITHER)


def support_missing(*, evidence_count: int, explanation: str, support_rule: str = BOTH) -> str:
    """What a leaf lacks to be appraised under ``support_rule``, in Vietnamese ("" when supported):
    "tài liệu kiểm chứng", "giải trình", or "tài liệu kiểm chứng và giải trình"."""
    if support_rule not in SUPPORT_RULES:
        raise ValueError(f"Điều kiện thẩm định “{support_rule}” không hợp lệ; chỉ nhận: {', '.join(SUPPORT_RULES)}.")
    has_evidence, has_explanation = evidence_count > 0, bool((explanation or "").strip())
    if support_rule == EITHER:
        return "" if has_evidence or has_explanation else "tài liệu kiểm chứng và giải trình"
    lacking = [what for what, present in (("tài liệu kiểm chứng", has_evidence), ("giải trình", has_explanation))
               if not present]
    return " và ".join(lacking)


@dataclass
class Completeness:
    leaves: int = 0
    scorable: int = 0
    scored: int = 0
    documented: int = 0
    missing_score: list[str] = field(default_factory=list)
    missing_support: list[str] = field(default_factory=list)
    support_lacks: dict[str, str] = field(default_factory=dict)  # leaf code → what it lacks
    support_rule: str = BOTH
    suffix_numbers: list[tuple[str, str]] = field(default_factory=list)
    duplicate_numbers: list[tuple[str, str]] = field(default_factory=list)
    unsigned: list[str] = field(default_factory=list)
    no_citation: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[str]:
        """Problems that prevent sending, in Vietnamese."""
        problems = []
        if self.missing_score:
            problems.append(f"Chưa chấm điểm {len(self.missing_score)} tiêu chí: {', '.join(self.missing_score)}.")
        if self.missing_support and self.support_rule == EITHER:
            problems.append(f"{len(self.missing_support)} tiêu chí chưa có tài liệu kiểm chứng hoặc giải trình: "
                            f"{', '.join(self.missing_support)}.")
        elif self.missing_support:
            details = ", ".join(f"{code} (thiếu {self.support_lacks[code]})" for code in self.missing_support)
            problems.append(f"{len(self.missing_support)} tiêu chí chưa có đủ tài liệu kiểm chứng và giải trình "
                            f"(Điều 8.2.b): {details}.")
        return problems

    @property
    def warnings(self) -> list[str]:
        out = [f"Tiêu chí {code}: số văn bản “{number}” có chữ cái kèm theo số, Hội đồng sẽ chấm 0 điểm."
               for code, number in self.suffix_numbers]
        out += [f"Tiêu chí {code}: số văn bản “{number}” được dùng nhiều lần trong báo cáo."
                for code, number in self.duplicate_numbers]
        if self.unsigned:
            out.append(f"{len(self.unsigned)} tiêu chí có tệp PDF không có chữ ký số hoặc bị sửa sau khi ký "
                       f"(không đạt điểm tối đa): {', '.join(self.unsigned)}.")
        if self.no_citation:
            out.append(f"Giải trình của {len(self.no_citation)} tiêu chí chưa nêu rõ Mục, Khoản, Điểm của tài liệu "
                       f"kiểm chứng: {', '.join(self.no_citation)}.")
        return out


def completeness(leaves: Iterable[LeafState], *, citation_warning: bool = True,
                 support_rule: str = BOTH) -> Completeness:
    """Survey criteria (section I) are scored by leaders later: neither score nor support is asked for.
    Every other leaf needs a score and the support ``support_rule`` asks (:func:`support_missing`)."""
    report = Completeness(support_rule=support_rule)
    for leaf in leaves:
        report.leaves += 1
        if leaf.rule_kind == SURVEY:
            continue
        report.scorable += 1
        if leaf.scored:
            report.scored += 1
        else:
            report.missing_score.append(leaf.code)
        lacks = support_missing(evidence_count=leaf.evidence_count, explanation=leaf.explanation,
                                support_rule=support_rule)
        if not lacks:
            report.documented += 1
        else:
            report.missing_support.append(leaf.code)
            report.support_lacks[leaf.code] = lacks
        report.suffix_numbers += [(leaf.code, n) for n in leaf.suffix_numbers]
        report.duplicate_numbers += [(leaf.code, n) for n in leaf.duplicate_numbers]
        if leaf.unsigned_files:
            report.unsigned.append(leaf.code)
        if citation_warning and leaf.explanation.strip() and leaf.evidence_count and not cites_evidence(
            leaf.explanation
        ):
            report.no_citation.append(leaf.code)
    return report


def block_deadline_problem(deadline: datetime | None, *, opens_at: datetime, closes_at: datetime) -> str:
    """Why a block's own deadline cannot stand (empty: it can, or there is none): seed 004 gives blocks of
    one period their own deadlines (communes 05/12, departments 15/12), each within the period's window,
    so the period's deadline stays the last one and closing the round still waits for every block."""
    if deadline is None:
        return ""
    if deadline <= opens_at:
        return f"Hạn gửi riêng ({local(deadline)}) phải sau thời điểm mở nhận báo cáo ({local(opens_at)})."
    if deadline > closes_at:
        return f"Hạn gửi riêng ({local(deadline)}) không được muộn hơn hạn gửi của kỳ ({local(closes_at)})."
    return ""
