"""Điều 7.3 of 2610/QĐ-UBND: a leader or official whose fault was committed in the old unit but who is
disciplined in the new one counts against the old unit ("tính vào kết quả đánh giá, xếp loại của cơ quan,
đơn vị, địa phương cũ (không quy trách nhiệm cho cơ quan, đơn vị, địa phương mới)"). The discipline fact
records where the fault happened; the facts pages of both units show it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from criteria import dieu7 as rules
from criteria.models import Authority
from ranking import services
from ranking.models import UnitFacts
from submissions.models import Block, Unit
from tests.ranking.test_publication import ranked  # noqa: F401 (fixture)

MOVED = "Quyết định kỷ luật 45/QĐ-UBND (vi phạm khi công tác tại Sở Y tế)"


def save(w, unit, **fields):
    values = {"outstanding": True, "discipline": "none", "corruption": "none", "disunity": False,
              "subunits_disciplined_share": "0", "evidence": "Tờ trình 15/TTr-HĐTĐ", **fields}
    return services.facts_save(period=w.period, unit=unit, actor=w.secretariat, **values)


def rows(w):
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    return {u["id"]: u for u in version.snapshot["units"]}


@given(st.lists(st.sampled_from(rules.INCIDENTS), max_size=6))
def test_dieu_7_3_the_worst_fact_counts(values):
    worst = rules.worst_incident(values)
    assert worst == (max(values, key=rules.INCIDENTS.index) if values else rules.NONE)


@pytest.mark.django_db
def test_dieu_7_3_fault_counts_against_the_old_unit(ranked):  # noqa: F811
    # Sở Xây dựng (A) disciplines a leader for a fault committed at Sở Y tế (B), where he worked before.
    save(ranked, ranked.unit_a, discipline="unremedied", evidence=MOVED, fault_unit=ranked.unit_b)
    units = rows(ranked)
    a, b = units["so-xay-dung"], units["so-y-te"]
    assert b["qualified"] == "KHTNV" and b["grade"] == "KHTNV"
    assert a["qualified"] == "HTXSNV"  # not held against the new unit
    note = "Kỷ luật ghi tại Sở Xây dựng, vi phạm xảy ra tại Sở Y tế (Điều 7.3)"
    assert any(note in r for r in b["reasons"]) and any("kỷ luật" in r and "Chưa đạt" in r for r in b["reasons"])
    assert any(note in r and "không tính vào kết quả của Sở Xây dựng" in r for r in a["reasons"])
    assert not any("Chưa đạt" in r and "kỷ luật" in r for r in a["reasons"])
    facts = UnitFacts.objects.get(period=ranked.period, unit=ranked.unit_a)
    assert facts.fault_unit == ranked.unit_b
    assert facts.history.first().fault_unit_id == ranked.unit_b.pk
    assert facts.history.first().history_user == ranked.secretariat


@pytest.mark.django_db
def test_dieu_7_3_the_old_unit_takes_the_worse_of_its_own_and_the_pointing_facts(ranked):  # noqa: F811
    save(ranked, ranked.unit_b, discipline="remedied", evidence="Quyết định 12/QĐ-SYT")  # B's own, local
    save(ranked, ranked.unit_a, discipline="unremedied", evidence=MOVED, fault_unit=ranked.unit_b)
    assert rows(ranked)["so-y-te"]["qualified"] == "KHTNV"  # unremedied beats remedied
    save(ranked, ranked.unit_b, discipline="unremedied", evidence="Quyết định 12/QĐ-SYT")
    save(ranked, ranked.unit_a, discipline="remedied", evidence=MOVED, fault_unit=ranked.unit_b)
    assert rows(ranked)["so-y-te"]["qualified"] == "KHTNV"  # its own unremedied still counts
    save(ranked, ranked.unit_b, discipline="none")
    units = rows(ranked)
    assert units["so-y-te"]["qualified"] == "HTTNV"  # remedied: bars HTXSNV only
    assert any("Điều 7.3" in r for r in units["so-y-te"]["reasons"])
    # B's own fact whose fault happened at A counts against A, not B: each unit carries the other's.
    save(ranked, ranked.unit_b, discipline="unremedied", evidence="Quyết định 13/QĐ-SYT", fault_unit=ranked.unit_a)
    units = rows(ranked)
    assert units["so-xay-dung"]["qualified"] == "KHTNV" and units["so-y-te"]["qualified"] == "HTTNV"
    # The fault moved back to here (blank): A is no longer charged.
    save(ranked, ranked.unit_b, discipline="unremedied", evidence="Quyết định 13/QĐ-SYT", fault_unit=None)
    units = rows(ranked)
    assert units["so-xay-dung"]["qualified"] == "HTXSNV" and units["so-y-te"]["qualified"] == "KHTNV"


@pytest.mark.django_db
def test_dieu_7_3_a_wrong_fault_unit_is_refused_and_changes_nothing(ranked):  # noqa: F811
    kept = UnitFacts.objects.get(period=ranked.period, unit=ranked.unit_a).history.count()
    with pytest.raises(ValidationError) as error:  # no discipline: nothing to place
        save(ranked, ranked.unit_a, fault_unit=ranked.unit_b)
    assert list(error.value.message_dict) == ["fault_unit"] and "khi có kỷ luật" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:  # its own subordinates disciplined: the share is its own fault
        save(ranked, ranked.unit_a, discipline="remedied", subunits_disciplined_share="10 %", evidence=MOVED,
             fault_unit=ranked.unit_b)
    assert list(error.value.message_dict) == ["fault_unit"] and "mâu thuẫn" in error.value.messages[0]
    other = Authority.objects.create(code="huyen-khac-7-3", name="UBND huyện khác", level="huyen")
    elsewhere = Unit.objects.create(authority=other, code="xa-binh-thanh", name="UBND xã Bình Thành",
                                    block=Block.objects.create(authority=other, code="xa", name="Khối xã"))
    with pytest.raises(ValidationError) as error:
        save(ranked, ranked.unit_a, discipline="unremedied", evidence=MOVED, fault_unit=elsewhere)
    assert "không thuộc" in error.value.message_dict["fault_unit"][0]
    not_taking_part = Unit.objects.create(authority=ranked.authority, block=ranked.block, code="so-moi",
                                          name="Sở mới thành lập")
    with pytest.raises(ValidationError) as error:
        save(ranked, ranked.unit_a, discipline="unremedied", evidence=MOVED, fault_unit=not_taking_part)
    assert "không tham gia kỳ đánh giá" in error.value.message_dict["fault_unit"][0]
    facts = UnitFacts.objects.get(period=ranked.period, unit=ranked.unit_a)
    assert facts.discipline == "none" and facts.fault_unit is None and facts.history.count() == kept
    # The unit itself is "here".
    assert save(ranked, ranked.unit_a, discipline="remedied", evidence=MOVED, fault_unit=ranked.unit_a).fault_unit_id \
        is None


@pytest.mark.django_db
def test_dieu_7_3_facts_pages_of_both_units_show_the_fault(ranked, client_for):  # noqa: F811
    client = client_for(ranked.secretariat)
    url_a = reverse("ranking:facts", args=[ranked.period.pk, ranked.unit_a.pk])
    url_b = reverse("ranking:facts", args=[ranked.period.pk, ranked.unit_b.pk])
    page = client.get(url_a).content.decode()
    assert 'name="fault_unit"' in page and f'<option value="{ranked.unit_b.pk}">Sở Y tế</option>' in page
    assert f'<option value="{ranked.unit_a.pk}"' not in page  # the unit itself is the blank choice
    response = client.post(url_a, {"outstanding": "on", "discipline": "unremedied", "corruption": "none",
                                   "subunits_disciplined_share": "0", "evidence": MOVED,
                                   "fault_unit": str(ranked.unit_b.pk)})
    assert response.status_code == 302
    assert UnitFacts.objects.get(period=ranked.period, unit=ranked.unit_a).fault_unit == ranked.unit_b
    page = client.get(url_a).content.decode()
    assert f'<option value="{ranked.unit_b.pk}" selected>Sở Y tế</option>' in page
    page_b = client.get(url_b).content.decode()
    assert "Vi phạm tính vào đơn vị này: " in page_b
    assert "Sở Xây dựng</a> ghi “Có, chưa tự phát hiện, khắc phục”" in page_b
    assert MOVED in page_b
    # Read-only on B's page: B's own form has no field for it and B's own fault stays "here".
    assert page_b.count('name="fault_unit"') == 1 and f'<option value="{ranked.unit_a.pk}">Sở Xây dựng</option>' \
        in page_b


@pytest.mark.django_db
def test_dieu_7_3_the_facts_form_marks_only_the_fault_unit_and_keeps_what_was_typed(ranked, client_for):  # noqa: F811
    url = reverse("ranking:facts", args=[ranked.period.pk, ranked.unit_a.pk])
    typed = {"outstanding": "on", "discipline": "none", "corruption": "remedied", "subunits_disciplined_share": "0",
             "evidence": "Kết luận thanh tra 7/KL-TTr", "fault_unit": str(ranked.unit_b.pk)}
    response = client_for(ranked.secretariat).post(url, typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("is-invalid") == 1 and 'name="fault_unit" id="f"' in html.split("is-invalid")[1][:40]
    assert "chỉ ghi nơi xảy ra vi phạm khi có kỷ luật" in html
    assert f'<option value="{ranked.unit_b.pk}" selected>' in html and "Kết luận thanh tra 7/KL-TTr" in html
    assert '<option value="remedied" selected>' in html
    response = client_for(ranked.secretariat).post(url, {**typed, "discipline": "remedied", "fault_unit": "999999"})
    assert response.status_code == 400 and "hãy chọn một đơn vị trong danh sách" in response.content.decode()
    assert not UnitFacts.objects.filter(period=ranked.period, unit=ranked.unit_a, corruption="remedied").exists()
