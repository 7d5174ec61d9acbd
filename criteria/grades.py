"""The regulation's vocabulary of results, defined once for every stage (issue #16 item 1).

* Quality levels of a criterion (Điều 7: "mức chất lượng"), best first: the council's derived or overridden
  level of each criterion, shown on the appraisal, review and ranking pages.
* Grades of a unit (Điều 7: "mức xếp loại"), best first: proposed by the unit on sending, projected on the
  review page, decided by the ranking.

The codes are stored in the database (``appraisal.QualityLevel.level``, ``Submission.proposed_grade``,
``ranking`` results); the labels are the regulation's words. Nothing here reads the database.
"""

from __future__ import annotations

XUAT_SAC, TOT, TRUNG_BINH, KEM = "xuat_sac", "tot", "trung_binh", "kem"
#: Quality levels of a criterion, best first.
LEVELS = (XUAT_SAC, TOT, TRUNG_BINH, KEM)
LEVEL_LABELS = {XUAT_SAC: "Xuất sắc", TOT: "Tốt", TRUNG_BINH: "Trung bình", KEM: "Kém"}
LEVEL_CHOICES = list(LEVEL_LABELS.items())

HTXSNV, HTTNV, HTNV, KHTNV = "HTXSNV", "HTTNV", "HTNV", "KHTNV"
#: Grades of a unit, best first.
GRADES = (HTXSNV, HTTNV, HTNV, KHTNV)
GRADE_LABELS = {
    HTXSNV: "Hoàn thành xuất sắc nhiệm vụ",
    HTTNV: "Hoàn thành tốt nhiệm vụ",
    HTNV: "Hoàn thành nhiệm vụ",
    KHTNV: "Không hoàn thành nhiệm vụ",
}
GRADE_CHOICES = list(GRADE_LABELS.items())


def level_label(code: str | None) -> str:
    """"Xuất sắc" for "xuat_sac"; "—" for no level or an unknown code."""
    return LEVEL_LABELS.get(code or "", "—")


def grade_label(code: str | None) -> str:
    """"Hoàn thành tốt nhiệm vụ" for "HTTNV"; "" for no grade or an unknown code."""
    return GRADE_LABELS.get(code or "", "")
