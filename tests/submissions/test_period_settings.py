"""Every reading of the regulation that docs/regulation.md marks as an interpretation is a setting of the
period: on the period form with its default and a one-line explanation, validated with a Vietnamese
message, fed to the ranking engine, and frozen once the appraisal round has closed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from appraisal.models import AppraisalRound
from criteria import dieu7 as rules
from ranking.services import period_settings
from submissions import period_settings as readings
from submissions.models import Period
from tests.factories import period_form_data

pytestmark = pytest.mark.django_db

INTERPRETATIONS = ("cap_rounding", "thresholds_on_rounded_total", "min_total_excellent", "min_total_good",
                   "min_total_pass", "subunits_disciplined_max_share", "poor_results_inclusive",
                   "first_year", "support_rule", "unsent_at_deadline", "excellent_share", "nd2_kem_share")


def edit_data(world, **fields):
    period = world.period
    return period_form_data(**{
        "authority": world.authority.pk, "code": period.code, "name": period.name, "year": period.year,
        "kind": period.kind, "opens_at": period.opens_at.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": period.closes_at.strftime("%Y-%m-%dT%H:%M"), **fields})


def test_dieu_7_every_interpretation_is_on_the_period_form_with_default_and_explanation(world, client_for):
    page = client_for(world.secretariat).get(reverse("submissions:period_edit", args=[world.period.pk]))
    form = page.context["form"]
    for key in INTERPRETATIONS:
        assert key in form.fields, key
        assert form.fields[key].help_text, key
        assert form[key].value() is not None or form.fields[key].__class__.__name__ == "BooleanField", key
    html = page.content.decode()
    assert "Làm tròn (0,5 lên)" in html and "Cần cả tài liệu kiểm chứng và giải trình" in html


def test_dieu_7_4_cap_rounding_setting_reaches_the_engine(world, client_for):
    client = client_for(world.secretariat)
    response = client.post(reverse("submissions:period_edit", args=[world.period.pk]),
                           edit_data(world, cap_rounding="down", min_total_excellent="92,5",
                                     poor_results_inclusive="on",
                                     thresholds_on_rounded_total=None, subunits_disciplined_max_share="0,1"))
    assert response.status_code == 302, response.content.decode()[:3000]
    world.period.refresh_from_db()
    settings = period_settings(world.period, world.block)
    assert settings.cap_rounding == "down" and settings.min_total_excellent == Decimal("92.5")
    assert settings.poor_results_inclusive is True
    # The results group is the framework's (issue #12.4), not a setting of the period.
    assert "results_group" not in response.wsgi_request.POST and settings.results_group == "ND2"
    assert settings.group_labels["ND2"] == "KẾT QUẢ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO TRONG NĂM"
    assert settings.thresholds_on_rounded_total is False
    assert settings.subunits_disciplined_max_share == Decimal("0.1")
    # 9 units qualifying HTTNV: half up gives 2, rounding down gives 1
    assert rules.excellent_cap(9, "x", settings) == 1
    assert rules.excellent_cap(9, "x", rules.RankingSettings()) == 2


def test_dieu_7_2_thresholds_must_decrease_and_the_refused_form_keeps_what_was_typed(world, client_for):
    client = client_for(world.secretariat)
    response = client.post(reverse("submissions:period_edit", args=[world.period.pk]),
                           edit_data(world, min_total_good="95", min_total_pass="40", cap_rounding="up"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["min_total_good"]
    assert "phải giảm dần" in form.errors["min_total_good"][0]
    assert form["min_total_pass"].value() == "40" and form["cap_rounding"].value() == "up"
    world.period.refresh_from_db()
    assert "min_total_good" not in world.period.settings


def test_dieu_7_4_a_share_above_one_is_refused_in_vietnamese(world, client_for):
    response = client_for(world.secretariat).post(reverse("submissions:period_edit", args=[world.period.pk]),
                                                  edit_data(world, subunits_disciplined_max_share="1,5"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["subunits_disciplined_max_share"]
    assert "nhỏ hơn hoặc bằng với 1" in response.content.decode()


def test_dieu_8_2_b_support_rule_default_follows_the_kind_of_period(world):
    assert world.period.setting("support_rule") == "both"
    par = Period(kind=Period.RANK_ONLY)
    assert par.setting("support_rule") == "either"
    par.settings = {"support_rule": "both"}
    assert par.setting("support_rule") == "both"


def test_a_reading_cannot_change_after_the_round_closed(world, client_for):
    AppraisalRound.objects.create(period=world.period, status=AppraisalRound.Status.CLOSED,
                                  received_on=world.period.closes_at.date())
    client = client_for(world.secretariat)
    url = reverse("submissions:period_edit", args=[world.period.pk])
    response = client.post(url, edit_data(world, cap_rounding="up", fair_threshold="0,4"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"cap_rounding", "excellent_threshold"}
    assert "Không thay đổi được" in errors["cap_rounding"][0]
    world.period.refresh_from_db()
    assert "cap_rounding" not in world.period.settings
    assert "không thay đổi được nữa" in client.get(url).content.decode()
    # the same readings (only the name changes) still save
    response = client.post(url, edit_data(world, name="Kỳ thử nghiệm 2024 (đã sửa tên)"))
    assert response.status_code == 302
    world.period.refresh_from_db()
    assert world.period.name.endswith("(đã sửa tên)")


@pytest.mark.parametrize("setting", readings.SETTINGS, ids=lambda s: s.key)
def test_each_setting_refuses_a_wrong_value_with_its_label(setting):
    wrong = {"bool": "có", "choice": "khong-co", "decimal": "abc"}[setting.kind]
    with pytest.raises(ValueError) as error:
        setting.check(wrong)
    assert setting.label in str(error.value)
    assert setting.check(setting.default_for("grading")) is not None
