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
from appraisal.selectors import live_results
from config.versioning import ADVICE, ConflictError, check_version, locked_row, stamp
from criteria import dieu7 as rules
from criteria.grades import grade_label
from criteria.models import Framework, Node
from criteria.scoring import ScoringError, fmt, parse_decimal
from criteria.selectors import content_groups, grading_problem
from submissions.models import Block, Period, PeriodBlock, Submission, Unit
from submissions.period_settings import ranking_settings
from submissions.transitions import transition

from . import chair
from .models import HeadGrade, RankingVersion, UnitFacts
from .selectors import previous_results
from .states import VERSION, version_roles

UNSENT_REASON = "Không gửi báo cáo đúng hạn: không được thẩm định, tổng điểm 0."


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def period_settings(period: Period, block: Block) -> rules.RankingSettings:
    """The engine's settings from the period's readings of the regulation (docs/regulation.md) and the
    block's quota."""
    quota = block_quota(period, block)
    framework = block_framework(period, block)
    if period.kind == Period.GRADING and framework is not None and (problem := grading_problem(framework)):
        raise ValidationError(f"Chưa xếp hạng được: {problem}")
    return ranking_settings(period, {block.code: quota} if quota is not None else {},
                            groups=content_groups(framework),
                            results_group=framework.results_group if framework else "")


def block_framework(period: Period, block: Block) -> Framework | None:
    """The framework the block used in ``period`` (its membership record): it names the content groups and the
    results group of Điều 7."""
    return Framework.objects.filter(period_blocks__period=period, period_blocks__block=block).first()


def block_quota(period: Period, block: Block) -> int | None:
    """The block's Điều 7.1.a quota in this period (the period's membership record, never the block's
    present default: lowering the sở quota for 2025 leaves 2024's ranking as it was)."""
    return (PeriodBlock.objects.filter(period=period, block=block).values_list("excellent_quota", flat=True)
            .first())


def member_block(period: Period, unit: Unit) -> Block:
    """The block ``unit`` took part in, in ``period`` (its sheet's membership record)."""
    submission = Submission.objects.filter(period=period, unit=unit).select_related("block").first()
    if submission is None:
        raise ValidationError(f"{unit} không tham gia {period.name}.")
    return submission.block


def _in_block(period: Period, block: Block, prefix: str = "unit") -> dict:
    """Filter keywords for rows whose ``prefix`` unit took part in ``block`` in ``period``."""
    return {f"{prefix}__submissions__period": period, f"{prefix}__submissions__block": block}


FACT_LABELS = {
    "discipline": "Kỷ luật tổ chức trực thuộc, lãnh đạo, cấp ủy viên",
    "corruption": "Tham nhũng, lãng phí, tiêu cực ở đơn vị trực thuộc",
    "subunits_disciplined_share": "Tỷ lệ đơn vị trực thuộc bị kỷ luật",
    "fault_unit": "Nơi xảy ra vi phạm",
    "evidence": "Căn cứ",
}


def fault_unit_choices(period: Period, unit: Unit):
    """The units a fault of ``unit``'s discipline fact may have been committed in (Điều 7.3): the other units
    of the period's authority that take part in the period (have a sheet), by block then name."""
    return (Unit.objects.filter(authority_id=period.authority_id, submissions__period=period)
            .exclude(pk=unit.pk).select_related("block").order_by("block__ordering", "block__name", "name")
            .distinct())


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
               disunity: bool, subunits_disciplined_share, evidence: str, official_prosecuted: bool = False,
               fault_unit: Unit | None = None, version: int | None = None) -> UnitFacts:
    """The secretariat records a unit's facts with the documents that prove them. Refusals are by field
    (ValidationError with a dict), so the form marks only the wrong field and keeps what was typed.

    Concurrency: the secretariat's staff share the form. The row is locked and ``version`` must be the one the
    form was loaded with, else :class:`config.versioning.ConflictError` names who saved and when, and nothing
    is written.

    ``fault_unit`` (Điều 7.3): the unit where the fault behind the discipline fact was committed, when it is
    not ``unit`` (the person was disciplined here after moving from there); the discipline then counts
    against ``fault_unit`` and not against ``unit`` (:func:`build_units`). None, or ``unit`` itself, means here."""
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
    if fault_unit is not None and fault_unit.pk == unit.pk:
        fault_unit = None
    if fault_unit is not None:
        errors.update(_fault_unit_errors(period, unit, fault_unit, discipline, share))
    if errors:
        raise ValidationError(errors)
    if (outstanding or discipline != "none" or corruption != "none" or disunity or share or official_prosecuted) \
            and not evidence.strip():
        raise ValidationError({"evidence": "Hãy ghi căn cứ (số, ngày văn bản) cho thông tin đã nhập."})
    facts = locked_row(UnitFacts, period=period, unit=unit)
    check_version(facts, version, what=f"Thông tin xếp loại của {unit}")
    facts.outstanding, facts.discipline, facts.corruption = outstanding, discipline, corruption
    facts.disunity, facts.official_prosecuted = disunity, official_prosecuted
    facts.subunits_disciplined_share, facts.evidence = share, evidence.strip()
    facts.fault_unit = fault_unit
    stamp(facts, actor=actor)
    facts.save()
    return facts


def _fault_unit_errors(period: Period, unit: Unit, fault_unit: Unit, discipline: str, share: Decimal
                       ) -> dict[str, str]:
    """What is wrong with recording that the fault behind ``unit``'s discipline fact was committed in
    ``fault_unit`` (Điều 7.3), by field."""
    label = FACT_LABELS["fault_unit"]
    if fault_unit.authority_id != period.authority_id:
        return {"fault_unit": f"{label}: {fault_unit} không thuộc {period.authority}."}
    if not Submission.objects.filter(period=period, unit=fault_unit).exists():
        return {"fault_unit": f"{label}: {fault_unit} không tham gia kỳ đánh giá này nên kỷ luật không tính được "
                              f"vào đơn vị nào; hãy chọn đơn vị có báo cáo trong kỳ."}
    if discipline == rules.NONE:
        return {"fault_unit": f"{label} là {fault_unit} nhưng “{FACT_LABELS['discipline'].lower()}” ghi không có: "
                              f"chỉ ghi nơi xảy ra vi phạm khi có kỷ luật."}
    if share > 0:
        return {"fault_unit": f"Tỷ lệ đơn vị trực thuộc bị kỷ luật là {fmt(share * 100)} % (kỷ luật tại chính "
                              f"{unit}) nhưng kỷ luật được ghi là vi phạm xảy ra tại {fault_unit}: hai thông tin "
                              f"mâu thuẫn nhau. Hãy để trống nơi xảy ra vi phạm, hoặc ghi kỷ luật này vào thông tin "
                              f"của {fault_unit} và ghi kỷ luật của chính đơn vị ở đây."}
    return {}


def faults_counted_here(period: Period, unit: Unit) -> list[UnitFacts]:
    """Discipline facts recorded on other units whose fault was committed in ``unit`` (Điều 7.3): they count
    against ``unit``."""
    return list(UnitFacts.objects.filter(period=period, fault_unit=unit).exclude(discipline=rules.NONE)
                .exclude(unit=unit).select_related("unit", "updated_by").order_by("unit__name"))


def fault_note(recorded_at: str, committed_at: str, counted: bool) -> str:
    """The reason line of Điều 7.3, for the unit the fault counts against (``counted``) or the one it is
    recorded on."""
    where = f"tính vào kết quả của {committed_at}" if counted else f"không tính vào kết quả của {recorded_at}"
    return f"Kỷ luật ghi tại {recorded_at}, vi phạm xảy ra tại {committed_at} (Điều 7.3): {where}."


# --------------------------------------------------------------------------- computing


def build_units(period: Period, block: Block, settings: rules.RankingSettings) -> tuple[list[rules.Unit], dict]:
    """The rules' input for every unit of the block: appraised totals, the quality level of every criterion
    below Xuất sắc (derived, or the appraiser's override), the number of results-group criteria, and the facts
    (a rank-only period: the totals only).

    After the appraisal round closes the numbers come from the frozen AppraisedResult (one row per unit);
    a unit without one, or frozen with other thresholds than the period's now, is computed from its scores."""
    rows = list(Submission.objects.filter(period=period, block=block).values_list(
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
    # While the round is open no sheet of the block is frozen: the database reads them by period and block (a
    # subquery) rather than from a list of 10 000 ids; one scan of the scores gives totals, levels and gaps.
    unfrozen = {row[0]: row[4] for row in rows if row[0] not in frozen}
    live, missing = live_results(
        list(unfrozen) if frozen else Submission.objects.filter(period=period, block=block), thresholds, unfrozen)
    _refuse_incomplete([row for row in rows if row[0] not in frozen and row[6] not in unappraised], missing)
    # A rank-only period (PAR index) orders by the total alone: no quality level, no content group plays a part.
    criteria = {} if settings.rank_only else {
        pk: (code, group, framework_id) for pk, criterion_id, code, group, framework_id in Node.objects.filter(
            framework_id__in={row[4] for row in rows}).values_list("pk", "criterion_id", "code", "group",
                                                                   "framework_id")
        if criterion_id == pk}
    results_total: dict[int, int] = defaultdict(int)
    for _code, group, framework_id in criteria.values():
        if group == settings.results_group:
            results_total[framework_id] += 1
    # "node:level" (frozen) or (node, level) (live) → one object shared by thousands of units
    shared: dict[str | tuple[int, str], rules.Criterion] = {}

    def criterion(token: str | tuple[int, str]) -> rules.Criterion:
        node, level = token.split(":") if isinstance(token, str) else token
        code, group, _ = criteria[int(node)]
        found = shared[token] = rules.Criterion(code=code, group=group, level=level)
        return found

    facts = {f.unit_id: f for f in UnitFacts.objects.filter(period=period, **_in_block(period, block)).select_related(
        "fault_unit")}
    # Điều 7.3: discipline recorded on a unit (of any block) for a fault committed in a unit of this block.
    incoming: dict[int, list[UnitFacts]] = defaultdict(list)
    for fact in (UnitFacts.objects.filter(period=period, **_in_block(period, block, "fault_unit"))
                 .exclude(discipline=rules.NONE)
                 .select_related("unit", "fault_unit").order_by("unit__name")):
        if fact.fault_unit_id != fact.unit_id:
            incoming[fact.fault_unit_id].append(fact)
    no_facts = UnitFacts(discipline=rules.NONE, corruption=rules.NONE, subunits_disciplined_share=Decimal(0))
    units, display = [], {}
    for pk, unit_id, code, name, framework_id, proposed, status, framework_total, *_ in rows:
        total, below = frozen.get(pk) or live[pk]
        if settings.rank_only:
            below = []
        if status in unappraised:  # not sent by the deadline: not appraised, ranks with total 0
            total, below = Decimal(0), []
        unit_facts = facts.get(unit_id, no_facts)
        local = unit_facts.fault_unit_id in (None, unit_id)
        discipline = rules.worst_incident([unit_facts.discipline if local else rules.NONE]
                                          + [fact.discipline for fact in incoming.get(unit_id, ())])
        notes = [fault_note(fact.unit.name, name, counted=True) for fact in incoming.get(unit_id, ())]
        if not local and unit_facts.discipline != rules.NONE:
            notes.append(fault_note(name, unit_facts.fault_unit.name, counted=False))
        units.append(rules.Unit(
            id=code, block=block.code, total=total, outstanding=unit_facts.outstanding,
            discipline=discipline, corruption=unit_facts.corruption, disunity=unit_facts.disunity,
            subunits_disciplined_share=Decimal(unit_facts.subunits_disciplined_share),
            official_prosecuted=unit_facts.official_prosecuted, max_total=framework_total,
            criteria=tuple([shared.get(token) or criterion(token) for token in below]),
            results_criteria_total=results_total[framework_id],
        ))
        display[code] = {"name": name, "unit_id": unit_id, "submission_id": pk, "proposed_grade": proposed,
                         "status": status}
        if notes:
            display[code]["fault_notes"] = notes
    return units, display


def _refuse_incomplete(rows, unappraised: dict[int, list[str]]) -> None:
    """An appraised sheet with a leaf that has no appraised score (section I without its leaders' forms, a
    criterion never appraised) is refused rather than guessed: a missing row and an empty one would
    otherwise rank differently (Xuất sắc by absence, Kém by a zero). Frozen results were complete at close.
    ``rows``: the sheets to check; ``unappraised``: submission → leaves without a score (of those and others)."""
    missing = {row[0]: unappraised[row[0]] for row in rows if row[0] in unappraised}
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
    try:
        settings = period_settings(period, block)  # the period's readings, and the framework's groups
        units, display = build_units(period, block, settings)
        if not units:
            raise ValidationError(f"{block} chưa có đơn vị nào có báo cáo trong kỳ.")
        ranking = rules.rank_units(units, settings)
    except rules.RankingError as exc:  # data the rules refuse (a total above the framework's): shown as is
        raise ValidationError(f"Chưa xếp hạng được: {exc}") from None
    if orders:
        ranking = chair.apply_chair_order(ranking, orders)
    # Last year's results follow the lineage (docs/process.md, "Lịch sử tổ chức"): a commune re-created
    # under the province in 2025 keeps its 2024 rank, grade and the Điều 11.2.d flag.
    previous = previous_results(period, {info["unit_id"]: code for code, info in display.items()})
    unsent_zero = Submission.LOCKED not in period.appraisable_statuses  # read once, not per unit
    rows = []
    for result in ranking.units:
        info = display[result.id]
        notes = info.pop("fault_notes", [])  # Điều 7.3: which unit's fact the discipline came from
        row = {
            "id": result.id, "rank": result.rank, "total": f"{result.total:.2f}",
            "total3": f"{result.tiebreak_total:.3f}", "qualified": result.qualified, "grade": result.grade,
            "tie": result.tie, "chair": result.chair, "reasons": list(result.reasons) + notes, **info,
        }
        if unsent_zero and display[result.id]["status"] != Submission.SENT:
            row["reasons"].insert(0, UNSENT_REASON)
        befores = previous.get(result.id)
        if befores:
            row["previous"] = {key: befores[0][key] for key in ("rank", "total", "grade")}
            if befores[0]["former"] or len(befores) > 1:  # a predecessor's result: say whose
                row["previous_from"] = [{key: b[key] for key in ("name", "rank", "total", "grade", "block")}
                                        for b in befores]
            failed = [b for b in befores if b["grade"] == rules.KHTNV]
            if result.grade == rules.KHTNV and failed:
                row["two_years_khtnv"] = True
                whose = ", ".join(b["name"] for b in failed if b["former"])
                row["reasons"].append("Hai năm liên tiếp Không hoàn thành nhiệm vụ"
                                      + (f" (năm trước: {whose}, đơn vị trước đây)" if whose else "")
                                      + ": xem xét xử lý trách nhiệm người đứng đầu (Điều 11.2.d).")
        rows.append(row)
    _codes_to_names(rows)
    summary = ranking.blocks[block.code]
    framework_ids = set(Submission.objects.filter(period=period, block=block).values_list("framework_id",
                                                                                          flat=True))
    codes = [n.code for n in Node.objects.filter(framework_id__in=framework_ids).order_by("framework_id", "ordering")
             if n.criterion_id == n.id]
    return {
        "block": {"code": block.code, "name": block.name}, "rank_only": settings.rank_only,
        "summary": {k: v for k, v in asdict(summary).items()}, "criteria": codes, "units": rows,
        "ties": chair.tie_groups(ranking), "unresolved": chair.unresolved(ranking),
        "settings": {"excellent_share": str(settings.excellent_share), "quota": block_quota(period, block)},
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
    from django.urls import reverse

    from config.mail import send_notice, site_link
    from submissions.models import Role

    roles = Role.objects.filter(kind__in=Role.UNIT_KINDS, **_in_block(version.period, version.block)).select_related(
        "user").distinct()
    return send_notice(
        to=[r.user.email for r in roles], hidden=True,
        subject=f"Công bố kết quả xếp loại — {version.block} — {version.period.name}",
        body=(f"Kết quả đánh giá, xếp loại của {version.block} đã được phê duyệt theo Quyết định số "
              f"{version.decision_number} ngày {version.decision_date:%d/%m/%Y} và công bố trên hệ thống.\n\n"
              f"Xem kết quả tại: {site_link(reverse('ranking:public_detail', args=[version.pk]))}"),
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


# --------------------------------------------------------------------------- Điều 4.5: the grade of a unit's head


def published_version(period: Period, block: Block) -> RankingVersion | None:
    """The block's result in force: its latest published version (None before publication, or while a
    revoked result waits for its re-ranked version)."""
    return (RankingVersion.objects.filter(period=period, block=block, status=RankingVersion.PUBLISHED)
            .order_by("-number").first())


def unpublished_reason(period: Period, block: Block) -> str:
    """Why the block has no published result to compare a head's grade with."""
    latest = RankingVersion.objects.filter(period=period, block=block).order_by("-number").first()
    if latest is None:
        state = "chưa tính kết quả"
    elif latest.replaces_id and latest.status != RankingVersion.PUBLISHED:
        state = (f"kết quả lần {latest.number - 1} đã bị hủy bỏ, kết quả xếp loại lại (lần {latest.number}) đang ở "
                 f"trạng thái “{latest.get_status_display()}”")
    else:
        state = f"kết quả lần {latest.number} đang ở trạng thái “{latest.get_status_display()}”"
    return (f"Kết quả xếp loại của {block} trong {period.name} chưa được công bố ({state}): chỉ ghi xếp loại người "
            f"đứng đầu sau khi kết quả của đơn vị được phê duyệt, công bố (Điều 4.5).")


def published_row(version: RankingVersion, unit: Unit) -> dict | None:
    return next((u for u in version.snapshot.get("units", []) if u.get("unit_id") == unit.pk), None)


HEAD_LABELS = {"full_name": "Họ và tên người đứng đầu", "position": "Chức vụ", "grade": "Xếp loại",
               "basis": "Căn cứ", "transferred_on": "Ngày chuyển đến"}


@transaction.atomic
def head_grade_save(*, period: Period, unit: Unit, actor, full_name: str, position: str, grade: str,
                    newly_transferred: bool = False, transferred_on: date | None = None, basis: str = "",
                    now: datetime | None = None, row_version: int | None = None) -> HeadGrade:
    """Điều 4.5: the secretariat records the grade of ``unit``'s head once the unit's block is published in
    the period, compared with the unit's grade in that published version. A head graded above the unit is
    refused unless newly transferred with the date. Refusals: a sentence (no published result, unit not in
    it) or a dict by field (the form marks only the wrong field); nothing is changed. Saving what is already
    recorded changes nothing (no new history row)."""
    if unit.authority_id != period.authority_id:
        raise ValidationError("Đơn vị không thuộc cơ quan của kỳ đánh giá.")
    block = member_block(period, unit)
    version = published_version(period, block)
    if version is None:
        raise ValidationError(unpublished_reason(period, block))
    row = published_row(version, unit)
    if row is None:
        raise ValidationError(f"{unit} không có trong kết quả đã công bố của {block} (lần {version.number}).")
    unit_grade = row.get("grade")
    if unit_grade not in rules.GRADES:
        raise ValidationError("Kỳ đánh giá chỉ xếp hạng, không xếp loại: không có xếp loại của đơn vị để đối chiếu "
                              "xếp loại người đứng đầu (Điều 4.5).")
    full_name, position, basis = (full_name or "").strip(), (position or "").strip(), (basis or "").strip()
    errors: dict[str, str] = {}
    for name, value, limit in (("full_name", full_name, 200), ("position", position, 200), ("basis", basis, 300)):
        if not value:
            errors[name] = {"full_name": "Hãy ghi họ và tên người đứng đầu.",
                            "position": "Hãy ghi chức vụ của người đứng đầu.",
                            "basis": "Hãy ghi căn cứ (số, ngày văn bản đánh giá, xếp loại người đứng đầu)."}[name]
        elif len(value) > limit:
            errors[name] = f"{HEAD_LABELS[name]} dài {len(value)} ký tự, tối đa {limit}."
    if grade not in rules.GRADES:
        errors["grade"] = "Hãy chọn xếp loại của người đứng đầu."
    today = timezone.localdate(_now(now))
    if transferred_on is not None and not newly_transferred:
        errors["transferred_on"] = ("Đã ghi ngày chuyển đến nhưng chưa đánh dấu “mới chuyển đến”: hãy đánh dấu, hoặc "
                                    "xóa ngày.")
    elif problem := rules.transfer_date_problem(newly_transferred, transferred_on, today):
        errors["transferred_on"] = problem
    elif "grade" not in errors and (problem := rules.head_grade_problem(
            grade, unit_grade, newly_transferred=newly_transferred, transferred_on=transferred_on, today=today)):
        errors["grade"] = f"{problem} Đối chiếu với kết quả công bố lần {version.number} của {block}."
    if errors:
        raise ValidationError(errors)
    record = HeadGrade.objects.select_for_update().filter(period=period, unit=unit).first()
    if row_version is not None:  # the form's version of the record (0: none yet), ``config.versioning``
        if record is None and row_version != 0:
            raise ConflictError(f"Xếp loại người đứng đầu của {unit} đã thay đổi. {ADVICE}", None)
        if record is not None:
            check_version(record, row_version, what=f"Xếp loại người đứng đầu của {unit}", by="recorded_by",
                          at="recorded_at", shown=f"{record.full_name}, {rules.GRADE_LABELS.get(record.grade, '')}",
                          field="row_version")
    values = {"full_name": full_name, "position": position, "grade": grade, "newly_transferred": newly_transferred,
              "transferred_on": transferred_on if newly_transferred else None, "basis": basis,
              "version_id": version.pk, "unit_grade": unit_grade}
    if record is not None and all(getattr(record, name) == value for name, value in values.items()):
        return record
    record = record or HeadGrade(period=period, unit=unit)
    for name, value in values.items():
        setattr(record, name, value)
    stamp(record, actor=actor, by="recorded_by", at=None, field="row_version")  # recorded_at: auto_now
    record.save()
    return record


def head_grade_rows(period: Period, block: Block, *, now: datetime | None = None) -> tuple[RankingVersion | None,
                                                                                            list[dict]]:
    """The page of Điều 4.5 for a block: (the published version in force, one row per unit). Each row has
    the unit, its published grade, the head's grade recorded, and ``problem``: why that record is not valid
    against the result in force (a head above the unit after a revocation re-ranked it lower, or no
    published result to compare with any more). A record is never kept as valid silently."""
    version = published_version(period, block)
    records = {r.unit_id: r for r in HeadGrade.objects.filter(period=period, **_in_block(period, block))
               .select_related("unit", "version", "recorded_by")}
    today = timezone.localdate(_now(now))
    rows = []
    for row in (version.snapshot.get("units", []) if version else []):
        record = records.pop(row.get("unit_id"), None)
        rows.append({"unit_id": row.get("unit_id"), "code": row["id"], "name": row["name"], "rank": row["rank"],
                     "unit_grade": row.get("grade"), "record": record,
                     "problem": _head_problem(record, row.get("grade"), version, today) if record else ""})
    for record in sorted(records.values(), key=lambda r: r.unit.name):  # recorded, no longer in a published result
        reason = (unpublished_reason(period, block) if version is None else
                  f"{record.unit} không còn trong kết quả công bố lần {version.number}.")
        rows.append({"unit_id": record.unit_id, "code": record.unit.code, "name": record.unit.name, "rank": None,
                     "unit_grade": None, "record": record,
                     "problem": f"Đã ghi theo kết quả lần {record.version.number}. {reason}"})
    return version, rows


def _head_problem(record: HeadGrade, unit_grade: str | None, version: RankingVersion, today: date) -> str:
    if unit_grade not in rules.GRADES:
        return "Kết quả công bố không có xếp loại của đơn vị để đối chiếu."
    problem = rules.head_grade_problem(record.grade, unit_grade, newly_transferred=record.newly_transferred,
                                       transferred_on=record.transferred_on, today=today)
    if problem and record.version_id != version.pk:
        return (f"{problem} Đã ghi theo kết quả lần {record.version.number} (đơn vị khi đó xếp loại "
                f"{grade_label(record.unit_grade)}); kết quả hiện hành là lần {version.number}: hãy sửa.")
    return problem
