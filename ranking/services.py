"""Writes of the ranking stage: facts, computing a block's ranking from the appraised scores, the chair's
order of ties, submission, approval and publication, and revocation (Điều 10.4) into a new version."""

from __future__ import annotations

import gc
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from appraisal.models import AppraisalRound
from appraisal.selectors import appraised_results, unappraised_leaves
from criteria.models import Node
from criteria.scoring import ScoringError, fmt, parse_decimal
from submissions.models import Block, Period, Submission, Unit
from submissions.period_settings import ranking_settings
from submissions.transitions import transition

from . import chair, rules
from .models import RankingVersion, UnitFacts
from .states import VERSION, version_roles

UNSENT_REASON = "Không gửi báo cáo đúng hạn: không được thẩm định, tổng điểm 0."


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def period_settings(period: Period, block: Block) -> rules.RankingSettings:
    """The engine's settings from the period's readings of the regulation (docs/regulation.md) and the
    block's quota."""
    quotas = {block.code: block.excellent_quota} if block.excellent_quota is not None else {}
    return ranking_settings(period, quotas)


FACT_LABELS = {
    "discipline": "Kỷ luật tổ chức trực thuộc, lãnh đạo, cấp ủy viên",
    "corruption": "Tham nhũng, lãng phí, tiêu cực ở đơn vị trực thuộc",
    "subunits_disciplined_share": "Tỷ lệ đơn vị trực thuộc bị kỷ luật",
    "evidence": "Căn cứ",
}


def parse_share(raw) -> Decimal:
    """A share typed as a fraction ("0,25") or a percentage ("25%", "25 %", "12,5 %"): the fraction, 0 to 1.
    A bare number above 1 ("25") is refused: it is not clear whether it means 25 % or 25 units."""
    text = str(raw if raw is not None else "").strip().replace("\u00a0", " ")
    label = FACT_LABELS["subunits_disciplined_share"]
    percent = text.endswith("%")
    try:
        value = parse_decimal(text.rstrip("%").strip() if percent else text or "0", field_label=label)
    except ScoringError as exc:
        raise ValidationError({"subunits_disciplined_share": str(exc)}) from None
    if percent:
        value = value / 100
    if not Decimal(0) <= value <= 1:
        raise ValidationError({"subunits_disciplined_share": f"{label} phải từ 0 đến 1 (ví dụ 0,25) hoặc từ 0 % đến "
                                                             f"100 % (ví dụ 25 %); đang là “{text}”."})
    if value != value.quantize(Decimal("0.0001")):
        raise ValidationError({"subunits_disciplined_share": f"{label} chỉ ghi đến 0,01 % (4 chữ số thập phân của "
                                                             f"tỷ lệ); đang là “{text}”."})
    return value


@transaction.atomic
def facts_save(*, period: Period, unit: Unit, actor, outstanding: bool, discipline: str, corruption: str,
               disunity: bool, subunits_disciplined_share, evidence: str, official_prosecuted: bool = False
               ) -> UnitFacts:
    """The secretariat records a unit's facts with the documents that prove them. Refusals are by field
    (ValidationError with a dict), so the form marks only the wrong field and keeps what was typed."""
    if unit.authority_id != period.authority_id:
        raise ValidationError("Đơn vị không thuộc cơ quan của kỳ đánh giá.")
    valid = {code for code, _ in UnitFacts._meta.get_field("discipline").choices}
    errors = {name: f"{FACT_LABELS[name]}: giá trị “{value}” không hợp lệ."
              for name, value in (("discipline", discipline), ("corruption", corruption)) if value not in valid}
    if errors:
        raise ValidationError(errors)
    share = parse_share(subunits_disciplined_share)
    for name, problem in rules.fact_contradictions(discipline, share):
        errors[name] = f"{problem[0].upper()}{problem[1:]} Hãy sửa một trong hai."
    if errors:
        raise ValidationError(errors)
    if (outstanding or discipline != "none" or corruption != "none" or disunity or share or official_prosecuted) \
            and not evidence.strip():
        raise ValidationError({"evidence": "Hãy ghi căn cứ (số, ngày văn bản) cho thông tin đã nhập."})
    facts, _ = UnitFacts.objects.select_for_update().get_or_create(period=period, unit=unit)
    facts.outstanding, facts.discipline, facts.corruption = outstanding, discipline, corruption
    facts.disunity, facts.official_prosecuted = disunity, official_prosecuted
    facts.subunits_disciplined_share, facts.evidence, facts.updated_by = share, evidence.strip(), actor
    facts._history_user = actor
    facts.save()
    return facts


# --------------------------------------------------------------------------- computing


def _previous(period: Period, block: Block) -> dict[str, dict]:
    """Published results of the same block code in the previous year's period of this authority."""
    previous_period = (Period.objects.filter(authority=period.authority, kind=period.kind, year=period.year - 1)
                       .order_by("-closes_at").first())
    if previous_period is None:
        return {}
    version = (RankingVersion.objects.filter(period=previous_period, block__code=block.code,
                                             status=RankingVersion.PUBLISHED).order_by("-number").first())
    if version is None:
        return {}
    return {u["id"]: {"rank": u["rank"], "total": u["total"], "grade": u.get("grade")}
            for u in version.snapshot.get("units", [])}


def build_units(period: Period, block: Block, settings: rules.RankingSettings) -> tuple[list[rules.Unit], dict]:
    """The rules' input for every unit of the block: appraised totals, the quality level of every criterion
    below Xuất sắc (derived, or the appraiser's override), the number of ND2 criteria, and the facts.

    After the appraisal round closes the numbers come from the frozen AppraisedResult (one row per unit);
    a unit without one, or frozen with other thresholds than the period's now, is computed from its scores."""
    rows = list(Submission.objects.filter(period=period, unit__block=block).values_list(
        "pk", "unit_id", "unit__code", "unit__name", "framework_id", "proposed_grade", "status",
        "framework__total_points", "appraised_result__total", "appraised_result__below",
        "appraised_result__thresholds"))
    thresholds = settings.level_thresholds
    current = {",".join(str(t) for t in thresholds)}
    frozen: dict[int, tuple[Decimal, list[str]]] = {}
    for pk, *_, total, below, used in rows:
        if total is not None and (used in current or tuple(Decimal(t) for t in used.split(",")) == thresholds):
            current.add(used)
            frozen[pk] = (total, below.split(",") if below else [])
    unappraised = set() if Submission.LOCKED in period.appraisable_statuses else {Submission.LOCKED,
                                                                                Submission.DRAFT}
    unfrozen = [row[0] for row in rows if row[0] not in frozen]
    _refuse_incomplete([row for row in rows if row[0] in set(unfrozen) and row[6] not in unappraised])
    live = {pk: (total, [f"{cid}:{level}" for cid, level in below]) for pk, (total, below) in appraised_results(
        unfrozen, thresholds).items()}
    criteria = {pk: (code, group, framework_id) for pk, criterion_id, code, group, framework_id in Node.objects.filter(
        framework_id__in={row[4] for row in rows}).values_list("pk", "criterion_id", "code", "group", "framework_id")
        if criterion_id == pk}
    results_total: dict[int, int] = defaultdict(int)
    for _code, group, framework_id in criteria.values():
        if group == settings.results_group:
            results_total[framework_id] += 1
    shared: dict[str, rules.Criterion] = {}  # "node:level" → one object shared by thousands of units

    def criterion(token: str) -> rules.Criterion:
        node, level = token.split(":")
        code, group, _ = criteria[int(node)]
        found = shared[token] = rules.Criterion(code=code, group=group, level=level)
        return found

    facts = {f.unit_id: f for f in UnitFacts.objects.filter(period=period, unit__block=block)}
    no_facts = UnitFacts(discipline=rules.NONE, corruption=rules.NONE, subunits_disciplined_share=Decimal(0))
    units, display = [], {}
    for pk, unit_id, code, name, framework_id, proposed, status, framework_total, *_ in rows:
        total, below = frozen.get(pk) or live[pk]
        if status in unappraised:  # not sent by the deadline: not appraised, ranks with total 0
            total, below = Decimal(0), []
        unit_facts = facts.get(unit_id, no_facts)
        units.append(rules.Unit(
            id=code, block=block.code, total=total, outstanding=unit_facts.outstanding,
            discipline=unit_facts.discipline, corruption=unit_facts.corruption, disunity=unit_facts.disunity,
            subunits_disciplined_share=Decimal(unit_facts.subunits_disciplined_share),
            official_prosecuted=unit_facts.official_prosecuted, max_total=framework_total,
            criteria=tuple([shared.get(token) or criterion(token) for token in below]),
            results_criteria_total=results_total[framework_id],
        ))
        display[code] = {"name": name, "unit_id": unit_id, "submission_id": pk, "proposed_grade": proposed,
                         "status": status}
    return units, display


def _refuse_incomplete(rows) -> None:
    """An appraised sheet with a leaf that has no appraised score (section I without its leaders' forms, a
    criterion never appraised) is refused rather than guessed: a missing row and an empty one would
    otherwise rank differently (Xuất sắc by absence, Kém by a zero). Frozen results were complete at close."""
    missing = unappraised_leaves([row[0] for row in rows])
    if not missing:
        return
    names = {row[0]: row[3] for row in rows}
    lines = [f"{names[sid]}: {', '.join(codes[:12])}{' …' if len(codes) > 12 else ''} ({len(codes)} tiêu chí)"
             for sid, codes in sorted(missing.items(), key=lambda item: names[item[0]])]
    shown = "; ".join(lines[:20]) + (f"; và {len(lines) - 20} đơn vị khác" if len(lines) > 20 else "")
    raise ValidationError(f"Chưa xếp hạng được: đơn vị có tiêu chí chưa có điểm thẩm định (Mục I cần phiếu đánh giá "
                          f"của Lãnh đạo hoặc phiếu tổng hợp) — {shown}.")


@contextmanager
def _allocation_heavy():
    """Ranking a block allocates a few hundred thousand small objects, none of them cyclic garbage; the
    cyclic collector would walk the growing heap again and again (a third of the time at 10 000 units)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def snapshot(period: Period, block: Block, orders: list[list[str]] | None = None) -> dict:
    with _allocation_heavy():
        return _snapshot(period, block, orders)


def _snapshot(period: Period, block: Block, orders: list[list[str]] | None = None) -> dict:
    settings = period_settings(period, block)
    try:
        units, display = build_units(period, block, settings)
        if not units:
            raise ValidationError(f"{block} chưa có đơn vị nào có báo cáo trong kỳ.")
        ranking = rules.rank_units(units, settings)
    except rules.RankingError as exc:  # data the rules refuse (a total above the framework's): shown as is
        raise ValidationError(f"Chưa xếp hạng được: {exc}") from None
    if orders:
        ranking = chair.apply_chair_order(ranking, orders)
    previous = _previous(period, block)
    unsent_zero = Submission.LOCKED not in period.appraisable_statuses  # read once, not per unit
    rows = []
    for result in ranking.units:
        row = {
            "id": result.id, "rank": result.rank, "total": f"{result.total:.2f}",
            "total3": f"{result.tiebreak_total:.3f}", "qualified": result.qualified, "grade": result.grade,
            "tie": result.tie, "chair": result.chair, "reasons": list(result.reasons), **display[result.id],
        }
        if unsent_zero and display[result.id]["status"] != Submission.SENT:
            row["reasons"].insert(0, UNSENT_REASON)
        before = previous.get(result.id)
        if before:
            row["previous"] = before
            if result.grade == rules.KHTNV and before.get("grade") == rules.KHTNV:
                row["two_years_khtnv"] = True
                row["reasons"].append("Hai năm liên tiếp Không hoàn thành nhiệm vụ: xem xét xử lý trách nhiệm "
                                      "người đứng đầu (Điều 11.2.d).")
        rows.append(row)
    _codes_to_names(rows)
    summary = ranking.blocks[block.code]
    framework_ids = set(Submission.objects.filter(period=period, unit__block=block).values_list("framework_id",
                                                                                                flat=True))
    codes = [n.code for n in Node.objects.filter(framework_id__in=framework_ids).order_by("framework_id", "ordering")
             if n.criterion_id == n.id]
    return {
        "block": {"code": block.code, "name": block.name}, "rank_only": settings.rank_only,
        "summary": {k: v for k, v in asdict(summary).items()}, "criteria": codes, "units": rows,
        "ties": chair.tie_groups(ranking), "unresolved": chair.unresolved(ranking),
        "settings": {"excellent_share": str(settings.excellent_share), "quota": block.excellent_quota},
    }


def _round_closed_gap(period: Period) -> list[str]:
    if AppraisalRound.objects.filter(period=period, status=AppraisalRound.Status.CLOSED).exists():
        return []
    return ["Đợt thẩm định của kỳ chưa kết thúc: chỉ xếp loại trên điểm thẩm định đã chốt."]


def _latest(period: Period, block: Block) -> RankingVersion | None:
    return RankingVersion.objects.select_for_update().filter(period=period, block=block).order_by("-number").first()


_QUOTED = re.compile(r"“([^”]+)”")
_CHAIR_ORDER = re.compile(r"(quyết định thứ tự các đơn vị bằng điểm: )([^.]+)(\.)")


def _codes_to_names(rows: list[dict]) -> None:
    """The rules name units by code in quotes ("bằng điểm với “so-y-te”") and the chair's order as a list of
    codes; people read names. Linear in the text: each quoted code and each code of the chair's list is
    looked up (a block of 10 000 communes must not pay for a pattern of 10 000 alternatives)."""
    names = {row["id"]: row["name"] for row in rows}

    def quoted(match):
        return f"“{names.get(match.group(1), match.group(1))}”"

    def order(match):
        return match.group(1) + ", ".join(names.get(c, c) for c in match.group(2).split(", ")) + match.group(3)

    for row in rows:
        if row["reasons"]:
            row["reasons"] = [_CHAIR_ORDER.sub(order, _QUOTED.sub(quoted, r)) if ("“" in r or "thứ tự" in r) else r
                              for r in row["reasons"]]


@transaction.atomic
def ranking_compute(*, period: Period, block: Block, actor, now: datetime | None = None) -> RankingVersion:
    """(Re)compute the draft of a block from the frozen appraisal: only once the round is closed (the
    deadline passed and every criterion appraised). Refused while a version awaits approval or once
    published (then only revocation changes it)."""
    latest = _latest(period, block)
    if latest and latest.status == RankingVersion.DRAFT:
        version = latest
    else:
        version = RankingVersion(period=period, block=block, number=(latest.number + 1) if latest else 1,
                                 status=RankingVersion.NEW,
                                 replaces=latest if latest and latest.status == RankingVersion.REVOKED else None)
        if latest and latest.status in (RankingVersion.SUBMITTED, RankingVersion.PUBLISHED):
            version.status = latest.status  # the table refuses, naming the state
    missing = _round_closed_gap(period)
    if latest and latest.status == RankingVersion.PUBLISHED:
        missing = ["Kết quả của khối đã công bố; chỉ thay đổi được bằng hủy bỏ và xếp loại lại (Điều 10.4)."]
    elif latest and latest.status == RankingVersion.SUBMITTED:
        missing = ["Kết quả của khối đã trình, đang chờ Chủ tịch UBND phê duyệt."]
    if not missing:
        try:
            version.snapshot = snapshot(period, block, chair.as_orders(version.chair_order) or None)
        except ValidationError as exc:
            missing += exc.messages
    transition(VERSION, version, "compute", actor=actor, roles=version_roles(actor, period), missing=missing,
               at=_now(now))
    version.computed_at, version.computed_by = _now(now), actor
    version.save()
    return version


def _groups_by_name(snapshot_: dict) -> str:
    names = {u["id"]: u["name"] for u in snapshot_.get("units", [])}
    return "; ".join(", ".join(names.get(i, i) for i in group) for group in snapshot_.get("ties", []))


@transaction.atomic
def chair_decide(*, version: RankingVersion, orders: list[list[str]], note: str, actor,
                 now: datetime | None = None) -> RankingVersion:
    """The chair of the council orders the units tied at three decimals, with the basis of the decision."""
    version = RankingVersion.objects.select_for_update().select_related("period", "block").get(pk=version.pk)
    missing = []
    if not note.strip():
        missing.append("Hãy ghi căn cứ quyết định thứ tự các đơn vị bằng điểm.")
    new_snapshot = None
    try:
        chair.check_orders_shape(orders)
        if version.status == RankingVersion.DRAFT:
            new_snapshot = snapshot(version.period, version.block, orders)
    except rules.RankingError as exc:
        missing.append(str(exc))
    transition(VERSION, version, "chair_order", actor=actor, roles=version_roles(actor, version.period),
               missing=missing, note=note, at=_now(now))
    version.snapshot = new_snapshot
    version.chair_order, version.chair_note, version.chair_by = {"groups": orders}, note.strip(), actor
    version.save()
    return version


def submit_missing(version: RankingVersion) -> list[str]:
    """What stands between a draft and the chairman: the closed round, units, and every remaining tie."""
    missing = _round_closed_gap(version.period)
    if not version.snapshot.get("units"):
        missing.append("Dự thảo chưa có đơn vị nào.")
    names = {u["id"]: u["name"] for u in version.snapshot.get("units", [])}
    for group in chair.unordered_ties(version.snapshot.get("ties", []), chair.as_orders(version.chair_order)):
        missing.append("Các đơn vị bằng điểm đến 3 chữ số thập phân chưa được Chủ tịch Hội đồng thẩm định quyết "
                       f"định thứ tự (Điều 6.4.c): {', '.join(names.get(i, i) for i in group)}.")
    return missing


@transaction.atomic
def ranking_submit(*, version: RankingVersion, actor, now: datetime | None = None) -> RankingVersion:
    version = RankingVersion.objects.select_for_update().select_related("period").get(pk=version.pk)
    transition(VERSION, version, "submit", actor=actor, roles=version_roles(actor, version.period),
               missing=submit_missing(version) if version.status == RankingVersion.DRAFT else [], at=_now(now))
    version.submitted_at, version.submitted_by = _now(now), actor
    version.save()
    return version


@transaction.atomic
def ranking_return(*, version: RankingVersion, actor, reason: str) -> RankingVersion:
    """The chairman sends a submitted version back to draft, with the reason."""
    version = RankingVersion.objects.select_for_update().select_related("period").get(pk=version.pk)
    transition(VERSION, version, "return", actor=actor, roles=version_roles(actor, version.period),
               missing=[] if reason.strip() else ["Hãy ghi lý do trả lại."], note=reason)
    version.submitted_at = version.submitted_by = None
    version.save()
    return version


def decision_errors(number: str, day: date | None, now: datetime | None = None) -> dict[str, str]:
    """What is wrong with a decision, by form field (``decision_number``, ``decision_date``)."""
    errors = {}
    if not (number or "").strip():
        errors["decision_number"] = "Hãy nhập số quyết định."
    if day is None:
        errors["decision_date"] = "Hãy nhập ngày quyết định."
    elif day > timezone.localdate(_now(now)):
        errors["decision_date"] = "Ngày quyết định không được sau hôm nay."
    return errors


def decision_missing(number: str, day: date | None, now: datetime | None = None) -> list[str]:
    return list(decision_errors(number, day, now).values())


@transaction.atomic
def ranking_approve(*, version: RankingVersion, actor, decision_number: str, decision_date: date | None,
                    now: datetime | None = None) -> RankingVersion:
    """The chairman approves under a decision; the result is published at once and never changes afterwards."""
    version = RankingVersion.objects.select_for_update().select_related("period").get(pk=version.pk)
    transition(VERSION, version, "approve", actor=actor, roles=version_roles(actor, version.period),
               missing=decision_missing(decision_number, decision_date, now), decision_number=decision_number,
               at=_now(now))
    version.decision_number, version.decision_date = decision_number.strip(), decision_date
    version.published_at, version.approved_by = _now(now), actor
    version.save()
    transaction.on_commit(lambda: notify_publication(version))
    return version


def notify_publication(version: RankingVersion) -> int:
    """E-mail every officer and approver of the block's units that the result is published."""
    from config.mail import send_notice
    from submissions.models import Role

    roles = Role.objects.filter(unit__block=version.block, kind__in=Role.UNIT_KINDS).select_related("user")
    return send_notice(
        to=[r.user.email for r in roles], hidden=True,
        subject=f"Công bố kết quả xếp loại — {version.block} — {version.period.name}",
        body=(f"Kết quả đánh giá, xếp loại của {version.block} đã được phê duyệt theo Quyết định số "
              f"{version.decision_number} ngày {version.decision_date:%d/%m/%Y} và công bố trên hệ thống."),
    )


def revocation_preview(version: RankingVersion, unit_code: str = "") -> tuple[dict, bool, list[str]]:
    """The block re-ranked with the facts as they are now: (snapshot, whether the chair's order still
    applied, the units other than ``unit_code`` whose rank or grade differs from ``version``)."""
    try:
        new = snapshot(version.period, version.block, chair.as_orders(version.chair_order) or None)
        kept = True
    except (rules.RankingError, ValidationError):  # the old order no longer matches the ties
        new, kept = snapshot(version.period, version.block), False
    return new, kept, chair.differences(version.snapshot.get("units", []), new.get("units", []), unit_code)


@transaction.atomic
def ranking_revoke(*, version: RankingVersion, actor, reason: str, decision_number: str,
                   decision_date: date | None, unit_code: str = "", now: datetime | None = None) -> RankingVersion:
    """Điều 10.4: revoke a published result (of ``unit_code``, or of the block) under a decision. The
    published version is marked revoked at once and the block is re-ranked with the facts as they are now:

    * no other unit's rank or grade differs: the new version is published at once under the revoking decision;
    * another unit's rank or grade differs: it goes to the chairman with the differences listed, and is
      published only when he approves it with a decision number;
    * a tie the chair has not ordered appears: it becomes a draft for the chair, then the normal path.

    Returns the new version."""
    version = RankingVersion.objects.select_for_update().select_related("period", "block").get(pk=version.pk)
    roles = version_roles(actor, version.period)
    missing = [] if (reason or "").strip() else ["Hãy ghi lý do hủy bỏ kết quả."]
    missing += decision_missing(decision_number, decision_date, now)
    ids = {u["id"] for u in version.snapshot.get("units", [])}
    if unit_code and unit_code not in ids:
        missing.append("Đơn vị bị hủy bỏ kết quả không có trong kết quả của khối.")
    transition(VERSION, version, "revoke", actor=actor, roles=roles, missing=missing, note=reason,
               decision_number=decision_number, at=_now(now))
    version.revoked_at, version.revoke_reason, version.revoked_unit = _now(now), reason.strip(), unit_code
    version.revoke_decision_number, version.revoke_decision_date = decision_number.strip(), decision_date
    version.save()
    new = RankingVersion(period=version.period, block=version.block, number=version.number + 1, replaces=version,
                         status=RankingVersion.NEW, chair_order=version.chair_order, chair_note=version.chair_note,
                         chair_by=version.chair_by, revoked_unit=unit_code)
    new.snapshot, kept_order, changed = revocation_preview(version, unit_code)
    if not kept_order:
        new.chair_order, new.chair_note, new.chair_by = {}, "", None
    new.snapshot["revision_of"] = {"number": version.number, "reason": version.revoke_reason, "unit": unit_code,
                                   "decision_number": decision_number.strip(), "differences": changed}
    new.computed_at, new.computed_by = _now(now), actor
    if chair.unordered_ties(new.snapshot.get("ties", []), chair.as_orders(new.chair_order)):
        transition(VERSION, new, "rerank_draft", actor=actor, roles=roles, at=_now(now),
                   note="Có đơn vị bằng điểm mới: chờ Chủ tịch Hội đồng quyết định thứ tự.")
    elif changed:
        transition(VERSION, new, "rerank_submit", actor=actor, roles=roles, at=_now(now),
                   note=" ".join(changed))
        new.submitted_at, new.submitted_by = _now(now), actor
    else:
        transition(VERSION, new, "rerank_publish", actor=actor, roles=roles, at=_now(now),
                   decision_number=decision_number, note="Không đơn vị nào khác thay đổi hạng hoặc xếp loại.")
        new.submitted_at = new.published_at = _now(now)
        new.submitted_by = new.approved_by = actor
        new.decision_number, new.decision_date = decision_number.strip(), decision_date
        transaction.on_commit(lambda: notify_publication(new))
    new.save()
    return new


def grade_label(code: str | None) -> str:
    return rules.GRADE_LABELS.get(code or "", "")


def fmt_total(value) -> str:
    return fmt(Decimal(value), 2)
