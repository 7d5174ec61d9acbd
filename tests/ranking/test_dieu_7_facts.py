"""Điều 7.2.a as written: an official detained, held, charged or prosecuted bars HTXSNV; any disciplined
subordinate unit bars HTXSNV (more than 20 % stays a KHTNV disqualifier); facts that contradict each other
are refused naming both; a share may be typed as a percentage."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ranking import services
from ranking.models import UnitFacts
from tests.ranking.test_publication import ranked  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def save(w, unit, **fields):
    values = {"outstanding": True, "discipline": "none", "corruption": "none", "disunity": False,
              "subunits_disciplined_share": "0", "evidence": "Tờ trình 15/TTr-HĐTĐ", **fields}
    return services.facts_save(period=w.period, unit=unit, actor=w.secretariat, **values)


def grade_of(w, code):
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    return next(u for u in version.snapshot["units"] if u["id"] == code)


def test_dieu_7_2_a_official_prosecuted_bars_excellent_in_the_ranking(ranked):  # noqa: F811
    assert grade_of(ranked, "so-xay-dung")["qualified"] == "HTXSNV"  # before the cap (2 units: cap 0)
    save(ranked, ranked.unit_a, official_prosecuted=True, evidence="Quyết định khởi tố 12/QĐ-CSĐT")
    row = grade_of(ranked, "so-xay-dung")
    assert row["qualified"] == "HTTNV" and row["grade"] == "HTTNV"
    assert any("tạm giam, tạm giữ, khởi tố, truy tố" in r for r in row["reasons"])
    facts = UnitFacts.objects.get(period=ranked.period, unit=ranked.unit_a)
    assert facts.official_prosecuted and facts.history.first().official_prosecuted


def test_dieu_7_2_a_a_disciplined_subordinate_unit_bars_excellent_in_the_ranking(ranked):  # noqa: F811
    save(ranked, ranked.unit_a, discipline="remedied", subunits_disciplined_share="5%")
    row = grade_of(ranked, "so-xay-dung")
    assert row["qualified"] == "HTTNV"
    assert any("ở mức này không được có đơn vị trực thuộc nào bị kỷ luật" in r for r in row["reasons"])


def test_dieu_7_2_contradicting_facts_are_refused_naming_both(ranked):  # noqa: F811
    with pytest.raises(ValidationError) as error:
        save(ranked, ranked.unit_a, subunits_disciplined_share="0,1")
    message = error.value.message_dict["subunits_disciplined_share"][0]
    assert "Tỷ lệ đơn vị trực thuộc bị kỷ luật là 10 %" in message
    assert "kỷ luật tổ chức trực thuộc, lãnh đạo, cấp ủy viên" in message and "mâu thuẫn" in message
    assert not UnitFacts.objects.filter(period=ranked.period, unit=ranked.unit_a, subunits_disciplined_share__gt=0)


@pytest.mark.parametrize("typed, share", [("25%", "0.25"), ("25 %", "0.25"), ("12,5 %", "0.125"), ("0,25", "0.25"),
                                          ("100%", "1"), ("", "0")])
def test_a_share_typed_as_a_percentage_is_accepted(ranked, typed, share):  # noqa: F811
    facts = save(ranked, ranked.unit_b, discipline="remedied", subunits_disciplined_share=typed)
    facts.refresh_from_db()
    assert facts.subunits_disciplined_share == Decimal(share)


@pytest.mark.parametrize("typed, words", [("25", "từ 0 đến 1"), ("120 %", "từ 0 đến 1"), ("mười %", "không phải"),
                                          ("12,345 %", "0,01 %")])
def test_a_share_that_is_not_clear_is_refused(ranked, typed, words):  # noqa: F811
    with pytest.raises(ValidationError) as error:
        save(ranked, ranked.unit_b, discipline="remedied", subunits_disciplined_share=typed)
    assert words in error.value.message_dict["subunits_disciplined_share"][0]


def test_the_facts_form_marks_the_contradiction_and_keeps_what_was_typed(ranked, client_for):  # noqa: F811
    url = reverse("ranking:facts", args=[ranked.period.pk, ranked.unit_a.pk])
    response = client_for(ranked.secretariat).post(url, {
        "outstanding": "on", "discipline": "none", "corruption": "remedied", "official_prosecuted": "on",
        "subunits_disciplined_share": "15 %", "evidence": "Kết luận thanh tra 7/KL-TTr"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="subunits_disciplined_share" id="s" inputmode="decimal" value="15 %"' in html.replace(
        'class="form-control is-invalid" ', "")
    assert html.count("is-invalid") == 1 and "mâu thuẫn" in html
    assert '<option value="remedied" selected>' in html and 'id="p" checked' in html
    assert "Kết luận thanh tra 7/KL-TTr" in html
    facts = UnitFacts.objects.get(period=ranked.period, unit=ranked.unit_a)
    assert facts.official_prosecuted is False and facts.corruption == "none"


def test_the_facts_form_saves_the_new_fact(ranked, client_for):  # noqa: F811
    url = reverse("ranking:facts", args=[ranked.period.pk, ranked.unit_a.pk])
    response = client_for(ranked.secretariat).post(url, {
        "outstanding": "on", "discipline": "none", "corruption": "none", "official_prosecuted": "on",
        "subunits_disciplined_share": "0", "evidence": "Quyết định khởi tố 12/QĐ-CSĐT"})
    assert response.status_code == 302
    assert UnitFacts.objects.get(period=ranked.period, unit=ranked.unit_a).official_prosecuted
    page = client_for(ranked.secretariat).get(url).content.decode()
    assert 'id="p" checked' in page
