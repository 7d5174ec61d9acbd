"""``python manage.py rank_scenario FILE``: run the Điều 7 rules on a JSON scenario and print the result as JSON.

The secretariat uses it to try "what if", and anyone can check the rules from outside without a database.
Input (``-`` reads standard input)::

    {"settings": {"quotas": {"so": 4, "huyen": 2}, "excellent_share": "0.20", ...},   # optional
     "units": [{"id": "SNV", "block": "so", "total": "92.125", "outstanding": true,
                "discipline": "none", "corruption": "none", "disunity": false,
                "subunits_disciplined_share": "0", "criteria": [{"code": "7.2", "group": "ND2", "level": "xuat_sac"}]}]}

Every field of :class:`criteria.dieu7.RankingSettings` may be set under ``settings``; ``quotas``, when given,
replaces the default quotas entirely; ``group_labels`` (code → name) gives the framework's content groups
(default ND1–ND3 of 2610) and ``results_group`` must be one of them. ``settings.framework_total`` (default
"100") is the declared total of the frameworks, and a unit may name its own ``max_total``: a total above
it is refused. A criterion gives its ``level``, or its appraised ``score`` and ``max`` (the level is then
derived; a score above the maximum is refused). ``official_prosecuted`` (Điều 7.2.a) is optional, false by default.

Totals, shares and ratios are decimal strings ("88.50" or "88,50"),
never JSON numbers, so no float ever touches a score. In rank-only mode (``"rank_only": true``) a unit
needs only ``id``, ``block`` and ``total``.

Bad input stops with a message naming the unit and the field, exit code 2, and nothing on standard output.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from criteria.dieu7 import (
    INCIDENTS,
    LEVELS,
    Criterion,
    Ranking,
    RankingError,
    RankingSettings,
    Unit,
    classify_level,
    rank_units,
)
from criteria.scoring import ScoringError, parse_decimal

EXIT_BAD_INPUT = 2

DECIMAL_SETTINGS = {
    "excellent_share", "min_total_excellent", "min_total_good", "min_total_pass",
    "subunits_disciplined_max_share", "poor_results_share",
}
BOOL_SETTINGS = {"rank_only", "thresholds_on_rounded_total", "poor_results_inclusive"}
INT_SETTINGS = {"total_places", "tiebreak_places"}
STR_SETTINGS = {"cap_rounding", "results_group"}
SETTINGS = (DECIMAL_SETTINGS | BOOL_SETTINGS | INT_SETTINGS | STR_SETTINGS
            | {"quotas", "level_thresholds", "group_labels"})
SCENARIO_SETTINGS = SETTINGS | {"framework_total"}

RANK_FIELDS = ("id", "block", "total")
GRADE_FIELDS = (
    "outstanding", "discipline", "corruption", "disunity", "subunits_disciplined_share", "criteria",
)
OPTIONAL_FIELDS = ("official_prosecuted", "max_total")
CRITERION_FIELDS = ("code", "group", "level", "score", "max")
#: Declared total of a framework when the scenario names none (every framework of 2610 and the seeds: 100).
DEFAULT_FRAMEWORK_TOTAL = Decimal(100)


class ScenarioError(ValueError):
    """A scenario that cannot be read; the message names the unit and the field."""


def _decimal(raw: Any, where: str) -> Decimal:
    if not isinstance(raw, str):
        raise ScenarioError(
            f"{where}: phải là chuỗi số thập phân trong dấu nháy, ví dụ \"88.50\" "
            f"(không nhận số JSON {_show(raw)}, để điểm không bị sai số của số thực)."
        )
    try:
        return parse_decimal(raw, field_label="giá trị")
    except ScoringError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _bool(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ScenarioError(f"{where}: phải là true hoặc false (đang là {_show(raw)}).")
    return raw


def _int(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ScenarioError(f"{where}: phải là số nguyên không âm (đang là {_show(raw)}).")
    return raw


def _choice(raw: Any, choices: tuple[str, ...], where: str) -> str:
    if raw not in choices:
        raise ScenarioError(f"{where}: {_show(raw)} không hợp lệ; chỉ nhận: {', '.join(choices)}.")
    return raw


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ScenarioError(f"{where}: phải là chuỗi không rỗng (đang là {_show(raw)}).")
    return raw.strip()


def _show(raw: Any) -> str:
    return json.dumps(raw, ensure_ascii=False, default=str)


def parse_settings(raw: Any) -> RankingSettings:
    if raw is None:
        return RankingSettings()
    if not isinstance(raw, dict):
        raise ScenarioError("Mục “settings” phải là một bảng các thiết lập.")
    unknown = sorted(set(raw) - SCENARIO_SETTINGS)
    if unknown:
        raise ScenarioError(
            f"Thiết lập không được hỗ trợ: {', '.join(unknown)}; chỉ nhận: {', '.join(sorted(SCENARIO_SETTINGS))}."
        )
    values: dict[str, Any] = {}
    for name, value in raw.items():
        where = f"Thiết lập “{name}”"
        if name == "framework_total":  # read by parse_scenario
            continue
        if name in DECIMAL_SETTINGS:
            values[name] = _decimal(value, where)
        elif name in BOOL_SETTINGS:
            values[name] = _bool(value, where)
        elif name in INT_SETTINGS:
            values[name] = _int(value, where)
        elif name in STR_SETTINGS:
            values[name] = _text(value, where)
        elif name == "quotas":
            if not isinstance(value, dict):
                raise ScenarioError(f"{where}: phải là bảng mã khối → số lượng tối đa, ví dụ {{\"so\": 4}}.")
            values[name] = {block: _int(quota, f"{where}, khối “{block}”") for block, quota in value.items()}
        elif name == "group_labels":
            if not isinstance(value, dict) or not value:
                raise ScenarioError(f"{where}: phải là bảng mã nội dung → tên nội dung, ví dụ "
                                    f"{{\"TDG\": \"Điểm tự đánh giá\", \"XHH\": \"Điểm điều tra xã hội học\"}}.")
            values[name] = {_text(code, where): _text(label, f"{where}, nội dung “{code}”")
                            for code, label in value.items()}
        else:  # level_thresholds
            if not isinstance(value, list) or len(value) != 3:
                raise ScenarioError(f"{where}: phải là danh sách ba chuỗi số, ví dụ [\"0.9\", \"0.7\", \"0.5\"].")
            values[name] = tuple(_decimal(v, f"{where}[{i}]") for i, v in enumerate(value, start=1))
    try:
        return RankingSettings(**values)
    except RankingError as exc:
        raise ScenarioError(str(exc)) from None


def _criterion(raw: Any, where: str, settings: RankingSettings) -> Criterion:
    """A criterion with its ``level``, or with its appraised ``score`` and ``max`` (the level is then derived
    with the settings' thresholds); a score above the criterion's maximum is refused."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: phải là một bảng (code, group, level hoặc score và max).")
    code = raw.get("code")
    if isinstance(code, str) and code.strip():
        where = f"{where} (“{code.strip()}”)"
    unknown = sorted(set(raw) - set(CRITERION_FIELDS))
    if unknown:
        raise ScenarioError(f"{where}: trường không được hỗ trợ: {', '.join(unknown)}.")
    scored = "score" in raw or "max" in raw
    for name in ("code", "group") + (("score", "max") if scored else ("level",)):
        if name not in raw:
            raise ScenarioError(f"{where}, trường “{name}”: bắt buộc phải có.")
    level = raw.get("level")
    if scored:
        score = _decimal(raw["score"], f"{where}, trường “score”")
        maximum = _decimal(raw["max"], f"{where}, trường “max”")
        if maximum <= 0:
            raise ScenarioError(f"{where}, trường “max”: điểm tối đa phải lớn hơn 0 (đang là {_show(raw['max'])}).")
        if not (0 <= score <= maximum):
            raise ScenarioError(f"{where}, trường “score”: điểm {_show(raw['score'])} phải từ 0 đến điểm tối đa "
                                f"{_show(raw['max'])} của tiêu chí.")
        derived = classify_level(score, maximum, settings.level_thresholds)
        if level is not None and level != derived:
            raise ScenarioError(f"{where}, trường “level”: {_show(level)} mâu thuẫn với điểm {_show(raw['score'])}/"
                                f"{_show(raw['max'])} (mức {_show(derived)}); bỏ “level” hoặc sửa điểm.")
        level = derived
    return Criterion(
        code=_text(raw["code"], f"{where}, trường “code”"),
        # The scenario's content groups (``group_labels``, default ND1–ND3 of 2610); any code when rank-only.
        group=(_text(raw["group"], f"{where}, trường “group”") if settings.rank_only
               else _choice(raw["group"], tuple(settings.group_labels), f"{where}, trường “group”")),
        level=_choice(level, LEVELS, f"{where}, trường “level”"),
    )


def parse_unit(raw: Any, position: int, settings: RankingSettings,
               framework_total: Decimal = DEFAULT_FRAMEWORK_TOTAL) -> Unit:
    if not isinstance(raw, dict):
        raise ScenarioError(f"Đơn vị thứ {position} trong “units”: phải là một bảng các trường.")
    unit_id = raw.get("id")
    if isinstance(unit_id, int) and not isinstance(unit_id, bool):
        unit_id = str(unit_id)
    if not isinstance(unit_id, str) or not unit_id.strip():
        raise ScenarioError(
            f"Đơn vị thứ {position} trong “units”, trường “id”: bắt buộc phải có, là chuỗi hoặc số nguyên "
            f"(đang là {_show(raw.get('id'))})."
        )
    unit_id = unit_id.strip()
    prefix = f"Đơn vị “{unit_id}”"
    known = RANK_FIELDS + GRADE_FIELDS + OPTIONAL_FIELDS
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ScenarioError(f"{prefix}: trường không được hỗ trợ: {', '.join(unknown)}; chỉ nhận: {', '.join(known)}.")
    required = RANK_FIELDS if settings.rank_only else RANK_FIELDS + GRADE_FIELDS
    for name in required:
        if name not in raw:
            raise ScenarioError(f"{prefix}, trường “{name}”: bắt buộc phải có.")

    def where(name: str) -> str:
        return f"{prefix}, trường “{name}”"

    values: dict[str, Any] = {
        "id": unit_id,
        "block": _text(raw["block"], where("block")),
        "total": _decimal(raw["total"], where("total")),
        "max_total": (_decimal(raw["max_total"], where("max_total")) if "max_total" in raw else framework_total),
    }
    for name in ("outstanding", "disunity", "official_prosecuted"):
        if name in raw:
            values[name] = _bool(raw[name], where(name))
    for name in ("discipline", "corruption"):
        if name in raw:
            values[name] = _choice(raw[name], INCIDENTS, where(name))
    if "subunits_disciplined_share" in raw:
        share = _decimal(raw["subunits_disciplined_share"], where("subunits_disciplined_share"))
        if not (0 <= share <= 1):
            raise ScenarioError(f"{where('subunits_disciplined_share')}: phải từ 0 đến 1 (đang là {share}).")
        values["subunits_disciplined_share"] = share
    if "criteria" in raw:
        criteria = raw["criteria"]
        if not isinstance(criteria, list):
            raise ScenarioError(f"{where('criteria')}: phải là danh sách tiêu chí.")
        values["criteria"] = tuple(
            _criterion(c, f"{where('criteria')}, tiêu chí thứ {i}", settings) for i, c in enumerate(criteria, start=1)
        )
    try:
        return Unit(**values)
    except RankingError as exc:
        raise ScenarioError(str(exc)) from None


def parse_scenario(data: Any) -> tuple[RankingSettings, list[Unit]]:
    """The settings and units of a scenario already decoded from JSON (numbers as ``Decimal``)."""
    if not isinstance(data, dict):
        raise ScenarioError("Tệp kịch bản phải là một bảng JSON có “units” (và “settings” nếu cần).")
    unknown = sorted(set(data) - {"settings", "units"})
    if unknown:
        raise ScenarioError(f"Mục không được hỗ trợ: {', '.join(unknown)}; chỉ nhận: settings, units.")
    settings = parse_settings(data.get("settings"))
    framework_total = DEFAULT_FRAMEWORK_TOTAL
    if isinstance(data.get("settings"), dict) and "framework_total" in data["settings"]:
        framework_total = _decimal(data["settings"]["framework_total"], "Thiết lập “framework_total”")
        if framework_total <= 0:
            raise ScenarioError("Thiết lập “framework_total”: tổng điểm tối đa của bộ tiêu chí phải lớn hơn 0.")
    raw_units = data.get("units")
    if not isinstance(raw_units, list) or not raw_units:
        raise ScenarioError("Mục “units” phải là danh sách có ít nhất một đơn vị.")
    units = [parse_unit(raw, i, settings, framework_total) for i, raw in enumerate(raw_units, start=1)]
    seen: set[str] = set()
    for unit in units:
        if unit.id in seen:
            raise ScenarioError(f"Đơn vị “{unit.id}”, trường “id”: mã đơn vị bị trùng.")
        seen.add(unit.id)
    return settings, units


def ranking_to_json(ranking: Ranking) -> dict[str, Any]:
    return {
        "units": [
            {
                "id": r.id,
                "block": r.block,
                "rank": r.rank,
                "total": f"{r.total:f}",
                "qualified": r.qualified,
                "grade": r.grade,
                "tie": r.tie,
                "chair": r.chair,
                "reasons": list(r.reasons),
            }
            for r in ranking.units
        ],
        "blocks": {
            block: {
                "qualified_good_or_better": summary.qualified_good_or_better,
                "excellent_cap": summary.excellent_cap,
            }
            for block, summary in ranking.blocks.items()
        },
    }


class Command(BaseCommand):
    help = (
        "Xếp hạng, xếp loại theo Điều 7 một kịch bản JSON (thử “nếu … thì”) và in kết quả dạng JSON. "
        "Dữ liệu sai: báo lỗi nêu đơn vị và trường, mã thoát 2."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp kịch bản JSON; “-” để đọc từ đầu vào chuẩn.")

    def handle(self, *args, file, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Không đọc được tệp kịch bản “{file}”: {exc}", returncode=EXIT_BAD_INPUT) from None
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"Tệp kịch bản “{file}” không phải JSON hợp lệ: dòng {exc.lineno}, cột {exc.colno}: {exc.msg}.",
                returncode=EXIT_BAD_INPUT,
            ) from None
        try:
            settings, units = parse_scenario(data)
            ranking = rank_units(units, settings)
        except (ScenarioError, RankingError) as exc:
            raise CommandError(str(exc), returncode=EXIT_BAD_INPUT) from None
        self.stdout.write(json.dumps(ranking_to_json(ranking), ensure_ascii=False, indent=2))
