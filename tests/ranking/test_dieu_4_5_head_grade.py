"""Điều 4.5 of 2610/QĐ-UBND: "Mức xếp loại của người đứng đầu không được cao hơn mức xếp loại của tổ chức, cơ
quan, đơn vị do mình đứng đầu, trừ trường hợp người đứng đầu mới chuyển đến". After publication the
secretariat records the grade of each unit's head; a head graded above the unit is refused unless marked
newly transferred (with the date); after a revocation re-ranks the unit lower, a head grade that now exceeds
it is shown as a problem."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.models import CouncilMember
from criteria import dieu7 as rules
from ranking import services
from ranking.models import HeadGrade, RankingVersion
from tests.hypothesis_profiles import examples
from tests.ranking.test_publication import ranked  # noqa: F401 (fixture)

TODAY = date(2025, 2, 1)


# --------------------------------------------------------------------------- the pure rule


@settings(max_examples=examples(300), deadline=None)
@given(head=st.sampled_from(rules.GRADES), unit=st.sampled_from(rules.GRADES), newly=st.booleans(),
       transferred_on=st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 12, 31))))
def test_dieu_4_5_head_above_unit_refused_unless_newly_transferred(head, unit, newly, transferred_on):
    problem = rules.head_grade_problem(head, unit, newly_transferred=newly, transferred_on=transferred_on,
                                       today=TODAY)
    not_above = rules.GRADES.index(head) >= rules.GRADES.index(unit)
    transferred_with_date = newly and transferred_on is not None and transferred_on <= TODAY
    assert (problem == "") == (not_above or transferred_with_date)
    if problem:  # names both grades
        assert rules.GRADE_LABELS[head] in problem and rules.GRADE_LABELS[unit] in problem
        assert "Điều 4.5" in problem and "mới chuyển đến" in problem


def test_dieu_4_5_a_newly_transferred_head_needs_a_date_not_in_the_future():
    assert "hãy ghi ngày chuyển đến" in rules.transfer_date_problem(True, None, TODAY)
    assert "sau hôm nay" in rules.transfer_date_problem(True, TODAY + timedelta(days=1), TODAY)
    assert rules.transfer_date_problem(True, TODAY, TODAY) == ""
    assert rules.transfer_date_problem(False, None, TODAY) == ""
    future = rules.head_grade_problem("HTXSNV", "HTNV", newly_transferred=True, transferred_on=date(2025, 3, 1),
                                      today=TODAY)
    assert "Hoàn thành xuất sắc nhiệm vụ" in future and "01/03/2025 sau hôm nay" in future
    with pytest.raises(rules.RankingError, match="không hợp lệ"):
        rules.head_grade_problem("XYZ", "HTNV", newly_transferred=False, transferred_on=None, today=TODAY)


# --------------------------------------------------------------------------- the service


def publish(w, number="125/QĐ-UBND"):
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    services.ranking_submit(version=version, actor=w.secretariat)
    return services.ranking_approve(version=version, actor=w.chairman, decision_number=number,
                                    decision_date=timezone.localdate())


def head(w, unit, **fields):
    values = {"full_name": "Nguyễn Văn An", "position": "Giám đốc Sở", "grade": "HTTNV",
              "basis": "Quyết định 210/QĐ-UBND ngày 15/01/2025", **fields}
    return services.head_grade_save(period=w.period, unit=unit, actor=w.secretariat, **values)


@pytest.mark.django_db
def test_dieu_4_5_head_grade_only_after_publication_naming_the_state(ranked):  # noqa: F811
    with pytest.raises(ValidationError, match="chưa tính kết quả"):
        head(ranked, ranked.unit_a)
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    with pytest.raises(ValidationError, match="lần 1 đang ở trạng thái “Dự thảo”"):
        head(ranked, ranked.unit_a)
    services.ranking_submit(version=version, actor=ranked.secretariat)
    with pytest.raises(ValidationError, match="Điều 4.5"):
        head(ranked, ranked.unit_a)
    assert not HeadGrade.objects.exists()


@pytest.mark.django_db
def test_dieu_4_5_head_above_the_published_grade_is_refused_by_field(ranked):  # noqa: F811
    publish(ranked)  # both units HTTNV (the cap of two units is 0)
    with pytest.raises(ValidationError) as error:
        head(ranked, ranked.unit_a, grade="HTXSNV")
    errors = error.value.message_dict
    assert list(errors) == ["grade"]
    assert "Hoàn thành xuất sắc nhiệm vụ" in errors["grade"][0] and "Hoàn thành tốt nhiệm vụ" in errors["grade"][0]
    assert "lần 1" in errors["grade"][0]
    # Marked newly transferred without a date: the date is the wrong field.
    with pytest.raises(ValidationError) as error:
        head(ranked, ranked.unit_a, grade="HTXSNV", newly_transferred=True)
    assert list(error.value.message_dict) == ["transferred_on"]
    with pytest.raises(ValidationError) as error:
        head(ranked, ranked.unit_a, grade="HTXSNV", newly_transferred=True,
             transferred_on=timezone.localdate() + timedelta(days=3))
    assert "sau hôm nay" in error.value.message_dict["transferred_on"][0]
    with pytest.raises(ValidationError) as error:  # a date without the mark
        head(ranked, ranked.unit_a, transferred_on=date(2024, 9, 1))
    assert list(error.value.message_dict) == ["transferred_on"]
    with pytest.raises(ValidationError) as error:
        head(ranked, ranked.unit_a, full_name=" ", position="", basis="", grade="")
    assert set(error.value.message_dict) == {"full_name", "position", "basis", "grade"}
    assert not HeadGrade.objects.exists()


@pytest.mark.django_db
def test_dieu_4_5_newly_transferred_head_may_be_above_and_every_change_is_kept(ranked):  # noqa: F811
    published = publish(ranked)
    record = head(ranked, ranked.unit_a, grade="HTXSNV", newly_transferred=True, transferred_on=date(2024, 9, 1))
    assert record.version == published and record.unit_grade == "HTTNV" and record.recorded_by == ranked.secretariat
    same = head(ranked, ranked.unit_b, grade="HTNV")  # below the unit: allowed
    assert same.grade == "HTNV"
    head(ranked, ranked.unit_a, grade="HTTNV")  # no longer marked transferred: equal to the unit
    record.refresh_from_db()
    assert not record.newly_transferred and record.transferred_on is None
    history = list(record.history.order_by("history_date"))
    assert [h.grade for h in history] == ["HTXSNV", "HTTNV"]
    assert all(h.history_user == ranked.secretariat for h in history)
    head(ranked, ranked.unit_a, grade="HTTNV")  # saving the same again records nothing new
    assert record.history.count() == 2


@pytest.mark.django_db
def test_dieu_4_5_head_grade_compared_with_the_re_ranked_result_after_revocation(ranked, client_for):  # noqa: F811
    published = publish(ranked)
    head(ranked, ranked.unit_a, grade="HTTNV")
    head(ranked, ranked.unit_b, grade="HTTNV")
    services.facts_save(period=ranked.period, unit=ranked.unit_a, actor=ranked.secretariat, outstanding=True,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="Kết luận thanh tra 88/KL-TTr")
    new = services.ranking_revoke(version=published, actor=ranked.chairman, reason="Phát hiện vi phạm",
                                  unit_code="so-xay-dung", decision_number="300/QĐ-UBND",
                                  decision_date=timezone.localdate())
    assert new.status == RankingVersion.PUBLISHED
    version, rows = services.head_grade_rows(ranked.period, ranked.block)
    assert version == new
    by_code = {row["code"]: row for row in rows}
    problem = by_code["so-xay-dung"]["problem"]
    assert "Hoàn thành tốt nhiệm vụ" in problem and "Không hoàn thành nhiệm vụ" in problem
    assert "lần 1" in problem and "lần 2" in problem
    assert by_code["so-y-te"]["problem"] == ""
    client = client_for(ranked.secretariat)
    page = client.get(reverse("ranking:head_grades", args=[ranked.period.pk, ranked.block.pk])).content.decode()
    assert "1 người đứng đầu có xếp loại không phù hợp" in page and "lần 2" in page
    block_page = client.get(reverse("ranking:block", args=[ranked.period.pk, ranked.block.pk])).content.decode()
    assert "1 người đứng đầu có xếp loại không phù hợp với kết quả hiện hành" in block_page
    # Saving the same grade again against the new result is refused; a grade not above it is accepted.
    with pytest.raises(ValidationError, match="lần 2"):
        head(ranked, ranked.unit_a, grade="HTTNV")
    head(ranked, ranked.unit_a, grade="KHTNV")
    assert all(not row["problem"] for row in services.head_grade_rows(ranked.period, ranked.block)[1])


@pytest.mark.django_db
def test_dieu_4_5_revoked_and_awaiting_re_ranking_is_not_kept_as_valid(ranked):  # noqa: F811
    published = publish(ranked)
    head(ranked, ranked.unit_a, grade="HTTNV")
    # Unit B falls to KHTNV: another unit than the revoked one changes, so the re-ranked version waits.
    services.facts_save(period=ranked.period, unit=ranked.unit_b, actor=ranked.secretariat, outstanding=True,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="Kết luận thanh tra 89/KL-TTr")
    new = services.ranking_revoke(version=published, actor=ranked.chairman, reason="Phát hiện vi phạm",
                                  unit_code="so-xay-dung", decision_number="301/QĐ-UBND",
                                  decision_date=timezone.localdate())
    assert new.status == RankingVersion.SUBMITTED
    version, rows = services.head_grade_rows(ranked.period, ranked.block)
    assert version is None
    assert len(rows) == 1 and "đã bị hủy bỏ" in rows[0]["problem"] and "lần 1" in rows[0]["problem"]
    with pytest.raises(ValidationError, match="đã bị hủy bỏ"):
        head(ranked, ranked.unit_a, grade="HTNV")


# --------------------------------------------------------------------------- the page


def url(w):
    return reverse("ranking:head_grades", args=[w.period.pk, w.block.pk])


@pytest.mark.django_db
def test_dieu_4_5_page_only_for_the_secretariat(ranked, client_for):  # noqa: F811
    publish(ranked)
    member = CouncilMember.objects.filter(period=ranked.period).first().user
    data = {f"u{ranked.unit_a.pk}-full_name": "Nguyễn Văn An", f"u{ranked.unit_a.pk}-position": "Giám đốc",
            f"u{ranked.unit_a.pk}-grade": "HTTNV", f"u{ranked.unit_a.pk}-basis": "210/QĐ-UBND"}
    for user in (ranked.officer_a, ranked.approver_a, ranked.outsider, member, ranked.chairman, ranked.chair):
        client = client_for(user)
        assert client.get(url(ranked)).status_code == 403
        assert client.post(url(ranked), data).status_code == 403
    anonymous = Client().get(url(ranked))
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert Client().post(url(ranked), data).status_code == 302
    assert not HeadGrade.objects.exists()
    client = client_for(ranked.secretariat)
    assert client.get(url(ranked)).status_code == 200
    assert client.post(url(ranked), data).status_code == 302
    assert HeadGrade.objects.get().grade == "HTTNV"


@pytest.mark.django_db
def test_dieu_4_5_refused_save_keeps_everything_typed_and_marks_only_the_wrong_field(ranked, client_for):  # noqa: F811
    publish(ranked)
    a, b = ranked.unit_a.pk, ranked.unit_b.pk
    data = {f"u{a}-full_name": "Nguyễn Văn An", f"u{a}-position": "Giám đốc Sở", f"u{a}-grade": "HTXSNV",
            f"u{a}-basis": "210/QĐ-UBND ngày 15/01/2025",
            f"u{b}-full_name": "Trần Thị Bình", f"u{b}-position": "Giám đốc Sở Y tế", f"u{b}-grade": "HTNV",
            f"u{b}-basis": "211/QĐ-UBND", f"u{b}-newly_transferred": "on", f"u{b}-transferred_on": "2024-09-01"}
    response = client_for(ranked.secretariat).post(url(ranked), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("is-invalid") == 1 and f'id="u{a}-grade" aria-describedby' in html.split("is-invalid")[1]
    assert "Hoàn thành xuất sắc nhiệm vụ) cao hơn xếp loại của đơn vị (Hoàn thành tốt nhiệm vụ)" in html
    for value in ("Nguyễn Văn An", "Giám đốc Sở", "210/QĐ-UBND ngày 15/01/2025", "Trần Thị Bình", "211/QĐ-UBND",
                  'value="2024-09-01"'):
        assert value in html
    assert '<option value="HTXSNV" selected>' in html and '<option value="HTNV" selected>' in html
    assert f'id="u{b}-newly_transferred" checked' in html
    assert not HeadGrade.objects.exists()  # the valid row of unit B is not saved either
    # Corrected: both rows saved.
    data[f"u{a}-grade"] = "HTTNV"
    assert client_for(ranked.secretariat).post(url(ranked), data).status_code == 302
    assert dict(HeadGrade.objects.values_list("unit__code", "grade")) == {"so-xay-dung": "HTTNV", "so-y-te": "HTNV"}
    b_record = HeadGrade.objects.get(unit=ranked.unit_b)
    assert b_record.newly_transferred and b_record.transferred_on == date(2024, 9, 1)
    # An unreadable date marks the date only.
    data[f"u{b}-transferred_on"] = "31/02/2024"
    html = client_for(ranked.secretariat).post(url(ranked), data).content.decode()
    assert html.count("is-invalid") == 1 and "Ngày chuyển đến không hợp lệ" in html and 'value="31/02/2024"' in html


@pytest.mark.django_db
def test_dieu_4_5_page_linked_from_the_block_page_once_published(ranked, client_for):  # noqa: F811
    block_url = reverse("ranking:block", args=[ranked.period.pk, ranked.block.pk])
    client = client_for(ranked.secretariat)
    version = services.ranking_compute(period=ranked.period, block=ranked.block, actor=ranked.secretariat)
    assert url(ranked) not in client.get(block_url).content.decode()
    page = client.get(url(ranked)).content.decode()  # before publication: says why, offers no form
    assert "chưa được công bố" in page and "<form method=\"post\" novalidate>" not in page
    services.ranking_submit(version=version, actor=ranked.secretariat)
    services.ranking_approve(version=version, actor=ranked.chairman, decision_number="125/QĐ-UBND",
                             decision_date=timezone.localdate())
    assert url(ranked) in client.get(block_url).content.decode()
    assert url(ranked) not in client_for(ranked.chairman).get(block_url).content.decode()
    page = client.get(url(ranked)).content.decode()
    assert "Sở Xây dựng" in page and "Sở Y tế" in page and "Đơn vị: Hoàn thành tốt nhiệm vụ" in page


@pytest.mark.django_db
def test_dieu_4_5_two_secretaries_never_overwrite_each_others_head_grade(ranked, client_for):  # noqa: F811
    """#15 item 5: each row of the page carries its record's version; a stale row refuses the whole form."""
    from submissions.models import Role
    from tests.factories import UserFactory

    publish(ranked)
    a = ranked.unit_a.pk
    other = UserFactory(username="snv.thuongtruc2", full_name="Phạm Thị Hai")
    Role.objects.create(user=other, kind=Role.SECRETARIAT, authority=ranked.period.authority)
    assert f'name="u{a}-row_version" value="0"' in client_for(other).get(url(ranked)).content.decode()
    base = {f"u{a}-position": "Giám đốc", f"u{a}-grade": "HTTNV", f"u{a}-basis": "210/QĐ-UBND"}
    mine = base | {f"u{a}-full_name": "Nguyễn Văn An", f"u{a}-row_version": "0"}
    assert client_for(ranked.secretariat).post(url(ranked), mine).status_code == 302
    stale = base | {f"u{a}-full_name": "Lê Văn Khác", f"u{a}-row_version": "0"}
    refused = client_for(other).post(url(ranked), stale)
    html = refused.content.decode()
    assert refused.status_code == 400 and "vừa được" in html and str(ranked.secretariat) in html
    assert "Lê Văn Khác" in html and f'name="u{a}-row_version" value="1"' in html
    record = HeadGrade.objects.get()
    assert (record.full_name, record.row_version, record.history.count()) == ("Nguyễn Văn An", 1, 1)
    assert client_for(other).post(url(ranked), stale | {f"u{a}-row_version": "1"}).status_code == 302
    record.refresh_from_db()
    assert (record.full_name, record.recorded_by, record.row_version) == ("Lê Văn Khác", other, 2)
