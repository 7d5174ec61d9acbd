"""What a form sent, read into the regulation's terms: the one parser of typed scores and texts for the unit's
sheet, the council's appraisal and the paper-dossier path (issue #16 item 3).

A refusal is a ``ValidationError`` whose ``code`` names the wrong field ("value", "special", "count",
"explanation"), so a form keeps everything typed and marks only that field. Nothing here writes: an "entry"
is any row with the fields of a score (``choice``, ``percent``, ``count``, ``points``, ``reason``,
``explanation``), the unit's ``Entry`` or the council's ``Appraisal``.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from .scoring import SURVEY, ScoringError, Typed, parse_rule, score_typed

if TYPE_CHECKING:
    from .models import Node


def clean_text(value: str | None, *, label: str, max_length: int) -> str:
    """User text as stored: stripped, NFC, without control characters that no form can type; refused
    (``ValidationError``) naming ``label`` when too long."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ValidationError(f"{label} chứa ký tự điều khiển không hợp lệ.")
    if len(text) > max_length:
        raise ValidationError(f"{label} dài quá {max_length:,} ký tự.".replace(",", "."))
    return text


def typed_input(node: Node, *, value: str | None = None, special: str | None = None,
                count: str | None = None) -> Typed:
    """What a score form sent for ``node`` (the unit's or the council's), scored by its rule
    (``criteria.scoring.score_typed``). A refusal is a ``ValidationError`` whose ``code`` names the wrong
    field ("value", "special", "count"), so the form keeps what was typed and marks only that field."""
    rule = parse_rule(node.rule, node.max_points)
    try:
        return score_typed(rule, node.max_points, value=value, special=special, count=count)
    except ScoringError as exc:
        message = str(exc) if rule.kind == SURVEY else f"Tiêu chí {node.code}: {exc}"
        raise ValidationError(message, code=exc.field or "value") from None


def score_change(entry, node: Node, *, value=None, special=None, count=None) -> Typed | None:
    """The scored input a form sent for ``entry`` when it changes the row's score (None when the form sent no
    score or the same one); refused as in :func:`typed_input`. Nothing is written: :func:`score_apply` does."""
    if value is None and special is None and count is None:
        return None
    typed = typed_input(node, value=value, special=special, count=count)
    if (typed.choice, typed.percent, typed.count, typed.points) == (entry.choice, entry.percent, entry.count,
                                                                    entry.points):
        return None
    return typed


def score_apply(entry, typed: Typed) -> None:
    entry.choice, entry.percent, entry.count = typed.choice, typed.percent, typed.count
    entry.points, entry.reason = typed.points, typed.reason


def explanation_change(entry, explanation: str | None) -> str | None:
    """The explanation as stored (:func:`clean_text`) when the form sent one that differs from the row's, else
    None; a refusal's ``code`` is "explanation", so the form marks that field only."""
    if explanation is None:
        return None
    try:
        text = clean_text(explanation, label="Giải trình", max_length=10000)
    except ValidationError as exc:
        raise ValidationError(exc.messages[0], code="explanation") from None
    return None if text == entry.explanation else text


def score_input(node: Node, raw: str) -> tuple[int | None, Decimal | None, Decimal | None, str]:
    """(choice, percent, points, reason) from the single ``value`` of a score form (see :func:`typed_input`)."""
    typed = typed_input(node, value=raw)
    return typed.choice, typed.percent, typed.points, typed.reason
