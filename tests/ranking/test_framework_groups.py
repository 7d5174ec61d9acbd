"""Issue #12 item 4: group codes belong to the framework. A PAR-index framework whose top-level groups are
not ND1–ND3 (the self-assessed part "TDG" and the survey part "XHH") ranks and publishes in a rank-only
period; a grading period names the results group through its frameworks; a ranking the rules refuse says
"Chưa xếp hạng được: …", never the decision date's message."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from criteria.models import Framework
from criteria.services import FrameworkMeta, framework_save
from criteria.tree import NodeSpec
from ranking import services
from ranking.models import RankingVersion
from submissions.models import Period, Role
from tests.appraisal.conftest import fill_and_send
from tests.factories import UserFactory, close_round, make_world
from tests.ranking.test_publication import appraise_all

pytestmark = pytest.mark.django_db

MANUAL = {"kind": "manual"}


def par_framework(code: str = "par-2024", results_group: str = "") -> Framework:
    """A 100-point PAR index: the part the unit scores itself (TDG, 70) and the survey part (XHH, 30)."""
    meta = FrameworkMeta(code=code, name="Chỉ số CCHC thử nghiệm", authority_code="tinh-thai-nguyen",
                         authority_name="UBND tỉnh Thái Nguyên", authority_level="tinh", year=2024,
                         target_group="Sở, ban, ngành", issuing_decision="Thử nghiệm", total_points=100,
                         **({"results_group": results_group} if results_group else {}))
    agency = "Sở Nội vụ"
    specs = [
        NodeSpec("TDG", None, "content", "Điểm tự đánh giá", "70"),
        NodeSpec("I", "TDG", "section", "Công tác chỉ đạo, điều hành", "40"),
        NodeSpec("1.1", "I", "criterion", "Kế hoạch CCHC", "30", agency, rule=MANUAL),
        NodeSpec("1.2", "I", "criterion", "Báo cáo CCHC", "10", agency, rule=MANUAL),
        NodeSpec("II", "TDG", "section", "Thủ tục hành chính", "30"),
        NodeSpec("2.1", "II", "criterion", "Giải quyết hồ sơ đúng hạn", "30", agency, rule=MANUAL),
        NodeSpec("XHH", None, "content", "Điểm điều tra xã hội học", "30"),
        NodeSpec("III", "XHH", "section", "Mức độ hài lòng", "30"),
        NodeSpec("3.1", "III", "criterion", "Hài lòng của người dân", "30", agency, rule=MANUAL),
    ]
    framework, _ = framework_save(meta=meta, specs=specs)
    return framework


def _actors(w):
    w.chair = UserFactory(username="ct.hoidong")
    Role.objects.create(user=w.chair, kind=Role.CHAIR, authority=w.authority)
    w.chairman = UserFactory(username="ct.ubnd")
    Role.objects.create(user=w.chairman, kind=Role.CHAIRMAN, authority=w.authority)
    return w


@pytest.fixture
def par(db):
    """A rank-only period on the TDG/XHH framework: A appraised at full marks, B at 60 % (every criterion of
    B is Trung bình: quality levels below Xuất sắc exist in both groups), the round closed."""
    par_framework()
    w = make_world(framework_code="par-2024")
    Period.objects.filter(pk=w.period.pk).update(kind=Period.RANK_ONLY)
    w.period.refresh_from_db()
    w.sub_a = fill_and_send(w, w.sub_a, w.approver_a)
    w.sub_b = fill_and_send(w, w.sub_b, w.approver_b)
    appraise_all(w.sub_a, w.secretariat)
    appraise_all(w.sub_b, w.secretariat, Decimal("0.6"))
    close_round(w.period, w.secretariat)
    return _actors(w)


def test_rank_only_period_on_tdg_xhh_framework_ranks_and_publishes(par, client_for):
    """Done when: a rank-only period on a framework coded TDG/XHH ranks and publishes (the pages too)."""
    url = reverse("ranking:block", args=[par.period.pk, par.block.pk])
    secretariat = client_for(par.secretariat)
    response = secretariat.post(url, {"action": "compute"}, follow=True)
    html = response.content.decode()
    assert "Ngày quyết định không hợp lệ" not in html, html
    assert "Chưa xếp hạng được" not in html
    version = RankingVersion.objects.get(period=par.period, block=par.block)
    assert version.status == RankingVersion.DRAFT and version.snapshot["rank_only"]
    units = {u["id"]: u for u in version.snapshot["units"]}
    assert units["so-xay-dung"]["rank"] == 1 and units["so-xay-dung"]["total"] == "100.00"
    assert units["so-y-te"]["rank"] == 2 and units["so-y-te"]["total"] == "60.00"
    assert all(u["grade"] is None and u["qualified"] is None for u in units.values())
    secretariat.post(url, {"action": "submit", "confirm": "1"})
    version.refresh_from_db()
    assert version.status == RankingVersion.SUBMITTED
    client_for(par.chairman).post(url, {"action": "approve", "confirm": "1", "decision_number": "12/QĐ-UBND",
                                        "decision_date": "2025-01-20"})
    version.refresh_from_db()
    assert version.status == RankingVersion.PUBLISHED and version.decision_date == date(2025, 1, 20)
    public = client_for(par.outsider).get(reverse("ranking:public_detail", args=[version.pk])).content.decode()
    assert "Sở Xây dựng" in public and "12/QĐ-UBND" in public


def test_rank_only_builds_no_quality_level_criteria(par):
    """A rank-only period orders by the totals alone: no criterion, no content group reaches the rules."""
    settings = services.period_settings(par.period, par.block)
    assert settings.rank_only and settings.results_group == "" and list(settings.group_labels) == ["TDG", "XHH"]
    units, _ = services.build_units(par.period, par.block, settings)
    assert [u.criteria for u in units] == [(), ()] and {u.total for u in units} == {Decimal(100), Decimal(60)}


# --------------------------------------------------------------------------- grading: the framework names the group


def _appraise(submission, actor, points: dict[str, str]):
    from appraisal import services as appraisal_services
    from criteria.models import Node

    for node in Node.objects.filter(framework=submission.framework).exclude(rule={}).order_by("ordering"):
        value = points.get(node.code, str(node.max_points))
        appraisal_services.appraisal_save(submission=submission, node=node, actor=actor, version=0, value=value,
                                          comment="" if node.code not in points else "Thiếu số liệu điều tra")


def test_grading_reads_the_results_group_the_framework_names(db):
    """The same tree with XHH named as its results group: a survey criterion at Tốt keeps the unit from HTXSNV,
    and the reason names the group by its title, never as "Nội dung II"."""
    from appraisal import services as appraisal_services
    from appraisal.selectors import close_gaps

    par_framework("par-kq", results_group="XHH")
    w = _actors(make_world(framework_code="par-kq"))
    w.sub_a, w.sub_b = fill_and_send(w, w.sub_a, w.approver_a), fill_and_send(w, w.sub_b, w.approver_b)
    _appraise(w.sub_a, w.secretariat, {"3.1": "24"})
    _appraise(w.sub_b, w.secretariat, {})
    # Closing lists the derived level that bars A, as for the 2610 frameworks; the council confirms it.
    from tests.factories import pass_deadline, staff_council

    pass_deadline(w.period)
    staff_council(w.period)
    barring = [g for g in close_gaps(w.period) if g.node is not None and g.node.code == "3.1"]
    assert len(barring) == 1 and "Hoàn thành xuất sắc nhiệm vụ" in barring[0].text
    appraisal_services.quality_set(submission=w.sub_a, node=barring[0].node, level="tot", reason="Xác nhận",
                                   actor=w.secretariat)
    close_round(w.period, w.secretariat)
    for unit in (w.unit_a, w.unit_b):
        services.facts_save(period=w.period, unit=unit, actor=w.secretariat, outstanding=True, discipline="none",
                            corruption="none", disunity=False, subunits_disciplined_share="0", evidence="TTr 1")
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    a = next(u for u in version.snapshot["units"] if u["id"] == "so-xay-dung")
    assert a["total"] == "94.00" and a["qualified"] == "HTTNV"
    assert ("Chưa đạt Hoàn thành xuất sắc nhiệm vụ: tiêu chí 3.1 (Điểm điều tra xã hội học) chỉ đạt mức Tốt, cần "
            "Xuất sắc.") in a["reasons"]
    assert not any("Nội dung" in r for r in a["reasons"])


def test_a_grading_period_refuses_a_framework_without_results_group_by_name(db, client_for):
    """The period form refuses, beside the block's framework field, a grading period on a framework that names no
    results group; the same period as rank-only is saved."""
    from tests.factories import period_form_data

    framework = par_framework()
    w = make_world()
    url = reverse("submissions:period_create")
    data = period_form_data(authority=w.authority.pk, code="par-2025", name="Chỉ số CCHC 2025", year=2025,
                            kind="grading", opens_at="2025-01-01T08:00", closes_at="2025-11-25T17:00",
                            **{f"fw_{w.block.pk}": framework.pk})
    response = client_for(w.secretariat).post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors[f"fw_{w.block.pk}"]
    assert "“par-2024”" in errors[0] and "kết quả thực hiện nhiệm vụ" in errors[0]
    assert not Period.objects.filter(code="par-2025").exists()
    data = period_form_data(**{**data, "kind": "rank_only"})
    response = client_for(w.secretariat).post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert Period.objects.get(code="par-2025").kind == Period.RANK_ONLY


def test_closing_and_ranking_a_grading_period_name_the_framework_not_a_date(par, client_for):
    """A grading period on a framework without results group (data from before the field): closing lists the
    framework by name, and the ranking page says "Chưa xếp hạng được: …" with it, never the date's message."""
    from appraisal.selectors import close_gaps

    Period.objects.filter(pk=par.period.pk).update(kind=Period.GRADING)
    par.period.refresh_from_db()
    assert any("“par-2024”" in g.text and "kết quả thực hiện nhiệm vụ" in g.text for g in close_gaps(par.period))
    url = reverse("ranking:block", args=[par.period.pk, par.block.pk])
    html = client_for(par.secretariat).post(url, {"action": "compute"}, follow=True).content.decode()
    assert "Chưa xếp hạng được: Bộ tiêu chí “par-2024”" in html
    assert "Ngày quyết định không hợp lệ" not in html


# --------------------------------------------------------------------------- each error its own message


def test_a_ranking_error_says_it_cannot_rank(par, client_for, monkeypatch):
    """RankingError is a ValueError: the page names it as a ranking refusal, not a bad decision date."""
    from criteria.dieu7 import RankingError

    def refuse(**kwargs):
        raise RankingError("Đơn vị “so-y-te”, trường “total”: tổng điểm 120 vượt tổng điểm tối đa 100 của bộ tiêu chí.")

    monkeypatch.setattr(services, "ranking_compute", refuse)
    url = reverse("ranking:block", args=[par.period.pk, par.block.pk])
    response = client_for(par.secretariat).post(url, {"action": "compute"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Chưa xếp hạng được: Đơn vị “so-y-te”, trường “total”" in html
    assert "Ngày quyết định không hợp lệ" not in html


def test_a_bad_decision_date_is_said_on_the_date_field_only(par, client_for):
    services.ranking_compute(period=par.period, block=par.block, actor=par.secretariat)
    version = RankingVersion.objects.get()
    services.ranking_submit(version=version, actor=par.secretariat)
    url = reverse("ranking:block", args=[par.period.pk, par.block.pk])
    response = client_for(par.chairman).post(url, {"action": "approve", "decision_number": "12/QĐ-UBND",
                                                   "decision_date": "2025-02-30", "confirm": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    said = "Ngày quyết định không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 05/12/2026."
    assert html.count(said) == 1
    assert f'<div class="invalid-feedback d-block mb-2">{said}</div>' in html
    assert "hãy sửa các ô được đánh dấu bên dưới" in html and "Chưa xếp hạng được" not in html
    assert 'value="12/QĐ-UBND"' in html
    assert RankingVersion.objects.get().status == RankingVersion.SUBMITTED


# --------------------------------------------------------------------------- the framework's field


def test_results_group_must_be_a_top_level_code_and_is_frozen_once_used(db):
    from django.core.exceptions import ValidationError

    from criteria.tree import TreeError

    with pytest.raises(TreeError, match="“ND2” không phải mã một nội dung cấp cao nhất.*TDG, XHH"):
        par_framework("par-sai", results_group="ND2")
    assert not Framework.objects.filter(code="par-sai").exists()
    framework = par_framework()
    assert framework.results_group == ""
    assert par_framework(results_group="XHH").results_group == "XHH"  # unused: only the field changes
    assert Framework.objects.get(code="par-2024").results_group == "XHH"
    make_world(framework_code="par-2024")  # a period locks it
    with pytest.raises(ValidationError, match="Không thể đổi nhóm kết quả thực hiện nhiệm vụ"):
        par_framework(results_group="TDG")
    assert Framework.objects.get(code="par-2024").results_group == "XHH"


def test_migration_names_nd2_only_where_the_framework_has_it(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("criteria.migrations.0005_framework_results_group")
    par = par_framework()
    Framework.objects.update(results_group="")  # as before the field existed
    migration.name_nd2(apps, None)
    assert Framework.objects.get(code="tn2024-so").results_group == "ND2"
    assert Framework.objects.get(code="dh2024-xa").results_group == "ND2"
    assert Framework.objects.get(pk=par.pk).results_group == ""


def test_excel_keeps_the_results_group_and_an_old_workbook_keeps_the_frameworks(db):
    import io

    from openpyxl import load_workbook

    from criteria.spreadsheet import framework_export_xlsx, framework_import_xlsx

    framework = par_framework(results_group="XHH")
    workbook = load_workbook(io.BytesIO(framework_export_xlsx(framework)))
    sheet = workbook["Khung"]
    row = next(r for r in sheet.iter_rows() if str(r[0].value).startswith("Nhóm kết quả"))
    assert row[1].value == "XHH"
    sheet["B2"] = "par-copy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert framework_import_xlsx(data=buffer.getvalue())[0].results_group == "XHH"
    sheet.delete_rows(row[0].row)  # a workbook exported before the field existed
    buffer = io.BytesIO()
    workbook.save(buffer)
    copy, status = framework_import_xlsx(data=buffer.getvalue())
    assert status == "unchanged" and copy.results_group == "XHH"


def test_rank_scenario_takes_the_frameworks_groups():
    from ranking.management.commands.rank_scenario import ScenarioError, parse_scenario

    unit = {"id": "A", "block": "so", "total": "95", "outstanding": True, "discipline": "none",
            "corruption": "none", "disunity": False, "subunits_disciplined_share": "0",
            "criteria": [{"code": "3.1", "group": "XHH", "level": "tot"}]}
    with pytest.raises(ScenarioError, match="ND1, ND2, ND3"):
        parse_scenario({"units": [unit]})
    settings, units = parse_scenario({"settings": {"group_labels": {"TDG": "Điểm tự đánh giá",
                                                                     "XHH": "Điểm điều tra xã hội học"},
                                                   "results_group": "XHH"}, "units": [unit]})
    assert units[0].criteria[0].group == "XHH" and settings.results_group == "XHH"
    settings, _ = parse_scenario({"settings": {"rank_only": True}, "units": [unit]})
    assert settings.rank_only
