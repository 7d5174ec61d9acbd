"""`rank_scenario FILE`: the Điều 7 rules on a JSON scenario, JSON out; bad input → message, exit code 2, no output."""

import json
import subprocess
import sys
from dataclasses import fields
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from criteria.dieu7 import RankingSettings
from ranking.management.commands.rank_scenario import SETTINGS

SCENARIOS = Path(__file__).parent / "scenarios"
MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _unit(uid="SNV", block="so", total="92.50", **overrides):
    data = {
        "id": uid, "block": block, "total": total, "outstanding": True, "discipline": "none",
        "corruption": "none", "disunity": False, "subunits_disciplined_share": "0",
        "criteria": [
            {"code": "1.1", "group": "ND1", "level": "tot"},
            {"code": "7.2", "group": "ND2", "level": "xuat_sac"},
        ],
    }
    data.update(overrides)
    return data


def _write(tmp_path: Path, data, name="scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(path: Path) -> dict:
    out = StringIO()
    call_command("rank_scenario", str(path), stdout=out)
    return json.loads(out.getvalue())


def run_scenario(name: str) -> tuple[dict, dict]:
    result = run(SCENARIOS / name)
    return {u["id"]: u for u in result["units"]}, result["blocks"]


def refused(tmp_path: Path, data) -> str:
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("rank_scenario", str(_write(tmp_path, data)), stdout=out)
    assert exc.value.returncode == 2
    assert out.getvalue() == ""
    return str(exc.value)


# ------------------------------------------------------------------ shape


def test_every_setting_of_the_rules_can_be_given_in_a_scenario():
    assert {f.name for f in fields(RankingSettings)} == SETTINGS


def test_output_shape(tmp_path):
    others = [_unit(f"S{i}", total="75", outstanding=False) for i in range(4)]
    result = run(_write(tmp_path, {"units": [_unit("SNV", total="92.5"), *others]}))
    assert set(result) == {"units", "blocks"}
    first = result["units"][0]
    assert first == {
        "id": "SNV", "block": "so", "rank": 1, "total": "92.50", "qualified": "HTXSNV", "grade": "HTXSNV",
        "tie": False, "chair": False, "reasons": [],
    }
    assert [u["id"] for u in result["units"]] == ["SNV", "S0", "S1", "S2", "S3"]  # rank, then id for equal ranks
    assert [u["rank"] for u in result["units"]] == [1, 2, 2, 2, 2]
    assert result["units"][1]["reasons"][0] == (
        "Chưa đạt Hoàn thành xuất sắc nhiệm vụ: tổng điểm 75,00 dưới 90."
    )
    assert result["blocks"] == {"so": {"qualified_good_or_better": 5, "excellent_cap": 1}}


def test_settings_are_read(tmp_path):
    units = [_unit(f"X{i}", block="xa", total=f"9{i}.5") for i in range(4)]
    data = {"settings": {"quotas": {"xa": 3}, "excellent_share": "0,5", "cap_rounding": "down",
                         "level_thresholds": ["0.95", "0.8", "0.6"]}, "units": units}
    result = run(_write(tmp_path, data))
    assert result["blocks"] == {"xa": {"qualified_good_or_better": 4, "excellent_cap": 2}}
    assert [u["grade"] for u in result["units"]] == ["HTXSNV", "HTXSNV", "HTTNV", "HTTNV"]


def test_integer_ids_are_accepted_as_text(tmp_path):
    result = run(_write(tmp_path, {"units": [_unit(7)]}))
    assert result["units"][0]["id"] == "7"


def test_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", StringIO(json.dumps({"units": [_unit()]})))
    out = StringIO()
    call_command("rank_scenario", "-", stdout=out)
    assert json.loads(out.getvalue())["units"][0]["id"] == "SNV"


# ------------------------------------------------------------------ scenarios end to end


def test_thai_nguyen_blocks_of_20_9_7_6():
    units, blocks = run_scenario("thai_nguyen_2024.json")
    assert blocks == {
        "so": {"qualified_good_or_better": 20, "excellent_cap": 4},
        "huyen": {"qualified_good_or_better": 9, "excellent_cap": 2},
        "dvsn": {"qualified_good_or_better": 7, "excellent_cap": 1},
        "hoi": {"qualified_good_or_better": 3, "excellent_cap": 1},  # 6 units, 3 below HTTNV
    }
    assert [u for u, r in units.items() if r["grade"] == "HTXSNV"] == [
        "DV01", "HO02", "HU01", "SO01", "SO02", "SO03", "SO04",
    ]
    # Sở: SO05, SO07 and SO08 (89,995 is published 90,00) qualify but are beyond the quota of 4.
    for uid in ("SO05", "SO07", "SO08"):
        assert (units[uid]["qualified"], units[uid]["grade"]) == ("HTXSNV", "HTTNV")
        assert units[uid]["reasons"] == [
            "Đủ điều kiện Hoàn thành xuất sắc nhiệm vụ nhưng vượt tỷ lệ 20 % / số lượng tối đa của khối (4): "
            "xếp Hoàn thành tốt nhiệm vụ."
        ]
    assert units["SO08"]["total"] == "90.00"
    assert units["SO09"]["reasons"] == ["Chưa đạt Hoàn thành xuất sắc nhiệm vụ: tổng điểm 89,99 dưới 90."]
    assert units["SO06"]["reasons"] == [
        "Chưa đạt Hoàn thành xuất sắc nhiệm vụ: tiêu chí 5.2 (Nội dung II) chỉ đạt mức Tốt, cần Xuất sắc."
    ]
    assert [units[f"SO{i:02}"]["rank"] for i in range(1, 21)] == list(range(1, 21))
    # Huyện: HU02 and HU03 are equal at three decimals on the last place: the chair decides, HU04 waits.
    assert [(units[u]["rank"], units[u]["grade"], units[u]["tie"], units[u]["chair"]) for u in
            ("HU01", "HU02", "HU03", "HU04")] == [
        (1, "HTXSNV", False, False), (2, "HTTNV", True, True), (2, "HTTNV", True, True), (4, "HTTNV", False, False),
    ]
    assert any("Chủ tịch Hội đồng thẩm định xem xét, quyết định" in r for r in units["HU02"]["reasons"])
    # ĐVSN: equal at two decimals (91,12), the third decides.
    assert (units["DV01"]["total"], units["DV02"]["total"]) == ("91.12", "91.12")
    assert (units["DV01"]["rank"], units["DV02"]["rank"], units["DV02"]["tie"]) == (1, 2, False)
    # Hội: the disunited unit leads the ranking and is not completed; 90,1251 is published 90,13.
    assert [(u, units[u]["rank"], units[u]["grade"]) for u in ("HO06", "HO02", "HO01", "HO04", "HO05")] == [
        ("HO06", 1, "KHTNV"), ("HO02", 2, "HTXSNV"), ("HO01", 3, "HTTNV"), ("HO04", 5, "HTNV"), ("HO05", 6, "HTNV"),
    ]


def test_par_index_is_rank_only():
    units, blocks = run_scenario("par_index_rank_only.json")
    assert blocks == {
        "huyen": {"qualified_good_or_better": None, "excellent_cap": None},
        "so": {"qualified_good_or_better": None, "excellent_cap": None},
    }
    assert {u: (r["rank"], r["total"], r["tie"]) for u, r in units.items()} == {
        "STC": (1, "91.07", False),
        "SNV": (2, "88.41", True), "STP": (2, "88.41", True), "SXD": (2, "88.41", True),  # all 88,412
        "SYT": (5, "79.50", False),
        "PL": (1, "85.00", False), "DH": (2, "85.00", False),  # 85,004 before 85,000
    }
    assert all(r["grade"] is None and r["qualified"] is None and not r["chair"] for r in units.values())
    assert units["STC"]["reasons"] == []
    assert units["SNV"]["reasons"] == [
        "Bằng điểm với “STP”, “SXD” đến 3 chữ số thập phân (88,412): Chủ tịch Hội đồng thẩm định xem xét, "
        "quyết định thứ tự."
    ]


def test_two_tier_period_with_its_own_blocks_and_quotas():
    units, blocks = run_scenario("two_tier_2025.json")
    assert blocks == {
        "so": {"qualified_good_or_better": 6, "excellent_cap": 2},  # min(3, round_half_up(0.25 × 6 = 1.5))
        "xa_phuong": {"qualified_good_or_better": 10, "excellent_cap": 3},  # no quota: round_half_up(2.5)
    }
    assert [u for u, r in units.items() if r["grade"] == "HTXSNV"] == ["S1", "S2", "XA01", "XA02", "XA03"]


def test_manage_py_exit_codes(tmp_path):
    good = subprocess.run(
        [sys.executable, str(MANAGE), "rank_scenario", str(SCENARIOS / "par_index_rank_only.json")],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["units"][0]["id"] == "PL"
    bad = _write(tmp_path, {"units": [_unit("SNV", discipline="maybe")]})
    result = subprocess.run(
        [sys.executable, str(MANAGE), "rank_scenario", str(bad)],
        capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Đơn vị “SNV”, trường “discipline”" in result.stderr


# ------------------------------------------------------------------ bad input


def _without(field):
    data = _unit()
    del data[field]
    return data


def _criterion(**overrides):
    return _unit(criteria=[{"code": "7.2", "group": "ND2", "level": "tot", **overrides}])


@pytest.mark.parametrize("unit, field, words", [
    (_without("total"), "total", "bắt buộc"),
    (_without("outstanding"), "outstanding", "bắt buộc"),
    (_without("criteria"), "criteria", "bắt buộc"),
    (_unit(discipline="maybe"), "discipline", "none, remedied, unremedied"),
    (_unit(corruption="yes"), "corruption", "none, remedied, unremedied"),
    (_unit(total=92.5), "total", "chuỗi số thập phân"),
    (_unit(total=92), "total", "chuỗi số thập phân"),
    (_unit(total="chín mươi"), "total", "không phải là một số hợp lệ"),
    (_unit(total="-3"), "total", "không được âm"),
    (_unit(subunits_disciplined_share="1.5"), "subunits_disciplined_share", "từ 0 đến 1"),
    (_unit(subunits_disciplined_share=0.1), "subunits_disciplined_share", "chuỗi số thập phân"),
    (_unit(outstanding="yes"), "outstanding", "true hoặc false"),
    (_unit(block=""), "block", "chuỗi không rỗng"),
    (_unit(criteria="7.2"), "criteria", "danh sách"),
    (_criterion(level="gioi"), "level", "xuat_sac, tot, trung_binh, kem"),
    (_criterion(group="ND4"), "group", "ND1, ND2, ND3"),
    (_unit(criteria=[{"code": "7.2", "group": "ND2"}]), "level", "bắt buộc"),
    (_unit(dicipline="none"), "dicipline", "không được hỗ trợ"),
])
def test_bad_unit_names_the_unit_and_the_field(tmp_path, unit, field, words):
    message = refused(tmp_path, {"units": [_unit("STC"), unit]})
    assert "Đơn vị “SNV”" in message
    assert field in message
    assert words in message


def test_criterion_errors_name_the_criterion(tmp_path):
    message = refused(tmp_path, {"units": [_criterion(level="gioi")]})
    assert message.startswith("Đơn vị “SNV”, trường “criteria”, tiêu chí thứ 1 (“7.2”), trường “level”")


def test_a_unit_without_id_is_named_by_its_position(tmp_path):
    data = _unit()
    del data["id"]
    assert "Đơn vị thứ 2 trong “units”, trường “id”" in refused(tmp_path, {"units": [_unit("A"), data]})


def test_duplicate_ids(tmp_path):
    assert "Đơn vị “SNV”, trường “id”: mã đơn vị bị trùng" in refused(tmp_path, {"units": [_unit(), _unit()]})


def test_rank_only_needs_only_id_block_total(tmp_path):
    data = {"settings": {"rank_only": True}, "units": [{"id": "A", "block": "so", "total": "80"}]}
    assert run(_write(tmp_path, data))["units"][0]["rank"] == 1
    data["units"].append({"id": "B", "block": "so"})
    assert "Đơn vị “B”, trường “total”: bắt buộc" in refused(tmp_path, data)


@pytest.mark.parametrize("data, words", [
    ("{not json", "không phải JSON hợp lệ: dòng 1"),
    ([], "phải là một bảng JSON"),
    ({"units": []}, "ít nhất một đơn vị"),
    ({"units": [_unit()], "extra": 1}, "extra"),
    ({"settings": {"excellent_share": 0.2}, "units": [_unit()]}, "Thiết lập “excellent_share”: phải là chuỗi"),
    ({"settings": {"excellent_share": "1.2"}, "units": [_unit()]}, "excellent_share"),
    ({"settings": {"quotas": {"so": -1}}, "units": [_unit()]}, "Thiết lập “quotas”, khối “so”"),
    ({"settings": {"quotas": [4]}, "units": [_unit()]}, "Thiết lập “quotas”"),
    ({"settings": {"share": "0.2"}, "units": [_unit()]}, "không được hỗ trợ: share"),
    ({"settings": {"rank_only": "yes"}, "units": [_unit()]}, "Thiết lập “rank_only”"),
    ({"settings": {"cap_rounding": "banker"}, "units": [_unit()]}, "cap_rounding"),
    ({"settings": {"level_thresholds": ["0.9"]}, "units": [_unit()]}, "level_thresholds"),
])
def test_bad_scenario_is_refused(tmp_path, data, words):
    assert words in refused(tmp_path, data)


def test_missing_file_is_refused():
    with pytest.raises(CommandError, match="Không đọc được tệp kịch bản") as exc:
        call_command("rank_scenario", "/nonexistent/scenario.json")
    assert exc.value.returncode == 2


# ------------------------------------------------------------------ totals and criteria within their maxima


def test_a_total_above_the_frameworks_declared_total_is_refused(tmp_path):
    message = refused(tmp_path, {"units": [_unit(total="100.01")]})
    assert message.startswith("Đơn vị “SNV”, trường “total”: tổng điểm 100,01 vượt tổng điểm tối đa 100")
    message = refused(tmp_path, {"settings": {"framework_total": "82"}, "units": [_unit(total="85")]})
    assert "vượt tổng điểm tối đa 82" in message
    message = refused(tmp_path, {"units": [_unit(total="85", max_total="82")]})
    assert "vượt tổng điểm tối đa 82" in message
    assert run(_write(tmp_path, {"units": [_unit(total="100")]}))["units"][0]["total"] == "100.00"


def test_a_criterion_above_its_maximum_is_refused(tmp_path):
    message = refused(tmp_path, {"units": [_unit(criteria=[{"code": "7.2", "group": "ND2", "score": "3.5",
                                                            "max": "3"}])]})
    assert message.startswith("Đơn vị “SNV”, trường “criteria”, tiêu chí thứ 1 (“7.2”), trường “score”")
    assert "điểm \"3.5\" phải từ 0 đến điểm tối đa \"3\"" in message


def test_a_criterion_given_by_score_gets_its_derived_level(tmp_path):
    result = run(_write(tmp_path, {"units": [_unit(criteria=[{"code": "7.2", "group": "ND2", "score": "2.6",
                                                             "max": "3"}])]}))
    assert any("tiêu chí 7.2 (Nội dung II) chỉ đạt mức Tốt" in r for r in result["units"][0]["reasons"])
    message = refused(tmp_path, {"units": [_unit(criteria=[{"code": "7.2", "group": "ND2", "score": "2.7",
                                                            "max": "3", "level": "tot"}])]})
    assert "mâu thuẫn với điểm" in message


def test_dieu_7_2_a_scenario_official_prosecuted_and_contradicting_facts(tmp_path):
    result = run(_write(tmp_path, {"units": [_unit(official_prosecuted=True)]}))
    assert result["units"][0]["qualified"] == "HTTNV"
    message = refused(tmp_path, {"units": [_unit(subunits_disciplined_share="0.1")]})
    assert "subunits_disciplined_share" in message and "mâu thuẫn" in message
