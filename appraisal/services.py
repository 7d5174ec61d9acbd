"""Writes of the appraisal stage: appraised scores, quality levels, supplementation rounds, the leaders'
forms and paper tallies of section I, release and closing. Atomic, keyword-only, Vietnamese errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.versioning import ADVICE, check_version, lock, locked_row, stamp, versioned_absent
from config.versioning import ConflictError as ConflictError  # views and tests import it from here too
from criteria.inputs import clean_text, typed_input
from criteria.models import Node
from criteria.scoring import fmt, parse_rule, score_survey
from criteria.selectors import survey_leaves
from criteria.tree import effective_agency
from submissions import services as submission_services
from submissions.models import Entry, Evidence, Period, Role, Submission, Unit
from submissions.permissions import is_secretariat
from submissions.transitions import transition

from . import deadlines, rules
from .models import (
    AgencyScore,
    Appraisal,
    AppraisalRound,
    AppraisedResult,
    CouncilDecision,
    CouncilMember,
    LeaderForm,
    PaperTally,
    QualityLevel,
    SupplementRequest,
)
from .selectors import appraised_results, criterion_scores, previous_comparison


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def round_for(period: Period) -> AppraisalRound:
    """The period's appraisal round. Its ``received_on`` (the deadline's day) is kept for the record only: the
    Điều 9.5 count runs per unit from the day each sheet was received (``selectors.period_countdowns``)."""
    found = AppraisalRound.objects.filter(period=period).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return AppraisalRound.objects.create(period=period, received_on=timezone.localdate(period.closes_at))
    except IntegrityError:
        return AppraisalRound.objects.get(period=period)


def _assert_open(period: Period) -> AppraisalRound:
    current = AppraisalRound.objects.select_for_update().filter(period=period).first() or round_for(period)
    if current.closed_at:
        raise ValidationError(f"Đợt thẩm định đã kết thúc lúc {timezone.localtime(current.closed_at):%H:%M %d/%m/%Y}"
                              "; chỉ thay đổi được qua thủ tục hủy bỏ kết quả và xếp loại lại.")
    return current


@transaction.atomic
def member_add(*, period: Period, user, agency: str, role: str = CouncilMember.MEMBER, keywords: str = "",
               home_unit: Unit | None = None) -> CouncilMember:
    agency = agency.strip()
    if not agency:
        raise ValidationError("Hãy nhập cơ quan của thành viên.", code="agency")
    if CouncilMember.objects.filter(period=period, user=user).exists():
        raise ValidationError(f"{user} đã là thành viên Hội đồng của kỳ này.", code="user")
    if home_unit and home_unit.authority_id != period.authority_id:
        raise ValidationError("Đơn vị công tác không thuộc cơ quan của kỳ đánh giá.", code="home_unit")
    member = CouncilMember.objects.create(period=period, user=user, agency=agency, role=role,
                                          keywords=keywords.strip(), home_unit=home_unit)
    Role.objects.get_or_create(user=user, kind=Role.COUNCIL if role != CouncilMember.CHAIR else Role.CHAIR,
                               authority=period.authority, defaults={"agency": agency})
    return member


def proposal_for(submission: Submission, node: Node) -> rules.Proposal | None:
    entry = Entry.objects.filter(submission=submission, node=node).first()
    files = Evidence.objects.filter(entry__submission=submission, entry__node=node, removed_at__isnull=True)
    numbers = [(e.doc_number, e.doc_number_suffix) for e in files]
    return rules.propose(
        max_points=node.max_points, evidence_numbers=numbers, explanation=entry.explanation if entry else "",
        first_year_full_marks=bool(node.rule.get("first_year_full_marks")),
        first_year=bool(submission.period.setting("first_year")),
        comparison=previous_comparison(submission, node),
        support_rule=submission.period.setting("support_rule"),
    )


@transaction.atomic
def appraisal_save(
    *,
    submission: Submission,
    node: Node,
    actor,
    version: int,
    value: str | None = None,
    comment: str = "",
    accept_proposal: bool = False,
    now: datetime | None = None,
    special: str | None = None,
    count: str | None = None,
    member: CouncilMember | None = None,
) -> Appraisal:
    """Save a member's score of one criterion (rule-aware input, like the unit's own: ``value``, and a special
    outcome chosen instead of the percentage or the count a rule asks, ``criteria.inputs.typed_input``).

    A comment is required when the appraised score differs from the self-score. With
    ``accept_proposal`` the automatic proposal is confirmed (its reason serves as comment if none is
    given). The row is locked and versioned: a member saving from a stale page gets
    :class:`ConflictError` with the other member's values, and nothing is written.

    A leaf whose appraising agency names several agencies (Phụ lục I 5.5) is scored per agency: the actor's
    council seat (``member``, else their seat in the period) says which named agency they speak for, the
    score goes to that agency's :class:`AgencyScore` (``version`` is that row's), and the leaf's appraised
    score is set only when every named agency agrees (:func:`multi_agency_result`). An actor without a seat in
    the period (the secretariat entering the council's result) writes the leaf as a whole, as for any leaf,
    only while no named agency has scored it. docs/regulation.md §3.
    """
    _assert_open(submission.period)
    deadlines.assert_appraisal_open(submission=submission, now=now)  # the block's own (issue #13 item 5)
    if submission.status not in (Submission.SENT, Submission.LOCKED):
        raise ValidationError("Chỉ thẩm định báo cáo đã gửi hoặc đã khóa khi hết hạn.")
    if node.framework_id != submission.framework_id or not node.unit_scored:
        raise ValidationError("Tiêu chí không thuộc phần thẩm định của thành viên Hội đồng.")
    agency_text = leaf_agency(node)
    if rules.is_multi_agency(agency_text):
        seat = member or CouncilMember.objects.filter(period=submission.period, user=actor).first()
        if seat is not None:
            return _agency_save(submission=submission, node=node, agency_text=agency_text, seat=seat, actor=actor,
                                version=version, value=value, comment=comment, accept_proposal=accept_proposal,
                                now=now, special=special, count=count)
        if AgencyScore.objects.filter(submission=submission, node=node).exists() or \
                CouncilDecision.objects.filter(submission=submission, node=node).exists():
            raise ValidationError(f"Tiêu chí {node.code} do nhiều cơ quan thẩm định ({agency_text}) và đã có điểm "
                                  "của cơ quan: điểm thẩm định là điểm các cơ quan thống nhất, hoặc quyết định của "
                                  "Hội đồng.")
    appraisal = _locked_appraisal(submission, node)
    check_version(appraisal, version, what=f"Tiêu chí {node.code}", verb="thẩm định", shown=_shown(appraisal),
                  someone="thành viên khác")
    checked = _checked_score(submission, node, value=value, comment=comment, accept_proposal=accept_proposal,
                             special=special, count=count)
    _apply(appraisal, checked)
    stamp(appraisal, actor=actor, now=_now(now))
    appraisal.save()
    return appraisal


def self_score_inputs(node: Node, entry: Entry) -> dict:
    """The unit's self-score of ``node`` as the council's score form would hold it ("value", "special",
    "count"): what a member types to confirm it."""
    from criteria.templatetags.criteria_tags import score_inputs

    return score_inputs(parse_rule(node.rule, node.max_points), entry)


@transaction.atomic
def self_scores_confirm(*, submission: Submission, member: CouncilMember, nodes: list[Node], versions: dict,
                        actor, now: datetime | None = None) -> list[Appraisal]:
    """The council confirms the self-score of several criteria of a unit in one action. Each criterion goes
    through :func:`appraisal_save` with its self-score as typed, as one confirm does (the same checks, the
    same version of the page, ``versions`` {node id: version}, the same history row). All or nothing: when
    any criterion cannot be confirmed, ``ValidationError`` lists each by code and title with the reason, and
    nothing is written."""
    if not nodes:
        raise ValidationError("Hãy chọn ít nhất một tiêu chí để xác nhận điểm tự chấm.")
    entries = {e.node_id: e for e in Entry.objects.filter(submission=submission, node__in=nodes)}
    saved, refused = [], []
    for node in nodes:
        entry = entries.get(node.pk)
        if entry is None or entry.points is None:
            refused.append(f"Tiêu chí {node.code} ({node.title}): đơn vị chưa tự chấm.")
            continue
        try:
            with transaction.atomic():
                saved.append(appraisal_save(submission=submission, node=node, actor=actor, member=member,
                                            version=versions.get(node.pk, -1), comment="", now=now,
                                            **self_score_inputs(node, entry)))
        except ValidationError as exc:
            reason = " ".join(exc.messages).removeprefix(f"Tiêu chí {node.code}: ")
            refused.append(f"Tiêu chí {node.code} ({node.title}): {reason}")
    if refused:
        raise ValidationError(refused)
    return saved


def _shown(score) -> str:
    return "chưa chấm" if score.points is None else f"{fmt(score.points)} điểm"


def leaf_agency(node: Node) -> str:
    """The "Cơ quan thẩm định" of a leaf (its own, or the nearest ancestor's)."""
    if node.appraising_agency:
        return node.appraising_agency
    return effective_agency(node, {n.id: n for n in Node.objects.filter(framework_id=node.framework_id)})


def _locked_appraisal(submission: Submission, node: Node) -> Appraisal:
    return locked_row(Appraisal, submission=submission, node=node)


def _checked_score(submission: Submission, node: Node, *, value, comment, accept_proposal, special, count) -> dict:
    """The score a member typed (or the proposal confirmed), with every check of the appraisal: the comment
    when it differs from the self-score or the proposal, the reason for the maximum on scans only."""
    comment = clean_text(comment, label="Nhận xét", max_length=5000)
    proposal = proposal_for(submission, node)
    if accept_proposal:
        if proposal is None:
            raise ValidationError("Tiêu chí này không có đề xuất tự động.")
        choice, pct, counted, points, reason = None, None, None, proposal.points, proposal.reason
        comment = comment or proposal.reason
        code = proposal.code
    else:
        if all(v is None or not str(v).strip() for v in (value, special, count)):
            raise ValidationError("Hãy nhập điểm thẩm định.", code="value")
        typed = typed_input(node, value=value, special=special, count=count)
        choice, pct, counted, points, reason = typed.choice, typed.percent, typed.count, typed.points, typed.reason
        code = ""
        if proposal and points != proposal.points and not comment:
            raise ValidationError(f"Điểm khác đề xuất tự động ({proposal.reason}): hãy ghi lý do trong nhận xét.",
                                  code="comment")
    entry = Entry.objects.filter(submission=submission, node=node).first()
    self_points = entry.points if entry else None
    if rules.comment_required(appraised=points, self_score=self_points) and not comment:
        own = "chưa tự chấm" if self_points is None else f"{fmt(self_points)} điểm"
        raise ValidationError(f"Điểm thẩm định {fmt(points)} khác điểm tự chấm ({own}): cần ghi nhận xét.",
                              code="comment")
    if not comment and rules.full_marks_on_scans_only(
            appraised=points, max_points=node.max_points,
            signature_statuses=Evidence.objects.filter(entry__submission=submission, entry__node=node,
                                                       removed_at__isnull=True).values_list("signature_status",
                                                                                            flat=True)):
        raise ValidationError(f"Tài liệu kiểm chứng của tiêu chí {node.code} chỉ là bản chụp, không có chữ ký số hợp "
                              f"lệ: không đạt điểm tối đa. Chấm tối đa {fmt(node.max_points)} điểm thì cần ghi lý do "
                              f"trong nhận xét.", code="comment")
    if len(comment) > 5000:
        raise ValidationError("Nhận xét dài quá 5.000 ký tự.", code="comment")
    return {"choice": choice, "percent": pct, "count": counted, "points": points, "reason": reason,
            "comment": comment, "proposal": code}


def _apply(record, checked: dict) -> None:
    for key, value in checked.items():
        setattr(record, key, value)


def _agency_save(*, submission, node, agency_text, seat, actor, version, value, comment, accept_proposal, now,
                 special, count) -> Appraisal:
    """One named agency's score of a multi-agency leaf (Phụ lục I 5.5), then the leaf's result."""
    agency = rules.seat_agency(agency_text, seat_agency_name=seat.agency, keywords=seat.keyword_list())
    if agency is None:
        raise ValidationError(f"Tiêu chí {node.code} do {', '.join(rules.named_agencies(agency_text))} thẩm định: "
                              f"{seat.agency} không thuộc các cơ quan này.")
    decision = CouncilDecision.objects.filter(submission=submission, node=node).select_related("decided_by").first()
    if decision is not None:
        raise ValidationError(f"Hội đồng đã quyết định điểm tiêu chí {node.code} ({fmt(decision.points)} điểm, "
                              f"{decision.decided_by} ghi lúc {timezone.localtime(decision.decided_at):%H:%M %d/%m/%Y})"
                              ": điểm của từng cơ quan không còn thay đổi.")
    _locked_appraisal(submission, node)  # one lock per leaf: the agencies' saves of one leaf run one at a time
    score = lock(AgencyScore, submission=submission, node=node, agency=agency)
    if score is None:  # created under the leaf's lock above: no other save of the leaf runs meanwhile
        score = AgencyScore.objects.create(submission=submission, node=node, agency=agency)
    check_version(score, version, what=f"Tiêu chí {node.code}: điểm của {agency}", shown=_shown(score),
                  someone="thành viên khác")
    checked = _checked_score(submission, node, value=value, comment=comment, accept_proposal=accept_proposal,
                             special=special, count=count)
    _apply(score, checked)
    stamp(score, actor=actor, now=_now(now))
    score.save()
    appraisal = multi_agency_result(submission=submission, node=node, actor=actor, now=now)
    appraisal.agency_score = score
    return appraisal


def multi_agency_result(*, submission: Submission, node: Node, actor, now: datetime | None = None) -> Appraisal:
    """Set a multi-agency leaf's appraised score from its agencies (docs/regulation.md §3, Phụ lục I 5.5): the
    council's decision when one is recorded; else the agreed points when every named agency scored and all
    are equal (``rules.agreement``); else no score, with the disagreement as the reason."""
    names = rules.named_agencies(leaf_agency(node))
    appraisal = _locked_appraisal(submission, node)
    scores = {s.agency: s for s in AgencyScore.objects.filter(submission=submission, node=node)}
    decision = CouncilDecision.objects.filter(submission=submission, node=node).first()
    comments = "\n".join(f"{rules.short_agency(n)}: {scores[n].comment}" for n in names
                         if n in scores and scores[n].comment)
    agreed, why = rules.agreement({n: scores[n].points if n in scores else None for n in names})
    first = scores.get(names[0]) if names else None
    if decision is not None:
        result = {"choice": None, "percent": None, "count": None, "points": decision.points,
                  "reason": f"Quyết định của Hội đồng thẩm định: {decision.reason}"
                            + (f" (căn cứ: {decision.basis})" if decision.basis else ""),
                  "comment": decision.reason, "proposal": ""}
    elif agreed is not None and first is not None:
        same = all((scores[n].choice, scores[n].percent, scores[n].count) ==
                   (first.choice, first.percent, first.count) for n in names)
        result = {"choice": first.choice if same else None, "percent": first.percent if same else None,
                  "count": first.count if same else None, "points": agreed,
                  "reason": f"Các cơ quan thẩm định thống nhất {fmt(agreed)} điểm.", "comment": comments,
                  "proposal": ""}
    else:
        result = {"choice": None, "percent": None, "count": None, "points": None, "reason": why[:1].upper() + why[1:],
                  "comment": comments, "proposal": ""}
    _apply(appraisal, result)
    stamp(appraisal, actor=actor, now=_now(now))
    appraisal.save()
    return appraisal


@transaction.atomic
def council_decision_record(*, submission: Submission, node: Node, points, reason: str, basis: str = "", actor,
                            now: datetime | None = None, dry_run: bool = False,
                            version: int | None = None) -> CouncilDecision | None:
    """The secretariat of the period's authority records the council's decision on a multi-agency leaf whose
    agencies have not agreed (Phụ lục I 5.5; docs/regulation.md §3): points within the leaf's maximum, a
    reason (required), the basis. Refused while the round is closed, for a single-agency leaf, and when the
    agencies already agree. ``dry_run`` checks everything and writes nothing (the confirmation page).
    ``version``: the decision's version the form was loaded with (0 for none yet); a decision recorded or
    changed since is a :class:`ConflictError` naming who and when (``config.versioning``)."""
    from criteria.scoring import ScoringError, parse_decimal

    _assert_open(submission.period)
    if not is_secretariat(actor, submission.period.authority_id):
        raise ValidationError("Chỉ cơ quan thường trực của Hội đồng ghi quyết định của Hội đồng.")
    if submission.status not in submission.period.appraisable_statuses:
        raise ValidationError("Báo cáo này không được thẩm định.")
    agency_text = leaf_agency(node)
    names = rules.named_agencies(agency_text)
    if node.framework_id != submission.framework_id or not node.rule or len(names) < 2:
        raise ValidationError(f"Tiêu chí {node.code} do một cơ quan thẩm định: không cần quyết định của Hội đồng.")
    scores = dict(AgencyScore.objects.filter(submission=submission, node=node).values_list("agency", "points"))
    agreed, _ = rules.agreement({n: scores.get(n) for n in names})
    existing = CouncilDecision.objects.select_for_update().filter(submission=submission, node=node).first()
    if version is not None and (existing.version if existing else 0) != version:
        if existing is None:  # removed since: nothing to name
            raise ConflictError(f"Quyết định của Hội đồng về tiêu chí {node.code} đã thay đổi. {ADVICE}", None)
        check_version(existing, version, what=f"Quyết định của Hội đồng về tiêu chí {node.code}", verb="ghi",
                      shown=f"{fmt(existing.points)} điểm", by="decided_by", at="decided_at")
    if agreed is not None and existing is None:
        raise ValidationError(f"Các cơ quan thẩm định đã thống nhất {fmt(agreed)} điểm: không cần quyết định của "
                              "Hội đồng.")
    try:
        value = parse_decimal(points, field_label="Điểm")
    except ScoringError as exc:
        raise ValidationError(str(exc), code="points") from None
    if not 0 <= value <= node.max_points:
        raise ValidationError(f"Điểm phải từ 0 đến {fmt(node.max_points)}.", code="points")
    if value != value.quantize(Decimal("0.000001")):
        raise ValidationError("Điểm có quá nhiều chữ số thập phân.", code="points")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Hãy ghi lý do quyết định của Hội đồng.", code="reason")
    if len(reason) > 5000:
        raise ValidationError("Lý do dài quá 5.000 ký tự.", code="reason")
    basis = (basis or "").strip()
    if len(basis) > 500:
        raise ValidationError("Căn cứ dài quá 500 ký tự.", code="basis")
    if dry_run:
        return None
    decision = existing or CouncilDecision(submission=submission, node=node)
    decision.points, decision.reason, decision.basis = value, reason, basis
    decision.scores_seen = rules.agency_scores_text({n: scores.get(n) for n in names})
    stamp(decision, actor=actor, now=_now(now), by="decided_by", at="decided_at")
    decision.save()
    multi_agency_result(submission=submission, node=node, actor=actor, now=now)
    return decision


@transaction.atomic
def quality_set(*, submission: Submission, node: Node, level: str, reason: str, actor, version: int | None = None,
                now: datetime | None = None) -> QualityLevel | None:
    """Override a criterion's derived quality level (``level=""`` removes the override).

    Concurrency: the level of a criterion is shared by the members of every agency appraising its leaves
    (5.5 of dh2024-xa spans four). The round row is locked (``_assert_open``: the quality saves of a period run
    one at a time, a first override included), and ``version`` must be the override's: else
    :class:`ConflictError` names who saved (or removed) it and when, and nothing is written. A removed
    override is stamped before it is deleted, so its history carries the version a new one continues from
    (``config.versioning.versioned_absent``)."""
    _assert_open(submission.period)
    deadlines.assert_appraisal_open(submission=submission)
    if node.kind not in ("criterion", "section") or node.framework_id != submission.framework_id:
        raise ValidationError("Chỉ xếp loại chất lượng cho tiêu chí (hoặc lĩnh vực không có tiêu chí con).")
    existing = lock(QualityLevel, submission=submission, node=node)
    current = existing or versioned_absent(QualityLevel, submission=submission, node=node)
    if current is not None:
        removed = getattr(current, "history_type", "") == "-"
        shown = "bỏ mức đã điều chỉnh, theo điểm" if removed else f"mức {current.get_level_display()}"
        check_version(current, version, what=f"Mức chất lượng tiêu chí {node.code}", shown=shown)
    elif version:
        check_version(QualityLevel(), version, what=f"Mức chất lượng tiêu chí {node.code}")
    if not level:
        if existing:
            stamp(existing, actor=actor, now=_now(now))  # the deletion's history row carries who, when, version
            existing.delete()
        return None
    if level not in dict(QualityLevel.LEVELS):
        raise ValidationError("Mức chất lượng không hợp lệ.", code="level")
    if not (reason or "").strip():
        raise ValidationError("Cần ghi lý do khi thay đổi mức chất lượng so với mức tính từ điểm.", code="reason")
    quality = existing or QualityLevel(submission=submission, node=node, version=current.version if current else 0)
    quality.level, quality.reason = level, reason.strip()
    stamp(quality, actor=actor, now=_now(now))
    quality.save()
    return quality


def _link(name: str, *args) -> str:
    from django.urls import reverse

    from config.mail import site_link

    return site_link(reverse(name, args=args))


def _notify(users, subject: str, body: str) -> None:
    from config.mail import send_notice

    send_notice(to=[u.email for u in users], subject=subject, body=body)


@transaction.atomic
def supplement_request(*, submission: Submission, member: CouncilMember, nodes: list[Node], message: str,
                       closes_at: datetime | None, now: datetime | None = None) -> SupplementRequest:
    """Reopen named criteria of one unit for evidence and explanation until ``closes_at``; notify the unit.
    What the form got wrong is refused at once, field by field (``ValidationError`` with a dict keyed
    "nodes", "message", "closes_at"), so that the page marks each wrong input and keeps the rest."""
    _assert_open(submission.period)
    deadlines.assert_appraisal_open(submission=submission, now=now)
    wrong = {}
    if not nodes:
        wrong["nodes"] = "Hãy chọn ít nhất một tiêu chí được bổ sung."
    if not (message or "").strip():
        wrong["message"] = "Hãy ghi nội dung yêu cầu bổ sung."
    if closes_at is None:
        wrong["closes_at"] = "Hãy ghi hạn bổ sung (dd/mm/yyyy HH:MM)."
    elif closes_at <= _now(now):
        wrong["closes_at"] = "Hạn bổ sung phải sau thời điểm hiện tại."
    if wrong:
        raise ValidationError(wrong)
    window = submission_services.window_open(submission=submission, nodes=nodes, closes_at=closes_at,
                                             message=message, actor=member.user, now=now)
    request = SupplementRequest.objects.create(submission=submission, member=member, window=window,
                                               message=message.strip())
    unit_users = [r.user for r in Role.objects.filter(unit=submission.unit).select_related("user")]
    codes = ", ".join(n.code for n in nodes)
    transaction.on_commit(lambda: _notify(
        unit_users, f"Yêu cầu bổ sung tài liệu kiểm chứng — {submission.period}",
        f"{member.agency} đề nghị {submission.unit} bổ sung tài liệu kiểm chứng, giải trình cho các tiêu chí "
        f"{codes} trước {timezone.localtime(closes_at):%H:%M ngày %d/%m/%Y}.\n\n{message}\n\nBổ sung và trả lời tại: "
        + _link("appraisal:unit_requests", submission.pk)))
    return request


@transaction.atomic
def supplement_answer(*, request: SupplementRequest, actor, answer: str, now: datetime | None = None
                      ) -> SupplementRequest:
    """The unit answers a request (after adding its evidence); the member is notified."""
    request = SupplementRequest.objects.select_for_update().select_related("window", "member__user").get(
        pk=request.pk)
    if _now(now) >= request.window.closes_at:
        raise ValidationError(f"Đã hết hạn bổ sung lúc {timezone.localtime(request.window.closes_at):%H:%M %d/%m/%Y}.")
    if not (answer or "").strip():
        raise ValidationError("Hãy ghi nội dung trả lời.", code="answer")
    request.answer, request.answered_at, request.answered_by = answer.strip(), _now(now), actor
    request.save()
    member_user = request.member.user
    transaction.on_commit(lambda: _notify(
        [member_user], f"Đơn vị đã trả lời yêu cầu bổ sung — {request.submission.unit}",
        answer.strip() + "\n\nThẩm định tại: "
        + _link("appraisal:unit_page", request.member_id, request.submission_id)))
    return request


def leader_answers(nodes: list[Node], answers: dict, *, submit: bool) -> tuple[dict[str, int], dict[str, str]]:
    """(the answers as stored, code → what is wrong with each question's answer): an answer is a whole number
    from 1 to the question's scale; a form being sent answers every question. Pure: the form page marks each
    question of the second dict, the service refuses when it is not empty."""
    clean, problems = {}, {}
    for node in nodes:
        raw = str(answers.get(node.code) or "").strip()
        scale = node.rule.get("scale", 5)
        if not raw:
            if submit:
                problems[node.code] = "Chưa chọn phương án cho tiêu chí này."
        elif not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= scale:
            problems[node.code] = f"Phương án trả lời phải là số từ 1 đến {scale}."
        else:
            clean[node.code] = int(raw)
    return clean, problems


@transaction.atomic
def leader_form_save(*, period: Period, leader, unit: Unit, answers: dict, submit: bool = False,
                     now: datetime | None = None) -> LeaderForm:
    """A leader fills (and submits) one form for one unit; section I of that unit is recomputed."""
    _assert_open(period)
    if not Role.objects.filter(user=leader, kind=Role.LEADER, authority=period.authority).exists():
        raise ValidationError("Chỉ Lãnh đạo UBND được phân công mới điền phiếu đánh giá.")
    submission = Submission.objects.filter(period=period, unit=unit).first()
    if submission is None:
        raise ValidationError("Đơn vị không có báo cáo trong kỳ.")
    deadlines.assert_leader_open(submission=submission, now=now)  # the block's own (issue #13 item 5)
    nodes = survey_leaves(submission.framework)
    clean, problems = leader_answers(nodes, answers, submit=submit)
    wrong = [code for code in problems if code in answers and str(answers[code] or "").strip()]
    if wrong:
        scale = next(n for n in nodes if n.code == wrong[0]).rule.get("scale", 5)
        raise ValidationError(f"Tiêu chí {wrong[0]}: phương án trả lời phải từ 1 đến {scale}.", code="answers",
                              params={"problems": problems})
    if problems:
        raise ValidationError(f"Phiếu chưa trả lời các tiêu chí: {', '.join(problems)}.", code="answers",
                              params={"problems": problems})
    form, _ = LeaderForm.objects.select_for_update().get_or_create(period=period, leader=leader, unit=unit)
    if form.submitted_at is not None:  # issue #15 item 5: a sent form is the leader's signed answer
        sent = timezone.localtime(form.submitted_at)
        raise ValidationError(f"Phiếu đánh giá {unit} đã gửi lúc {sent:%H:%M %d/%m/%Y}: không sửa được nữa.")
    form.answers = clean
    if submit:
        form.submitted_at = _now(now)
    form._history_user = leader
    form.save()
    survey_recompute(period=period, unit=unit, now=now)
    return form


MAX_TALLY = 1_000_000  # respondents of one answer on paper: far above any unit's survey, far below an overflow


@transaction.atomic
def paper_tally_save(*, period: Period, unit: Unit, node: Node, counts: dict, actor, version: int | None = None,
                     now: datetime | None = None) -> PaperTally:
    """The secretariat enters the number of respondents per answer from paper forms.

    Concurrency: the secretariat's staff share the form. The round row is locked (``_assert_open``), then the
    tally; ``version`` must be the tally's, else :class:`ConflictError` names who entered it and when, and
    nothing is written (the form saves all its rows in one transaction, so one stale row refuses them all)."""
    _assert_open(period)
    scale = node.rule.get("scale", 5) if node.rule else 5
    if not node.is_survey:
        raise ValidationError("Chỉ nhập phiếu giấy cho tiêu chí chấm bằng phiếu đánh giá.")
    clean = {}
    for answer in range(1, scale + 1):
        raw = counts.get(str(answer), counts.get(answer, 0))
        try:
            n = int(str(raw or 0))
        except ValueError:
            raise ValidationError(f"Số phiếu chọn phương án {answer} phải là số nguyên.") from None
        if n < 0:
            raise ValidationError(f"Số phiếu chọn phương án {answer} không được âm.")
        if n > MAX_TALLY:
            raise ValidationError(f"Số phiếu chọn phương án {answer} quá lớn (tối đa {MAX_TALLY:,}).".replace(",", "."))
        if n:
            clean[str(answer)] = n
    tally, created = PaperTally.objects.select_for_update().get_or_create(
        period=period, unit=unit, node=node, defaults={"entered_by": actor})
    check_version(tally, version, what=f"Số phiếu giấy tiêu chí {node.code} của {unit}",
                  shown=f"{sum(tally.counts.values())} phiếu", by="entered_by", at="entered_at")
    if created or tally.counts != clean:
        tally.counts = clean
        stamp(tally, actor=actor, now=_now(now), by="entered_by", at="entered_at")
        tally.save()
    survey_recompute(period=period, unit=unit, now=now)
    return tally


def survey_counts(period: Period, unit: Unit, nodes: list[Node]) -> dict[str, dict[int, int]]:
    """Respondents per answer per criterion: submitted leaders' forms plus paper tallies."""
    counts: dict[str, dict[int, int]] = {n.code: {} for n in nodes}
    for form in LeaderForm.objects.filter(period=period, unit=unit, submitted_at__isnull=False):
        for code, answer in form.answers.items():
            if code in counts:
                counts[code][int(answer)] = counts[code].get(int(answer), 0) + 1
    by_id = {n.id: n.code for n in nodes}
    for tally in PaperTally.objects.filter(period=period, unit=unit, node_id__in=by_id):
        bucket = counts[by_id[tally.node_id]]
        for answer, n in tally.counts.items():
            bucket[int(answer)] = bucket.get(int(answer), 0) + int(n)
    return counts


@transaction.atomic
def survey_recompute(*, period: Period, unit: Unit, now: datetime | None = None) -> list[Appraisal]:
    """Section I scores of a unit from the survey formula (docs/regulation.md §1: avg × max / scale)."""
    submission = Submission.objects.filter(period=period, unit=unit).first()
    if submission is None:
        return []
    nodes = survey_leaves(submission.framework)
    counts = survey_counts(period, unit, nodes)
    out = []
    for node in nodes:
        appraisal, _ = Appraisal.objects.select_for_update().get_or_create(submission=submission, node=node)
        respondents = sum(counts[node.code].values())
        if respondents:
            result = score_survey(parse_rule(node.rule, node.max_points), node.max_points, counts[node.code])
            points, reason = result.points, result.reason
        else:
            points, reason = None, ""
        if (appraisal.points, appraisal.survey_respondents) != (points, respondents or None):
            appraisal.points, appraisal.reason, appraisal.survey_respondents = points, reason, respondents or None
            # a recomputation: a stale page of the leaf is refused, no one is named
            stamp(appraisal, actor=None, now=now)
            appraisal.save()
        out.append(appraisal)
    return out


@transaction.atomic
def round_update(*, period: Period, holidays: list[date], allowed: int = 50) -> AppraisalRound:
    """The Điều 9.5 calendar of the round: the allowed working days and the holidays, which every unit's own
    count uses (``appraisal.selectors.period_countdowns``; the round's single ``received_on`` is not read)."""
    current = _assert_open(period)
    current.allowed_working_days = allowed
    current.holidays = sorted({d.isoformat() for d in holidays})
    current.save()
    return current


def _round_locked(period: Period) -> AppraisalRound:
    return AppraisalRound.objects.select_for_update().get(pk=round_for(period).pk)


@transaction.atomic
def round_release(*, period: Period, actor, now: datetime | None = None) -> AppraisalRound:
    """Let units see their appraised scores and comments: only after the deadline (before it, a unit could
    still change what the council judges)."""
    from .selectors import deadline_gap
    from .states import ROUND, round_roles

    now = _now(now)
    current = _round_locked(period)
    transition(ROUND, current, "release", actor=actor, roles=round_roles(actor, period),
               missing=[str(g) for g in deadline_gap(period, now)], at=now)
    current.released_at, current.released_by = now, actor
    current.save(update_fields=["status", "released_at", "released_by"])
    return current


@transaction.atomic
def round_close(*, period: Period, actor, now: datetime | None = None) -> AppraisalRound:
    """Freeze the appraisal: later change only through revocation and re-ranking (Điều 10.4). Refused,
    with every missing unit × criterion, agency and quality level listed, until ``close_gaps`` is empty."""
    from .selectors import close_gaps
    from .states import ROUND, round_roles

    now = _now(now)
    current = _round_locked(period)
    submission_services.submissions_lock_overdue(now=now)
    transition(ROUND, current, "close", actor=actor, roles=round_roles(actor, period),
               missing=[str(g) for g in close_gaps(period, now)], at=now)
    current.closed_at, current.closed_by = now, actor
    current.save(update_fields=["status", "closed_at", "closed_by"])
    results_freeze(period=period, now=current.closed_at)
    return current


@transaction.atomic
def results_freeze(*, period: Period, now: datetime | None = None) -> int:
    """Freeze every submission's appraised total and criterion levels (AppraisedResult), as the closing of
    the round leaves them; ranking then reads one row per unit. Returns the number of rows written."""
    thresholds = period.quality_thresholds
    ids = list(Submission.objects.filter(period=period).values_list("pk", flat=True))
    results = appraised_results(ids, thresholds)
    AppraisedResult.objects.filter(submission_id__in=ids).delete()  # before reading: never the frozen ones
    scores = criterion_scores(ids)
    stamp, used = _now(now), ",".join(str(t) for t in thresholds)
    AppraisedResult.objects.bulk_create(
        [AppraisedResult(submission_id=sid, total=total, below=",".join(f"{cid}:{level}" for cid, level in below),
                         criteria=",".join(f"{cid}:{points}" for cid, points in scores[sid].items()
                                           if points is not None),
                         thresholds=used, frozen_at=stamp) for sid, (total, below) in results.items()],
        batch_size=2000)
    return len(results)
