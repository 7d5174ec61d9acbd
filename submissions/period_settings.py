"""The per-period readings of the regulation: one entry per reading, with its default, the article it reads,
a one-line explanation and its validation. ``docs/regulation.md`` states each reading; the period form, the
ranking engine's settings (``ranking.services.period_settings``) and ``Period.setting`` all read this table,
so a reading is added in one place.

Values are stored in ``Period.settings`` as JSON: decimals as strings ("0.20"), booleans, choice codes.
Pure: no database access; the check "no change after the round closed" is the form's, which knows the round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from criteria import dieu7 as rules

GRADING, RANK_ONLY = "grading", "rank_only"  # Period.kind


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    help: str  # one line: what it changes, the default reading and where it comes from
    kind: str  # "decimal", "bool" or "choice"
    default: Any  # or a mapping period kind → default
    choices: tuple[tuple[str, str], ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def default_for(self, period_kind: str) -> Any:
        if isinstance(self.default, Mapping):
            return self.default[period_kind]
        return self.default

    def check(self, value: Any) -> Any:
        """The stored form of ``value``, or ValueError with a Vietnamese message for the period form."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"“{self.label}” phải là có hoặc không.")
            return value
        if self.kind == "choice":
            codes = [code for code, _ in self.choices]
            if value not in codes:
                labels = "; ".join(label for _, label in self.choices)
                raise ValueError(f"“{self.label}” chỉ nhận một trong: {labels}.")
            return value
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"“{self.label}” phải là một số (ví dụ {self.default}).") from None
        if not number.is_finite():
            raise ValueError(f"“{self.label}” phải là một số (ví dụ {self.default}).")
        if self.minimum is not None and number < self.minimum or self.maximum is not None and number > self.maximum:
            raise ValueError(f"“{self.label}” phải từ {_show(self.minimum)} đến {_show(self.maximum)}.")
        return str(number)


def _show(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}".replace(".", ",")


UNSENT_CHOICES = (("not_appraised", "Không thẩm định, xếp với tổng điểm 0 (không gửi báo cáo đúng hạn)"),
                  ("appraised", "Vẫn thẩm định theo số liệu tại thời điểm khóa"))
SUPPORT_CHOICES = (("both", "Cần cả tài liệu kiểm chứng và giải trình"),
                   ("either", "Tài liệu kiểm chứng hoặc giải trình (giải trình thay được tài liệu)"))
CAP_ROUNDING_CHOICES = (("half_up", "Làm tròn (0,5 lên): 20 → 4, 9 → 2, 7 → 1, 6 → 1"),
                        ("down", "Làm tròn xuống"), ("up", "Làm tròn lên"))
ZERO, ONE = Decimal(0), Decimal(1)

SETTINGS: tuple[Setting, ...] = (
    Setting("excellent_share", "Tỷ lệ tối đa Hoàn thành xuất sắc (0,20 = 20 %)",
            "Điều 7.4: số đơn vị xuất sắc không quá tỷ lệ này của số đơn vị đạt từ Hoàn thành tốt trở lên.",
            "decimal", "0.20", minimum=ZERO, maximum=ONE),
    Setting("cap_rounding", "Làm tròn số lượng xuất sắc theo tỷ lệ",
            "Mặc định làm tròn 0,5 lên: tái lập đúng số lượng tối đa của các khối tỉnh Thái Nguyên.",
            "choice", "half_up", choices=CAP_ROUNDING_CHOICES),
    Setting("thresholds_on_rounded_total", "So ngưỡng 90 / 70 / 50 với tổng điểm đã làm tròn 2 chữ số",
            "Mặc định có: ngưỡng so với điểm công bố (làm tròn 0,5 lên đến 2 chữ số thập phân).",
            "bool", True),
    Setting("min_total_excellent", "Điểm tối thiểu Hoàn thành xuất sắc",
            "Điều 7.2.a: từ 90 điểm; cận trên của các khoảng điểm không loại trừ mức cao hơn.",
            "decimal", "90", minimum=ZERO, maximum=Decimal(1000)),
    Setting("min_total_good", "Điểm tối thiểu Hoàn thành tốt", "Điều 7.2.b: từ 70 điểm.",
            "decimal", "70", minimum=ZERO, maximum=Decimal(1000)),
    Setting("min_total_pass", "Điểm tối thiểu Hoàn thành", "Điều 7.2.c: từ 50 điểm; dưới mức này là Không hoàn thành.",
            "decimal", "50", minimum=ZERO, maximum=Decimal(1000)),
    Setting("subunits_disciplined_max_share", "Tỷ lệ tối đa đơn vị trực thuộc bị kỷ luật (0,20 = 20 %)",
            "Điều 7.2.b–d: trên tỷ lệ này là Không hoàn thành; ở mức xuất sắc tỷ lệ phải bằng 0.",
            "decimal", "0.20", minimum=ZERO, maximum=ONE),
    Setting("nd2_kem_share", "Không hoàn thành khi quá tỷ lệ tiêu chí nhóm kết quả ở mức Kém",
            "Điều 7.2.d, cách hiểu “dưới 50 %”: Không hoàn thành khi quá một nửa tiêu chí ở mức Kém.",
            "decimal", "0.5", minimum=ZERO, maximum=ONE),
    Setting("poor_results_inclusive", "Tính cả trường hợp đúng bằng tỷ lệ trên (“từ một nửa trở lên”)",
            "Mặc định không: đúng một nửa tiêu chí ở mức Kém chưa phải Không hoàn thành.",
            "bool", False),
    Setting("first_year", "Năm đầu tiên đánh giá (Hội đồng chấm tối đa 8.1, 8.2)",
            "Năm đầu chưa có kết quả năm trước để phân tích điểm bị trừ: Hội đồng chấm tối đa 8.1, 8.2.",
            "bool", True),
    Setting("support_rule", "Điều kiện để tiêu chí được thẩm định",
            "Điều 8.2.b, 9.4.đ: kỳ xếp loại cần cả tài liệu và giải trình; kỳ Chỉ số CCHC: giải trình thay được "
            "tài liệu.", "choice", {GRADING: "both", RANK_ONLY: "either"}, choices=SUPPORT_CHOICES),
    Setting("explanation_citation_warning", "Nhắc khi giải trình chưa nêu Mục, Khoản, Điểm của tài liệu",
            "Giải trình phải nêu vị trí số liệu trong tài liệu kiểm chứng; chỉ nhắc, không chặn việc gửi.",
            "bool", True),
    Setting("unsent_at_deadline", "Báo cáo chưa gửi khi hết hạn",
            "Mặc định không thẩm định: từ 17 giờ ngày hết hạn phần mềm không nhận báo cáo; không đánh giá đơn vị "
            "gửi chậm.", "choice", "not_appraised", choices=UNSENT_CHOICES),
    Setting("signed_summary_required", "Phải đính kèm Bảng tổng hợp đã ký số trước khi gửi",
            "Hướng dẫn Huế (Bước 4), Điều 8.2.c: đơn vị tải Bảng tổng hợp (PDF) từ phần mềm, ký số rồi tải lên; "
            "chỉ gửi được khi bảng đã ký khớp với báo cáo. Mặc định không bắt buộc.", "bool", False),
    Setting("departments_required", "Phân công cho phòng là bắt buộc",
            "Thanh Hóa (§1.1): mỗi phòng chỉ chấm điểm, giải trình, tải tài liệu ở các mục được giao; người phê "
            "duyệt sửa được tất cả. Mặc định không: cán bộ của đơn vị sửa mọi tiêu chí.", "bool", False),
)
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}

#: Appraised/max from which a criterion is Xuất sắc, Tốt, Trung bình; three fields of the period form.
QUALITY_THRESHOLDS_DEFAULT = ("0.9", "0.7", "0.5")


def defaults(period_kind: str = GRADING) -> dict[str, Any]:
    return {"quality_thresholds": list(QUALITY_THRESHOLDS_DEFAULT),
            **{s.key: s.default_for(period_kind) for s in SETTINGS}}


def value(stored: Mapping[str, Any] | None, key: str, period_kind: str = GRADING) -> Any:
    """The setting ``key`` of a period whose stored settings are ``stored`` (its default when not stored)."""
    stored = stored or {}
    if key in stored:
        return stored[key]
    return defaults(period_kind)[key]


def cross_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """field → message for settings that are each valid but contradict each other."""
    errors = {}
    totals = [Decimal(str(values[k])) for k in ("min_total_excellent", "min_total_good", "min_total_pass")
              if values.get(k) is not None]
    if len(totals) == 3 and not totals[0] >= totals[1] >= totals[2]:
        errors["min_total_good"] = "Điểm tối thiểu phải giảm dần: Hoàn thành xuất sắc ≥ Hoàn thành tốt ≥ Hoàn thành."
    return errors


def ranking_settings(period, quotas: Mapping[str, int] | None = None, *, groups: Mapping[str, str] | None = None,
                     results_group: str = "") -> rules.RankingSettings:
    """The engine's settings under ``period``'s readings (``period.setting``, ``period.kind``), with the
    block quotas given (none: only the share caps HTXSNV), and the content groups (code → title) and results
    group named by the block's framework (``Framework.results_group``: which group Điều 7 treats as "kết quả
    thực hiện nhiệm vụ" is a fact of the framework, not a reading of the period). A grading period needs the
    results group among the groups (RankingError otherwise); a rank-only period looks at neither."""

    def number(key: str) -> Decimal:
        return Decimal(str(period.setting(key)))

    return rules.RankingSettings(
        excellent_share=number("excellent_share"),
        quotas=dict(quotas or {}),
        cap_rounding=period.setting("cap_rounding"),
        rank_only=period.kind == RANK_ONLY,
        thresholds_on_rounded_total=bool(period.setting("thresholds_on_rounded_total")),
        min_total_excellent=number("min_total_excellent"),
        min_total_good=number("min_total_good"),
        min_total_pass=number("min_total_pass"),
        subunits_disciplined_max_share=number("subunits_disciplined_max_share"),
        group_labels=dict(groups or {}),
        results_group=results_group,
        poor_results_share=number("nd2_kem_share"),
        poor_results_inclusive=bool(period.setting("poor_results_inclusive")),
        level_thresholds=tuple(Decimal(str(t)) for t in period.setting("quality_thresholds")),
    )
