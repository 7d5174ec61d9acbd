"""Writes of the ranking stage: facts, computing a block's ranking from the appraised scores, the chair's
order of ties, submission, approval and publication, and revocation (Điều 10.4) into a new version."""

from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from appraisal.models import AppraisalRound
from appraisal.selectors import appraised_results
from criteria.models import Node
from criteria.scoring import fmt, parse_decimal
from submissions.models import Block, Period, Submission, Unit

from . import chair, rules
from .models import RankingVersion, UnitFacts


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def period_settings(period: Period, block: Block) -> rules.RankingSettings:
    quotas = {block.code: block.excellent_quota} if block.excellent_quota is not None else {}
    return rules.RankingSettings(
        excellent_share=Decimal(str(period.setting("excellent_share"))),
        quotas=quotas,
        rank_only=period.kind == Period.RANK_ONLY,
        poor_results_share=Decimal(str(period.setting("nd2_kem_share"))),
        level_thresholds=period.quality_thresholds,
    )


@transaction.atomic
def facts_save(*, period: Period, unit: Unit, actor, outstanding: bool, discipline: str, corruption: str,
               disunity: bool, subunits_disciplined_share, evidence: str) -> UnitFacts:
    """The secretariat records a unit's facts with the documents that prove them."""
    if unit.authority_id != period.authority_id:
        raise ValidationError("Đơn vị không thuộc cơ quan của kỳ đánh giá.")
    valid = {code for code, _ in UnitFacts._meta.get_field("discipline").choices}
    if discipline not in valid or corruption not in valid:
        raise ValidationError("Giá trị kỷ luật hoặc tham nhũng, tiêu cực không hợp lệ.")
    try:
        share = parse_decimal(subunits_disciplined_share, field_label="Tỷ lệ đơn vị trực thuộc bị kỷ luật")
    except Exception as exc:
        raise ValidationError(str(exc)) from None
    if not Decimal(0) <= share <= 1:
        raise ValidationError("Tỷ lệ đơn vị trực thuộc bị kỷ luật phải từ 0 đến 1 (ví dụ 0,25 là 25 %).")
    if (outstanding or discipline != "none" or corruption != "none" or disunity or share) and not evidence.strip():
        raise ValidationError("Hãy ghi căn cứ (số, ngày văn bản) cho thông tin đã nhập.")
    facts, _ = UnitFacts.objects.select_for_update().get_or_create(period=period, unit=unit)
    facts.outstanding, facts.discipline, facts.corruption = outstanding, discipline, corruption
    facts.disunity = disunity
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
        "appraised_result__total", "appraised_result__below", "appraised_result__thresholds"))
    thresholds = settings.level_thresholds
    current = {",".join(str(t) for t in thresholds)}
    frozen: dict[int, tuple[Decimal, list[str]]] = {}
    for pk, *_, total, below, used in rows:
        if total is not None and (used in current or tuple(Decimal(t) for t in used.split(",")) == thresholds):
            current.add(used)
            frozen[pk] = (total, below.split(",") if below else [])
    live = {pk: (total, [f"{cid}:{level}" for cid, level in below]) for pk, (total, below) in appraised_results(
        [row[0] for row in rows if row[0] not in frozen], thresholds).items()}
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
    for pk, unit_id, code, name, framework_id, proposed, status, *_ in rows:
        total, below = frozen.get(pk) or live[pk]
        unit_facts = facts.get(unit_id, no_facts)
        units.append(rules.Unit(
            id=code, block=block.code, total=total, outstanding=unit_facts.outstanding,
            discipline=unit_facts.discipline, corruption=unit_facts.corruption, disunity=unit_facts.disunity,
            subunits_disciplined_share=Decimal(unit_facts.subunits_disciplined_share),
            criteria=tuple([shared.get(token) or criterion(token) for token in below]),
            results_criteria_total=results_total[framework_id],
        ))
        display[code] = {"name": name, "unit_id": unit_id, "submission_id": pk, "proposed_grade": proposed,
                         "status": status}
    return units, display


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
    units, display = build_units(period, block, settings)
    if not units:
        raise ValidationError(f"{block} chưa có đơn vị nào có báo cáo trong kỳ.")
    ranking = rules.rank_units(units, settings)
    if orders:
        ranking = chair.apply_chair_order(ranking, orders)
    previous = _previous(period, block)
    rows = []
    for result in ranking.units:
        row = {
            "id": result.id, "rank": result.rank, "total": f"{result.total:.2f}",
            "total3": f"{result.tiebreak_total:.3f}", "qualified": result.qualified, "grade": result.grade,
            "tie": result.tie, "chair": result.chair, "reasons": list(result.reasons), **display[result.id],
        }
        before = previous.get(result.id)
        if before:
            row["previous"] = before
            if result.grade == rules.KHTNV and before.get("grade") == rules.KHTNV:
                row["two_years_khtnv"] = True
                row["reasons"].append("Hai năm liên tiếp Không hoàn thành nhiệm vụ: xem xét xử lý trách nhiệm "
                                      "người đứng đầu (Điều 11.2.d).")
        rows.append(row)
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


@transaction.atomic
def ranking_compute(*, period: Period, block: Block, actor, now: datetime | None = None) -> RankingVersion:
    """(Re)compute the draft of a block. Refused while a version awaits approval or once published
    (then only revocation changes it)."""
    latest = (RankingVersion.objects.select_for_update().filter(period=period, block=block)
              .order_by("-number").first())
    if latest and latest.status == RankingVersion.SUBMITTED:
        raise ValidationError("Kết quả của khối đã trình, đang chờ phê duyệt.")
    if latest and latest.status == RankingVersion.PUBLISHED:
        raise ValidationError("Kết quả của khối đã công bố; chỉ thay đổi được bằng hủy bỏ và xếp loại lại "
                              "(Điều 10.4).")
    version = latest if latest and latest.status == RankingVersion.DRAFT else RankingVersion(
        period=period, block=block, number=(latest.number + 1) if latest else 1,
        replaces=latest if latest and latest.status == RankingVersion.REVOKED else None)
    version.snapshot = snapshot(period, block, chair.as_orders(version.chair_order) or None)
    version.computed_at = _now(now)
    version.save()
    return version


@transaction.atomic
def chair_decide(*, version: RankingVersion, orders: list[list[str]], note: str, actor) -> RankingVersion:
    version = RankingVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != RankingVersion.DRAFT:
        raise ValidationError("Chỉ quyết định thứ tự trên dự thảo kết quả.")
    if not note.strip():
        raise ValidationError("Hãy ghi căn cứ quyết định thứ tự các đơn vị bằng điểm.")
    chair.check_orders_shape(orders)
    try:
        version.snapshot = snapshot(version.period, version.block, orders)
    except rules.RankingError as exc:
        raise ValidationError(str(exc)) from None
    version.chair_order, version.chair_note, version.chair_by = {"groups": orders}, note.strip(), actor
    version.save()
    return version


@transaction.atomic
def ranking_submit(*, version: RankingVersion, actor, now: datetime | None = None) -> RankingVersion:
    version = RankingVersion.objects.select_for_update().select_related("period").get(pk=version.pk)
    if version.status != RankingVersion.DRAFT:
        raise ValidationError("Chỉ trình được dự thảo kết quả.")
    if version.period.kind == Period.GRADING and not AppraisalRound.objects.filter(
            period=version.period, closed_at__isnull=False).exists():
        raise ValidationError("Đợt thẩm định chưa kết thúc: chưa trình được kết quả xếp loại.")
    if version.snapshot.get("unresolved"):
        raise ValidationError("Còn đơn vị bằng điểm tại ngưỡng 20 % chờ Chủ tịch Hội đồng quyết định: "
                              + ", ".join(version.snapshot["unresolved"]) + ".")
    version.status, version.submitted_at, version.submitted_by = RankingVersion.SUBMITTED, _now(now), actor
    version.save()
    return version


def _decision(number: str, day: date | None) -> tuple[str, date]:
    number = (number or "").strip()
    if not number or day is None:
        raise ValidationError("Hãy nhập số và ngày quyết định.")
    return number, day


@transaction.atomic
def ranking_approve(*, version: RankingVersion, actor, decision_number: str, decision_date: date | None,
                    now: datetime | None = None) -> RankingVersion:
    """The chairman approves; the result is published at once and never changes afterwards."""
    version = RankingVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != RankingVersion.SUBMITTED:
        raise ValidationError("Chỉ phê duyệt kết quả đã được trình.")
    version.decision_number, version.decision_date = _decision(decision_number, decision_date)
    version.status, version.published_at, version.approved_by = RankingVersion.PUBLISHED, _now(now), actor
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


@transaction.atomic
def ranking_revoke(*, version: RankingVersion, actor, reason: str, decision_number: str,
                   decision_date: date | None, now: datetime | None = None) -> RankingVersion:
    """Điều 10.4: revoke a published result, re-rank the block with the facts as they are now and publish
    the new version under the revoking decision. The old version is kept, marked revoked."""
    version = RankingVersion.objects.select_for_update().select_related("period", "block").get(pk=version.pk)
    if version.status != RankingVersion.PUBLISHED:
        raise ValidationError("Chỉ hủy bỏ được kết quả đã công bố.")
    if not (reason or "").strip():
        raise ValidationError("Hãy ghi lý do hủy bỏ kết quả.")
    number, day = _decision(decision_number, decision_date)
    version.status, version.revoked_at, version.revoke_reason = RankingVersion.REVOKED, _now(now), reason.strip()
    version.save()
    new = RankingVersion(period=version.period, block=version.block, number=version.number + 1, replaces=version,
                         chair_order=version.chair_order, chair_note=version.chair_note, chair_by=version.chair_by)
    try:
        new.snapshot = snapshot(version.period, version.block, chair.as_orders(version.chair_order) or None)
    except (rules.RankingError, ValidationError):
        new.snapshot = snapshot(version.period, version.block)
    if new.snapshot.get("unresolved"):
        raise ValidationError("Kết quả xếp loại lại có đơn vị bằng điểm tại ngưỡng chờ Chủ tịch Hội đồng quyết định; "
                              "hãy xếp loại lại từ dự thảo.")
    new.computed_at = new.submitted_at = new.published_at = _now(now)
    new.status, new.submitted_by, new.approved_by = RankingVersion.PUBLISHED, actor, actor
    new.decision_number, new.decision_date = number, day
    new.snapshot["revision_of"] = {"number": version.number, "reason": version.revoke_reason}
    new.save()
    transaction.on_commit(lambda: notify_publication(new))
    return new


def grade_label(code: str | None) -> str:
    return rules.GRADE_LABELS.get(code or "", "")


def fmt_total(value) -> str:
    return fmt(Decimal(value), 2)
