"""A period keeps its own organisation (docs/process.md, "Dữ liệu của kỳ"; "Lịch sử tổ chức"): after the
2025 reorganisation, 2024 is recomputed and revoked with 2024's blocks, frameworks and quotas, a unit
created later joins no finished period, and everything that looks back a year follows the lineage."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from criteria.models import Framework
from ranking import services
from ranking.models import RankingVersion
from ranking.selectors import unit_years
from submissions import services as submission_services
from submissions.lineage import Edge, lineage_owners
from submissions.models import Block, PeriodBlock, Role, Submission, Unit, UnitLineage
from tests.appraisal.conftest import fill_and_send
from tests.factories import UserFactory, close_round
from tests.ranking import test_publication
from tests.ranking.test_publication import appraise_all, leaders

ranked = test_publication.ranked  # the fixture: two units sent, appraised, round closed

pytestmark = pytest.mark.django_db


def _publish(w, period, block, number="1/QĐ-UBND"):
    version = services.ranking_compute(period=period, block=block, actor=w.secretariat)
    services.ranking_submit(version=version, actor=w.secretariat)
    return services.ranking_approve(version=version, actor=w.chairman, decision_number=number,
                                    decision_date=date(2025, 1, 20))


def _reorganise_for_2025(w):
    """The present organisation changes: the sở quota is lowered, Sở Y tế moves to a new block with
    another framework, and a unit is created."""
    Block.objects.filter(pk=w.block.pk).update(excellent_quota=1)
    other = Block.objects.create(authority=w.authority, code="khac", name="Khối khác", excellent_quota=0)
    Unit.objects.filter(pk=w.unit_b.pk).update(block=other)
    w.block.refresh_from_db()
    late = submission_services.unit_create(unit=Unit(authority=w.authority, block=w.block, code="so-moi",
                                                     name="Sở mới thành lập"))
    return other, late


def test_reorganise_after_publication_then_revoke_and_rerank_2024_with_2024s_data(ranked, client_for):
    w = ranked
    published = _publish(w, w.period, w.block)
    assert published.snapshot["settings"]["quota"] == 4
    other, late = _reorganise_for_2025(w)

    # A unit created after publication gets no draft inside the finished 2024 period.
    assert not Submission.objects.filter(period=w.period, unit=late).exists()
    # 2024 is revoked and re-ranked: the same two units, in 2024's block, with 2024's quota and frameworks.
    services.facts_save(period=w.period, unit=w.unit_a, actor=w.secretariat, outstanding=True,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="Kết luận thanh tra 88/KL-TTr")
    new = services.ranking_revoke(version=published, actor=w.chairman, reason="Phát hiện vi phạm sau công bố",
                                  unit_code="so-xay-dung", decision_number="300/QĐ-UBND",
                                  decision_date=date(2025, 3, 1))
    assert new.block_id == w.block.pk and new.status == RankingVersion.PUBLISHED
    assert {u["id"] for u in new.snapshot["units"]} == {"so-xay-dung", "so-y-te"}
    assert new.snapshot["settings"]["quota"] == 4  # 2024's quota, not the lowered one
    assert next(u for u in new.snapshot["units"] if u["id"] == "so-xay-dung")["grade"] == "KHTNV"
    assert set(Submission.objects.filter(period=w.period).values_list("block_id", flat=True)) == {w.block.pk}
    assert not RankingVersion.objects.filter(period=w.period, block=other).exists()
    # The secretariat's page of 2024 lists Sở Y tế under 2024's block and names the unit that did not take part.
    page = client_for(w.secretariat).get(reverse("submissions:period_detail", args=[w.period.pk])).content.decode()
    assert page.count("Khối các sở, ban, ngành") >= 2 and "Khối khác" not in page.split("không tham gia")[0]
    assert "Sở mới thành lập" in page.split("không tham gia")[1]

    # A 2025 period starts from the present organisation and its defaults.
    period = submission_services.period_save(period=_period_2025(w), frameworks={
        w.block: Framework.objects.get(code="tn2024-so"), other: Framework.objects.get(code="tn2024-huyen")})
    memberships = dict(Submission.objects.filter(period=period).values_list("unit__code", "block__code"))
    assert memberships == {"so-xay-dung": "so", "so-moi": "so", "so-y-te": "khac"}
    assert dict(PeriodBlock.objects.filter(period=period).values_list("block__code", "excellent_quota")) == {
        "so": 1, "khac": 0}
    assert PeriodBlock.objects.get(period=w.period, block=w.block).excellent_quota == 4


def test_a_quota_is_data_of_the_period_and_frozen_once_submitted(ranked):
    w = ranked
    submission_services.period_save(period=w.period, frameworks={w.block: Framework.objects.get(code="tn2024-so")},
                                    quotas={w.block: 1})
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    assert version.snapshot["settings"]["quota"] == 1 and Block.objects.get(pk=w.block.pk).excellent_quota == 4
    services.ranking_submit(version=version, actor=w.secretariat)
    with pytest.raises(ValidationError, match="không đổi được số lượng tối đa HTXSNV"):
        submission_services.period_save(period=w.period, frameworks={
            w.block: Framework.objects.get(code="tn2024-so")}, quotas={w.block: 3})
    assert PeriodBlock.objects.get(period=w.period, block=w.block).excellent_quota == 1


def test_the_period_form_sets_the_quota_of_each_block(ranked, client_for):
    from tests.factories import period_form_data

    w = ranked
    client = client_for(w.secretariat)
    page = client.get(reverse("submissions:period_edit", args=[w.period.pk])).content.decode()
    assert f'name="quota_{w.block.pk}"' in page
    data = period_form_data(**{
        "authority": w.authority.pk, "code": w.period.code, "name": w.period.name, "year": w.period.year,
        "kind": w.period.kind, "opens_at": timezone.localtime(w.period.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": timezone.localtime(w.period.closes_at).strftime("%Y-%m-%dT%H:%M"),
        f"fw_{w.block.pk}": Framework.objects.get(code="tn2024-so").pk, f"quota_{w.block.pk}": "2"})
    response = client.post(reverse("submissions:period_edit", args=[w.period.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert PeriodBlock.objects.get(period=w.period, block=w.block).excellent_quota == 2
    data[f"quota_{w.block.pk}"] = "-1"
    response = client.post(reverse("submissions:period_edit", args=[w.period.pk]), data)
    assert response.status_code == 200 and "Số lượng không được âm." in response.content.decode()
    assert PeriodBlock.objects.get(period=w.period, block=w.block).excellent_quota == 2


def _period_2025(w):
    from submissions.models import Period

    return Period(authority=w.authority, code="tn-2025", name="Năm 2025", year=2025,
                  opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() + timedelta(days=1))


def _run_2025(w, successors, discipline):
    """A 2025 period of ``successors`` (new units continuing 2024's), sent, appraised, closed and ranked."""
    period = submission_services.period_save(period=_period_2025(w),
                                             frameworks={w.block: Framework.objects.get(code="tn2024-so")})
    w.period = period
    for unit in successors:
        approver = UserFactory(username=f"approver.{unit.code}")
        Role.objects.create(user=approver, kind=Role.APPROVER, unit=unit)
        submission = fill_and_send(w, Submission.objects.get(period=period, unit=unit), approver)
        appraise_all(submission, w.secretariat, Decimal("0.9") if unit.code == "so-hop-nhat" else Decimal(1))
        leaders(w, unit, answer=4)
    close_round(period, w.secretariat)
    for unit in successors:
        services.facts_save(period=period, unit=unit, actor=w.secretariat, outstanding=False,
                            discipline=discipline.get(unit.code, "none"), corruption="none", disunity=False,
                            subunits_disciplined_share="0", evidence="QĐ 46")
    return period


def _succeed(w, old_units, code, name, kind):
    new = Unit.objects.create(authority=w.authority, block=w.block, code=code, name=name,
                              established_on=date(2025, 7, 1))
    for old in old_units:
        UnitLineage.objects.create(predecessor=old, successor=new, kind=kind, effective_on=date(2025, 7, 1))
        Unit.objects.filter(pk=old.pk).update(active=False, ended_on=date(2025, 7, 1))
    return new


@pytest.mark.parametrize("kind", [UnitLineage.MERGE, UnitLineage.RENAME])
def test_dieu_11_2_d_two_years_khtnv_follows_the_lineage(ranked, client, client_for, kind):
    w = ranked
    services.facts_save(period=w.period, unit=w.unit_b, actor=w.secretariat, outstanding=False,
                        discipline="unremedied", corruption="none", disunity=False, subunits_disciplined_share="0",
                        evidence="QĐ 45")
    first = _publish(w, w.period, w.block)
    assert next(u for u in first.snapshot["units"] if u["id"] == "so-y-te")["grade"] == "KHTNV"
    olds = [w.unit_a, w.unit_b] if kind == UnitLineage.MERGE else [w.unit_b]
    new = _succeed(w, olds, "so-hop-nhat", "Sở Hợp nhất", kind)
    period = _run_2025(w, [new] + ([] if kind == UnitLineage.MERGE else [w.unit_a]),
                       {"so-hop-nhat": "unremedied"})
    assert set(Submission.objects.filter(period=period).values_list("unit__code", flat=True)) == (
        {"so-hop-nhat"} if kind == UnitLineage.MERGE else {"so-hop-nhat", "so-xay-dung"})
    version = _publish(w, period, w.block, number="2/QĐ-UBND")
    row = next(u for u in version.snapshot["units"] if u["id"] == "so-hop-nhat")
    assert row["grade"] == "KHTNV" and row["two_years_khtnv"] is True
    assert any("Sở Y tế" in r and "11.2.d" in r for r in row["reasons"])
    assert {p["name"] for p in row["previous_from"]} == {u.name for u in olds}
    # Last year's rank on the ranking page, and the public page says "(trước đây: …)".
    public = client.get(reverse("ranking:public_detail", args=[version.pk])).content.decode()
    assert "(trước đây: " in public and "Sở Y tế" in public
    block_page = client_for(w.secretariat).get(reverse("ranking:block", args=[period.pk, w.block.pk]))
    assert "Sở Y tế (trước đây)" in block_page.content.decode()
    # The unit's results over the years follow the lineage (8.3.x compares from the same list).
    years = unit_years(new)
    assert [y["year"] for y in years] == [2024, 2025]
    assert years[0]["former"] in {"Sở Xây dựng", "Sở Y tế"} and years[1]["former"] == ""


def test_a_year_before_a_renaming_counts_for_the_renamed_unit_only(ranked):
    w = ranked
    _publish(w, w.period, w.block)
    renamed = _succeed(w, [w.unit_b], "so-y-te-moi", "Sở Y tế (tên mới)", UnitLineage.RENAME)
    years = unit_years(renamed)
    assert len(years) == 1 and years[0]["former"] == "Sở Y tế" and years[0]["rank"] == 2
    assert [y["former"] for y in unit_years(w.unit_a)] == [""]  # not mixed up with another unit's year


def test_lineage_owners_maps_every_ancestor_to_its_present_units():
    day = date(2025, 7, 1)
    edges = [Edge(1, 3, day), Edge(2, 3, day), Edge(3, 4, day), Edge(5, 6, day), Edge(5, 7, day)]
    owners = lineage_owners([4, 6, 7], edges)
    assert owners[1] == [(2, 4)] and owners[3] == [(1, 4)] and owners[4] == [(0, 4)]
    assert owners[5] == [(1, 6), (1, 7)]  # a split: the old unit's year counts for both successors
    assert 8 not in owners
    assert lineage_owners([1], edges + [Edge(4, 1, day)])[4] == [(1, 1)]  # a cycle does not loop


def test_units_sum_of_the_block_uses_the_membership_not_the_present_block(ranked):
    """Units moved after the round closed are still ranked in the block they took part in."""
    w = ranked
    other = Block.objects.create(authority=w.authority, code="khac", name="Khối khác")
    Unit.objects.filter(pk=w.unit_b.pk).update(block=other)
    version = services.ranking_compute(period=w.period, block=w.block, actor=w.secretariat)
    assert [u["id"] for u in version.snapshot["units"]] == ["so-xay-dung", "so-y-te"]
    assert Decimal(version.snapshot["units"][1]["total"]) == Decimal("92.00")
