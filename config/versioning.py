"""Versioned saves: no silent last-write-wins where two people can change the same row (issue #15 item 5).

Every form that edits such a row carries the ``version`` it was loaded with (a hidden field). The service,
inside its transaction:

1. locks the row (:func:`lock`, ``select_for_update``), so two saves of the row run one after the other;
2. compares the row's version with the form's (:func:`check_version`); a different one raises
   :class:`ConflictError`, naming who saved last and when (Vietnam time), and nothing is written;
3. writes its change and stamps it (:func:`stamp`): the version goes up by one, who and when are recorded,
   and the django-simple-history user of the change is the actor.

``version=None`` skips step 2: a caller with no loaded form (the demo, a script, a test helper, a request
from a page without the field). Every page of the product sends the field.

A row that was deleted (an override removed) keeps counting through its history: the deletion is stamped
first, so the history's last row carries the version a new row continues from (:func:`versioned_absent`).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from .dates import VIETNAM

ADVICE = "Trang của bạn đã cũ nên thay đổi chưa được lưu: hãy xem giá trị hiện tại rồi lưu lại nếu cần."


class ConflictError(ValidationError):
    """Someone else saved the row since the form was loaded; nothing was written. ``record`` holds their
    version of the row (``entry``: the same object, the name the score pages read)."""

    def __init__(self, message: str, record):
        super().__init__(message, code="conflict")
        self.record = record
        self.entry = record


def vietnam_time(moment: datetime) -> str:
    return timezone.localtime(moment, VIETNAM).strftime("%H:%M:%S %d/%m/%Y")


def posted_version(request, name: str = "version") -> int | None:
    """The version a form was loaded with, from its hidden field: None when the form has no such field (see
    the module's docstring); a value that is not a whole number is refused, in Vietnamese."""
    raw = request.POST.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise ValidationError("Trang gửi kèm phiên bản dữ liệu không hợp lệ: hãy tải lại trang rồi lưu lại.",
                              code="version")
    return int(raw)


def lock(rows: type[Model] | QuerySet, **lookup) -> Model | None:
    """The row matching ``lookup``, locked until the end of the transaction; None when there is none."""
    queryset = rows.objects.all() if isinstance(rows, type) else rows
    return queryset.select_for_update().filter(**lookup).first()


def locked_row(model: type[Model], **lookup) -> Model:
    """The row matching ``lookup``, locked, created first when missing (two first saves at once: one creates,
    the other finds it). One query when the row exists."""
    row = lock(model, **lookup)
    if row is None:
        try:
            with transaction.atomic():
                model.objects.create(**lookup)
        except IntegrityError:
            pass
        row = model.objects.select_for_update().get(**lookup)
    return row


def history_versions(model: type[Model], key: str, **lookup) -> dict:
    """``{key value: the highest version in the history}`` of the rows matching ``lookup``, in one query: the
    version a form of a row that is absent now (deleted) must carry (see :func:`versioned_absent`)."""
    from django.db.models import Max

    return dict(model.history.filter(**lookup).values(key).annotate(top=Max("version")).values_list(key, "top"))


def conflict_message(record, *, what: str, verb: str = "lưu", shown: str = "", someone: str = "người khác",
                     by: str = "updated_by", at: str = "updated_at", advice: str = ADVICE) -> str:
    """"{what} vừa được {who} {verb} lúc {when} ({shown}). {advice}": who and when from the row's stamp."""
    who = getattr(record, by, None) or someone
    moment = getattr(record, at, None)
    when = f" lúc {vietnam_time(moment)}" if moment else ""
    detail = f" ({shown})" if shown else ""
    return f"{what} vừa được {who} {verb}{when}{detail}. {advice}"


def check_version(record, version: int | None, *, what: str, verb: str = "lưu", shown: str = "",
                  someone: str = "người khác", by: str = "updated_by", at: str = "updated_at",
                  advice: str = ADVICE, error: type[ConflictError] = ConflictError, field: str = "version") -> None:
    """Raise ``error`` (a :class:`ConflictError`) unless the locked ``record`` is still at ``version``, the
    version the form was loaded with. ``what``/``verb``/``shown`` word the message (e.g. "Tiêu chí 2.1",
    "thẩm định", "3 điểm"); ``by``/``at`` name the row's who/when fields; ``field`` its version field (a model
    whose ``version`` means something else, ``ranking.HeadGrade``, counts in ``row_version``)."""
    if version is None or getattr(record, field) == version:
        return
    raise error(conflict_message(record, what=what, verb=verb, shown=shown, someone=someone, by=by, at=at,
                                 advice=advice), record)


def stamp(record, *, actor, now: datetime | None = None, by: str | None = "updated_by",
          at: str | None = "updated_at", field: str = "version") -> None:
    """Mark ``record`` as changed by ``actor`` at ``now`` (before its ``save()``): version + 1, who and when
    (``by``/``at``, None for a model without the field), and the history user. ``actor=None`` (a recomputation
    by the system) leaves who and the history user as they are."""
    setattr(record, field, getattr(record, field) + 1)
    if at:
        setattr(record, at, now or timezone.now())
    if actor is not None:
        if by:
            setattr(record, by, actor)
        if hasattr(type(record), "history"):
            record._history_user = actor


def versioned_absent(model: type[Model], **lookup):
    """For a row that does not exist: the last history row of the same lookup (its deletion, stamped), or
    None when the row never existed. A new row continues from its version, and a form loaded before the
    deletion is refused naming who deleted it (``history_user``, ``history_date``)."""
    history = getattr(model, "history", None)
    if history is None:
        return None
    return history.filter(**lookup).order_by("-history_date", "-history_id").first()
