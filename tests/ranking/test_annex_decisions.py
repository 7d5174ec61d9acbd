"""The annex names each block's own approval decision (issue #16 item 3: every path used to stamp the first
block's decision number on every block). ``ranking.reports.annex`` is the one way the page, the background job
and ``manage.py ranking_report`` make it."""

from datetime import date

from ranking.models import RankingVersion
from ranking.reports import annex_decisions, annex_stamp


def _version(block, status=RankingVersion.PUBLISHED, number="", day=None):
    return RankingVersion(status=status, decision_number=number, decision_date=day,
                          snapshot={"block": {"name": block}, "units": []})


def test_one_decision_for_every_block_is_named_once():
    versions = [_version("Khối sở", number="12/QĐ-UBND", day=date(2025, 1, 20)),
                _version("Khối huyện", number="12/QĐ-UBND", day=date(2025, 1, 20))]
    assert annex_decisions(versions) == [("12/QĐ-UBND", date(2025, 1, 20), ["Khối sở", "Khối huyện"])]
    assert annex_stamp(versions) == "Phụ lục kèm Quyết định số 12/QĐ-UBND"


def test_each_block_keeps_its_own_decision():
    versions = [_version("Khối sở", number="12/QĐ-UBND", day=date(2025, 1, 20)),
                _version("Khối huyện", number="15/QĐ-UBND", day=date(2025, 1, 25)),
                _version("Khối sự nghiệp", number="12/QĐ-UBND", day=date(2025, 1, 20))]
    assert annex_decisions(versions) == [("12/QĐ-UBND", date(2025, 1, 20), ["Khối sở", "Khối sự nghiệp"]),
                                         ("15/QĐ-UBND", date(2025, 1, 25), ["Khối huyện"])]
    assert annex_stamp(versions) == ("Phụ lục kèm các Quyết định số 12/QĐ-UBND (Khối sở, Khối sự nghiệp); "
                                     "15/QĐ-UBND (Khối huyện)")


def test_a_block_not_yet_approved_names_no_decision():
    versions = [_version("Khối sở", number="12/QĐ-UBND", day=date(2025, 1, 20)),
                _version("Khối huyện", status=RankingVersion.SUBMITTED)]
    assert annex_decisions(versions) == [("12/QĐ-UBND", date(2025, 1, 20), ["Khối sở"])]
