"""The period's ranking: computed from appraised scores, the chair's order, submission, approval,
the public page, revocation into a new version, across years, and who may do what."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal import services as appraisal_services
from criteria.models import Framework, Node
from ranking import services
from ranking.models import RankingVersion
from submissions.models import Period, PeriodBlock, Role, Submission, Unit
from tests.appraisal.conftest import fill_and_send
from tests.factories import UserFactory, close_round, make_world

pytestmark = pytest.mark.django_db


def appraise_all(submission, actor, factor=Decimal(1)):
    for node in Node.objects.filter(framework=submission.framework).order_by("ordering"):
        if node.rule and node.rule["kind"] != "survey":
            value = (node.max_points * factor).quantize(Decimal("0.01"))
            appraisal_services.appraisal_save(submission=submission, node=node, actor=actor, version=0,
                                              value=str(value), comment="" if factor == 1 else "Thiếu tài liệu")


def leaders(world, unit, answer=5):
    leader = UserFactory(username=f"ld-{unit.code}-{answer}")
    Role.objects.create(user=leader, kind=Role.LEADER, authority=world.authority)
    appraisal_services.leader_form_save(period=world.period, leader=leader, unit=unit,
                                        answers={c: answer for c in ("1.1", "1.2", "1.3", "1.4", "1.5")}, submit=True)


@pytest.fixture
def ranked(db):
    """Units A and B sent and appraised: A at full marks (100), B at 90 % (self-scores kept at max)."""
    w = make_world()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    appraise_all(w.sub_a, w.secretariat)
    appraise_all(w.sub_b, w.secretariat, Decimal("0.9"))
    leaders(w, w.unit_a)
    leaders(w, w.unit_b)
    close_round(w.period, w.secretariat)
    w.chair = UserFactory(username="ct.hoidong")
    Role.objects.create(user=w.chair, kind=Role.CHAIR, authority=w.authority)
    w.chairman = UserFactory(username="ct.ubnd")
    Role.objects.create(user=w.chairman, kind=Role.CHAIRMAN, authority=w.authority)
    for unit in (w.unit_a, w.unit_b):
        services.facts_save(period=w.period, unit=unit, actor=w.secretariat, outstanding=True, discipline="none",
                            corruption="none", disunity=False, subunits_disciplined_share="0",
                            evidence="Tờ trình 15/TTr-HĐTĐ")
    return w


def test_ranking_is_computed_from_appraised_scores_and_facts(ranked):
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    units = {u["id"]: u for u in version.snapshot["units"]}
    assert units["so-xay-dung"]["total"] == "100.00" and units["so-xay-dung"]["rank"] == 1
    assert units["so-y-te"]["rank"] == 2 and Decimal(units["so-y-te"]["total"]) == Decimal("92.00")
    # Both qualify HTTNV or better: cap = min(4, round_half_up(0.2 × 2) = 0) = 0.
    assert version.snapshot["summary"]["excellent_cap"] == 0
    assert units["so-xay-dung"]["qualified"] == "HTXSNV" and units["so-xay-dung"]["grade"] == "HTTNV"
    assert any("vượt" in r for r in units["so-xay-dung"]["reasons"])
    assert units["so-xay-dung"]["proposed_grade"] == "HTTNV"


def test_facts_change_the_grade_with_reasons(ranked):
    services.facts_save(period=ranked.period, unit=ranked.unit_b, actor=ranked.secretariat, outstanding=False,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="Quyết định kỷ luật 45/QĐ-UBND")
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    b = next(u for u in version.snapshot["units"] if u["id"] == "so-y-te")
    assert b["grade"] == "KHTNV" and any("kỷ luật" in r for r in b["reasons"])


def test_facts_need_evidence_and_a_valid_share(ranked):
    with pytest.raises(ValidationError, match="căn cứ"):
        services.facts_save(period=ranked.period, unit=ranked.unit_b, actor=ranked.secretariat, outstanding=True,
                            discipline="none", corruption="none", disunity=False, subunits_disciplined_share="0",
                            evidence="")
    with pytest.raises(ValidationError, match="từ 0 đến 1"):
        services.facts_save(period=ranked.period, unit=ranked.unit_b, actor=ranked.secretariat, outstanding=False,
                            discipline="none", corruption="none", disunity=False, subunits_disciplined_share="1,5",
                            evidence="x")


def test_submit_needs_closed_appraisal(db):
    w = make_world()
    fill_and_send(w, w.sub_a, w.approver_a)
    with pytest.raises(ValidationError, match="chưa kết thúc"):
        services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    assert not RankingVersion.objects.exists()


def test_full_flow_publish_then_revoke_keeps_the_old_version(ranked, client):
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    with pytest.raises(ValidationError, match="Đã trình"):
        services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    published = services.ranking_approve(version=version, actor=ranked.chairman, decision_number="125/QĐ-UBND",
                                         decision_date=date(2025, 1, 20))
    assert published.status == "published"
    # Public, without login.
    page = client.get(reverse("ranking:public_detail", args=[published.pk])).content.decode()
    assert "Sở Xây dựng" in page and "125/QĐ-UBND" in page and "Hoàn thành tốt nhiệm vụ" in page
    assert "100,00" in page and "100.00" not in page  # decimal comma
    with pytest.raises(ValidationError, match="Điều 10.4"):
        services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    # A violation is found: the facts change, the chairman revokes, the block is re-ranked.
    services.facts_save(period=ranked.period, unit=ranked.unit_a, actor=ranked.secretariat, outstanding=True,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="Kết luận thanh tra 88/KL-TTr")
    new = services.ranking_revoke(version=published, actor=ranked.chairman, reason="Phát hiện vi phạm sau công bố",
                                  unit_code="so-xay-dung", decision_number="300/QĐ-UBND",
                                  decision_date=date(2025, 3, 1))
    old = RankingVersion.objects.get(pk=published.pk)
    assert old.status == "revoked" and old.revoke_reason == "Phát hiện vi phạm sau công bố"
    assert old.snapshot["units"][0]["grade"] == "HTTNV"  # the old result is kept as it was
    assert new.number == 2 and new.replaces_id == old.pk and new.status == "published"
    assert next(u for u in new.snapshot["units"] if u["id"] == "so-xay-dung")["grade"] == "KHTNV"
    listing = client.get(reverse("ranking:public_list")).content.decode()
    assert "Đã hủy bỏ" in listing and "300/QĐ-UBND" in listing
    old_page = client.get(reverse("ranking:public_detail", args=[old.pk])).content.decode()
    assert "đã bị hủy bỏ" in old_page


def test_public_page_never_shows_drafts(ranked, client):
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    assert client.get(reverse("ranking:public_detail", args=[version.pk])).status_code == 404
    services.ranking_submit(version=version, actor=ranked.secretariat)
    assert client.get(reverse("ranking:public_detail", args=[version.pk])).status_code == 404
    assert "Sở Xây dựng" not in client.get(reverse("ranking:public_list")).content.decode()


def _tie_world():
    """Quota 1 and three units: two tied at the top at 3 decimals, one lower → the chair decides."""
    w = make_world()
    unit_c = Unit.objects.create(authority=w.authority, block=w.block, code="so-c", name="Sở C")
    from submissions import services as submission_services

    sub_c = submission_services.submission_get_or_create(period=w.period, unit=unit_c)
    approver_c = UserFactory(username="approver.c")
    Role.objects.create(user=approver_c, kind=Role.APPROVER, unit=unit_c)
    PeriodBlock.objects.filter(period=w.period, block=w.block).update(excellent_quota=1)  # the period's quota
    Period.objects.filter(pk=w.period.pk).update(settings={"excellent_share": "0.5"})
    w.period.refresh_from_db()
    subs = [fill_and_send(w, w.sub_a, w.approver_a), fill_and_send(w, w.sub_b, w.approver_b),
            fill_and_send(w, sub_c, approver_c)]
    for sub, factor in zip(subs, (Decimal(1), Decimal(1), Decimal("0.95")), strict=True):
        appraise_all(sub, w.secretariat, factor)
        leaders(w, sub.unit)
    close_round(w.period, w.secretariat)
    for sub in subs:
        services.facts_save(period=w.period, unit=sub.unit, actor=w.secretariat, outstanding=True, discipline="none",
                            corruption="none", disunity=False, subunits_disciplined_share="0", evidence="TTr 1")
    w.chair = UserFactory(username="chair")
    Role.objects.create(user=w.chair, kind=Role.CHAIR, authority=w.authority)
    return w


def test_tie_at_the_cap_waits_for_the_chair(db):
    w = _tie_world()
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    assert version.snapshot["unresolved"] == ["so-xay-dung", "so-y-te"] or sorted(
        version.snapshot["unresolved"]) == ["so-xay-dung", "so-y-te"]
    tops = [u for u in version.snapshot["units"] if u["id"] in ("so-xay-dung", "so-y-te")]
    assert all(u["rank"] == 1 and u["tie"] and u["chair"] and u["grade"] == "HTTNV" for u in tops)
    with pytest.raises(ValidationError, match="chưa được Chủ tịch Hội đồng thẩm định quyết định thứ tự"):
        services.ranking_submit(version=version, actor=w.secretariat)
    with pytest.raises(ValidationError, match="căn cứ"):
        services.chair_decide(version=version, orders=[["so-y-te", "so-xay-dung"]], note="", actor=w.chair)
    with pytest.raises(ValidationError, match="không phải là một nhóm"):
        services.chair_decide(version=version, orders=[["so-y-te", "so-c"]], note="Biểu quyết", actor=w.chair)
    version = services.chair_decide(version=version, orders=[["so-y-te", "so-xay-dung"]],
                                    note="Biểu quyết ngày 15/01/2025", actor=w.chair)
    units = {u["id"]: u for u in version.snapshot["units"]}
    assert units["so-y-te"]["rank"] == 1 and units["so-y-te"]["grade"] == "HTXSNV"
    assert units["so-xay-dung"]["rank"] == 2 and units["so-xay-dung"]["grade"] == "HTTNV"
    assert not version.snapshot["unresolved"]
    services.ranking_submit(version=version, actor=w.secretariat)


def test_two_years_not_completed_is_flagged_and_previous_rank_shown(ranked):
    # Publish 2024 with unit B not completing (unremedied discipline) ...
    services.facts_save(period=ranked.period, unit=ranked.unit_b, actor=ranked.secretariat, outstanding=False,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="QĐ 45")
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    services.ranking_approve(version=version, actor=ranked.chairman, decision_number="1/QĐ-UBND",
                             decision_date=date(2025, 1, 1))
    # ... and the 2025 period of the same authority.
    period = Period(authority=ranked.authority, code="tn-2025", name="Năm 2025", year=2025,
                    opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() + timedelta(days=1))
    from submissions import services as submission_services

    submission_services.period_save(period=period, frameworks={ranked.block: Framework.objects.get(code="tn2024-so")})
    subs = {s.unit_id: s for s in Submission.objects.filter(period=period)}
    ranked.period = period
    subs[ranked.unit_a.pk] = fill_and_send(ranked, subs[ranked.unit_a.pk], ranked.approver_a)
    subs[ranked.unit_b.pk] = fill_and_send(ranked, subs[ranked.unit_b.pk], ranked.approver_b)
    for unit in (ranked.unit_a, ranked.unit_b):
        appraise_all(subs[unit.pk], ranked.secretariat)
        leaders(ranked, unit, answer=4)
    close_round(period, ranked.secretariat)
    services.facts_save(period=period, unit=ranked.unit_b, actor=ranked.secretariat, outstanding=False,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="QĐ 46")
    version = services.ranking_compute(period=period, block=ranked.block, actor=ranked.secretariat)
    b = next(u for u in version.snapshot["units"] if u["id"] == "so-y-te")
    assert b["previous"]["grade"] == "KHTNV" and b["two_years_khtnv"]
    assert any("Điều 11.2.d" in r for r in b["reasons"])
    a = next(u for u in version.snapshot["units"] if u["id"] == "so-xay-dung")
    assert a["previous"]["rank"] == 1 and not a.get("two_years_khtnv")


def test_rank_only_period_publishes_without_grades(ranked):
    Period.objects.filter(pk=ranked.period.pk).update(kind=Period.RANK_ONLY)
    ranked.period.refresh_from_db()
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    assert version.snapshot["rank_only"] and all(u["grade"] is None for u in version.snapshot["units"])


# --------------------------------------------------------------------------- views and who may act


def test_only_the_secretariat_computes_and_submits(ranked, client_for):
    url = reverse("ranking:block", args=[ranked.period.pk, ranked.block.pk])
    for actor in ("officer_a", "approver_a", "outsider"):
        client = client_for(getattr(ranked, actor))
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "compute"}).status_code == 403
    assert not RankingVersion.objects.exists()
    # The chairman may read but not compute.
    response = client_for(ranked.chairman).post(url, {"action": "compute"})
    assert response.status_code == 403
    client = client_for(ranked.secretariat)
    client.post(url, {"action": "compute"})
    assert RankingVersion.objects.get().status == "draft"
    assert client.post(url, {"action": "submit"}).status_code == 200  # the confirmation, nothing submitted
    assert RankingVersion.objects.get().status == "draft"
    client.post(url, {"action": "submit", "confirm": "1"})
    assert RankingVersion.objects.get().status == "submitted"


def test_only_the_chairman_approves(ranked, client_for):
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    url = reverse("ranking:block", args=[ranked.period.pk, ranked.block.pk])
    data = {"action": "approve", "decision_number": "9/QĐ-UBND", "decision_date": "2025-01-20"}
    assert client_for(ranked.secretariat).post(url, data).status_code == 403
    assert client_for(ranked.chair).post(url, data).status_code == 403
    assert RankingVersion.objects.get().status == "submitted"
    confirmation = client_for(ranked.chairman).post(url, data)  # shows what the public page will show
    assert confirmation.status_code == 200 and "Trang công khai sẽ hiển thị" in confirmation.content.decode()
    assert RankingVersion.objects.get().status == "submitted"
    client_for(ranked.chairman).post(url, {**data, "confirm": "1"})
    version = RankingVersion.objects.get()
    assert version.status == "published" and version.decision_number == "9/QĐ-UBND"


def test_only_the_chair_orders_ties(db, client_for):
    w = _tie_world()
    services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    url = reverse("ranking:block", args=[w.period.pk, w.block.pk])
    data = {"action": "chair", "orders": "so-y-te, so-xay-dung", "note": "Biểu quyết"}
    assert client_for(w.secretariat).post(url, data).status_code == 403
    assert RankingVersion.objects.get().snapshot["unresolved"]
    client_for(w.chair).post(url, data)
    assert not RankingVersion.objects.get().snapshot["unresolved"]


def test_facts_page_only_for_the_secretariat(ranked, client_for):
    url = reverse("ranking:facts", args=[ranked.period.pk, ranked.unit_a.pk])
    assert client_for(ranked.officer_a).get(url).status_code == 403
    assert client_for(ranked.chairman).post(url, {"discipline": "unremedied"}).status_code == 403
    assert client_for(ranked.secretariat).get(url).status_code == 200


def test_block_page_workbook_and_lost_points(ranked, client_for):
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    client = client_for(ranked.secretariat)
    page = client.get(reverse("ranking:block", args=[ranked.period.pk, ranked.block.pk])).content.decode()
    assert "Sở Xây dựng" in page and "<svg" in page and "Phân bố tổng điểm" in page
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(reverse("ranking:workbook", args=[ranked.period.pk])).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("Hạng", "Mã", "Đơn vị", "Tổng điểm", "Tổng điểm (3 số lẻ)") and "3.2" in rows[0]
    assert rows[1][1] == "so-xay-dung" and rows[1][3] == 100
    # Lost points: the unit sees them only once published.
    lost_url = reverse("ranking:lost_points", args=[ranked.sub_b.pk])
    assert client_for(ranked.officer_b).get(lost_url).status_code == 404
    assert client_for(ranked.officer_a).get(lost_url).status_code == 404
    services.ranking_submit(version=version, actor=ranked.secretariat)
    services.ranking_approve(version=version, actor=ranked.chairman, decision_number="1/QĐ-UBND",
                             decision_date=date(2025, 1, 1))
    response = client_for(ranked.officer_b).get(lost_url)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("Mã", "Tiêu chí", "Điểm tối đa") and any(r[6] == "Thiếu tài liệu" for r in rows[2:])
    assert client_for(ranked.officer_a).get(lost_url).status_code == 404


def test_signed_annex(ranked, client_for, settings, tmp_path):
    from ranking.signing import make_dev_certificate, verify_intact

    settings.RANKING_SIGNING_P12 = tmp_path / "dev.p12"
    settings.RANKING_SIGNING_PASSPHRASE = "thu-nghiem"
    make_dev_certificate(settings.RANKING_SIGNING_P12, passphrase=b"thu-nghiem")
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    services.ranking_approve(version=version, actor=ranked.chairman, decision_number="125/QĐ-UBND",
                             decision_date=date(2025, 1, 20))
    response = client_for(ranked.secretariat).get(reverse("ranking:annex", args=[ranked.period.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    result = verify_intact(response.content)
    assert result["intact"] and result["pades"]


def test_anonymous_sees_public_pages_only(ranked):
    client = Client()
    assert client.get(reverse("ranking:public_list")).status_code == 200
    url = reverse("ranking:block", args=[ranked.period.pk, ranked.block.pk])
    assert client.get(url).status_code == 302


def test_heavy_reports_run_as_jobs_with_progress(ranked, client_for, settings, tmp_path):
    from ranking.models import ReportJob
    from ranking.signing import make_dev_certificate
    from ranking.tasks import build_report

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RANKING_SIGNING_P12 = tmp_path / "dev.p12"
    settings.RANKING_SIGNING_PASSPHRASE = "thu"
    make_dev_certificate(settings.RANKING_SIGNING_P12, passphrase=b"thu")
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    services.ranking_approve(version=version, actor=ranked.chairman, decision_number="7/QĐ-UBND",
                             decision_date=date(2025, 1, 7))
    client = client_for(ranked.secretariat)
    response = client.post(reverse("ranking:report_request", args=[ranked.period.pk]), {"kind": "annex"})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{job.pk}/")
    waiting = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-hx-trigger="every 2s"' in waiting and "Đang chờ" in waiting
    build_report.apply(args=[job.pk])  # what the worker runs
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 100
    page = client.get(response.url).content.decode()
    assert "Tải về" in page and "every 2s" not in page
    download = client.get(response.url, {"tai": "1"})
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # Others may neither request nor read jobs.
    assert client_for(ranked.officer_a).get(response.url).status_code == 403
    assert client_for(ranked.officer_a).post(reverse("ranking:report_request", args=[ranked.period.pk]),
                                             {"kind": "workbook"}).status_code == 403


def test_a_failing_job_says_why(db):
    w = make_world()
    from ranking.models import ReportJob
    from ranking.tasks import build_report

    job = ReportJob.objects.create(period=w.period, kind="workbook", requested_by=w.secretariat)
    build_report.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == "failed" and "chưa có kết quả xếp loại" in job.message


def test_unit_page_shows_rank_and_score_over_the_years(ranked, client_for):
    from appraisal.models import AppraisalRound

    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    services.ranking_approve(version=version, actor=ranked.chairman, decision_number="1/QĐ-UBND",
                             decision_date=date(2025, 1, 1))
    AppraisalRound.objects.filter(period=ranked.period).update(released_at=timezone.now())
    page = client_for(ranked.officer_a).get(reverse("appraisal:unit_results", args=[ranked.sub_a.pk])).content
    html = page.decode()
    assert "qua các năm" in html and "2024: 100,00 điểm, hạng 1/2" in html


def test_ranking_report_command_writes_a_signed_intact_annex(ranked, settings, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from ranking.signing import verify_intact

    settings.RANKING_SIGNING_P12 = tmp_path / "dev.p12"
    settings.RANKING_SIGNING_PASSPHRASE = "thu-nghiem"
    call_command("make_dev_certificate", verbosity=0)
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    out = tmp_path / "phu-luc.pdf"
    with pytest.raises(CommandError, match="chưa được phê duyệt"):
        call_command("ranking_report", period=ranked.period.code, signed=True, out=str(out))
    services.ranking_submit(version=version, actor=ranked.secretariat)
    services.ranking_approve(version=version, actor=ranked.chairman, decision_number="125/QĐ-UBND",
                             decision_date=date(2025, 1, 20))
    call_command("ranking_report", period=ranked.period.code, signed=True, out=str(out))
    result = verify_intact(out.read_bytes())
    assert result["intact"] and result["pades"] and result["coverage"]
    call_command("ranking_report", period=ranked.period.code, out=str(tmp_path / "xep-loai.xlsx"))
    assert (tmp_path / "xep-loai.xlsx").read_bytes().startswith(b"PK")
    with pytest.raises(CommandError, match="Không có kỳ đánh giá mã “khong-co”"):
        call_command("ranking_report", period="khong-co", out=str(out))


def test_publication_is_emailed_to_the_units_of_the_block(ranked, mailoutbox, django_capture_on_commit_callbacks):
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        services.ranking_approve(version=version, actor=ranked.chairman, decision_number="125/QĐ-UBND",
                                 decision_date=date(2025, 1, 20))
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert "Công bố kết quả xếp loại" in message.subject and "125/QĐ-UBND" in message.body
    assert sorted(message.bcc) == sorted(u.email for u in (ranked.officer_a, ranked.approver_a, ranked.officer_b,
                                                            ranked.approver_b))
