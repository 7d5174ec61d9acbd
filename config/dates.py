"""Dates typed and shown as dd/mm/yyyy whatever the browser's language (issue #14 item 8).

A native ``<input type="date">`` shows mm/dd/yyyy in an English browser; these fields are plain text inputs
that show and accept ``dd/mm/yyyy`` (also ``d/m/yyyy``, and ISO ``yyyy-mm-dd`` so old links and posts still
work). Date-times are ``dd/mm/yyyy HH:MM`` in Vietnam time (settings.TIME_ZONE). ``parse_date`` and
``parse_datetime`` are the one parser; views that read request.POST by hand call them too.
"""
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # the one zone every time is shown and typed in (settings.TIME_ZONE)

DATE_ERROR = "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 05/12/2026."
DATETIME_ERROR = "Thời điểm không hợp lệ: nhập theo dạng ngày/tháng/năm giờ:phút, ví dụ 05/12/2026 17:00."

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)
DATE_PATTERN = r"\s*\d{1,2}/\d{1,2}/\d{4}\s*|\s*\d{4}-\d{2}-\d{2}\s*"
DATETIME_PATTERN = r"\s*(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})([ T]+\d{1,2}:\d{2}(:\d{2})?)?\s*"


def parse_date(text) -> date | None:
    """``dd/mm/yyyy`` (or ``d/m/yyyy``, or ISO ``yyyy-mm-dd``) as a date; ``None`` for an empty text.
    Raises ValueError (with the Vietnamese message) for anything else, e.g. 31/02/2026 or 2026/12/05."""
    text = (text or "").strip()
    if not text:
        return None
    match = _DMY.fullmatch(text)
    if match:
        day, month, year = (int(p) for p in match.groups())
    elif match := _ISO.fullmatch(text):
        year, month, day = (int(p) for p in match.groups())
    else:
        raise ValueError(DATE_ERROR)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(DATE_ERROR) from None


def parse_datetime(text) -> datetime | None:
    """``dd/mm/yyyy HH:MM`` (or ISO ``yyyy-mm-ddTHH:MM``) as an aware datetime in Vietnam time; a date alone
    means 00:00 of that day. ``None`` for an empty text; ValueError for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    day_text, _, time_text = text.replace("T", " ").partition(" ")
    try:
        day = parse_date(day_text)
    except ValueError:
        raise ValueError(DATETIME_ERROR) from None
    hour = minute = second = 0
    time_text = time_text.strip()
    if time_text:
        match = _TIME.fullmatch(time_text)
        if not match:
            raise ValueError(DATETIME_ERROR)
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    try:
        moment = datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError:
        raise ValueError(DATETIME_ERROR) from None
    return timezone.make_aware(moment, timezone.get_default_timezone())


def show_date(value) -> str:
    """A date (or an already-typed text) as shown in a date input: ``05/12/2026``."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def show_datetime(value) -> str:
    """An aware datetime (or an already-typed text) as shown in a date-time input: ``05/12/2026 17:00``."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y 00:00")
    return str(value)


class VNDateInput(forms.TextInput):
    """A text input for dd/mm/yyyy: numeric keypad on phones, a placeholder, no browser autofill."""
    placeholder = "dd/mm/yyyy"
    pattern = DATE_PATTERN
    show = staticmethod(show_date)

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "placeholder": self.placeholder, "pattern": self.pattern,
                "autocomplete": "off", "title": "ngày/tháng/năm, ví dụ 05/12/2026", "class": "vn-date"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        # A refused text comes back as the text typed; a stored value is shown as dd/mm/yyyy.
        return self.show(value) or None


class VNDateTimeInput(VNDateInput):
    placeholder = "dd/mm/yyyy HH:MM"
    pattern = DATETIME_PATTERN
    show = staticmethod(show_datetime)

    def __init__(self, attrs=None):
        super().__init__({"title": "ngày/tháng/năm giờ:phút, ví dụ 05/12/2026 17:00", "class": "vn-datetime",
                          **(attrs or {})})


class VNDateField(forms.Field):
    """A date typed dd/mm/yyyy (see parse_date); refuses anything else with DATE_ERROR under the field."""
    widget = VNDateInput
    parser = staticmethod(parse_date)
    default_error_messages = {"invalid": DATE_ERROR}

    def __init__(self, **kwargs):
        kwargs.pop("input_formats", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, datetime):
            return value.date() if self.parser is parse_date else value
        if isinstance(value, date) and self.parser is parse_date:
            return value
        try:
            return self.parser(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != self.to_python(initial)
        except forms.ValidationError:
            return True


class VNDateTimeField(VNDateField):
    """A date-time typed ``dd/mm/yyyy HH:MM`` in Vietnam time (see parse_datetime)."""
    widget = VNDateTimeInput
    parser = staticmethod(parse_datetime)
    default_error_messages = {"invalid": DATETIME_ERROR}
