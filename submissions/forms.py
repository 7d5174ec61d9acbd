from decimal import Decimal

from django import forms

from config.dates import VNDateField, VNDateTimeField

from . import period_settings
from .models import Period, Unit


class EvidenceForm(forms.Form):
    file = forms.FileField(label="Tệp (PDF, Word, Excel, JPG, PNG)")
    doc_number = forms.CharField(label="Số, ký hiệu", max_length=100,
                                 widget=forms.TextInput(attrs={"placeholder": "30/KH-UBND"}))
    doc_date = VNDateField(label="Ngày văn bản")
    issuer = forms.CharField(label="Cơ quan ban hành", max_length=255)


class PeriodForm(forms.ModelForm):
    class Meta:
        model = Period
        fields = ["authority", "code", "name", "year", "kind", "opens_at", "closes_at", "data_cutoff"]
        field_classes = {"opens_at": VNDateTimeField, "closes_at": VNDateTimeField, "data_cutoff": VNDateField}

    # The per-period readings of the regulation (docs/regulation.md), stored in Period.settings; the other
    # readings are added from submissions/period_settings.py in __init__.
    excellent_threshold = forms.DecimalField(label="Mức Xuất sắc của tiêu chí từ (điểm/tối đa)", min_value=0,
                                             max_value=1, decimal_places=3, localize=True,
                                             help_text="Mức chất lượng của tiêu chí theo tỷ lệ điểm thẩm định/điểm "
                                                       "tối đa: mặc định 0,9 / 0,7 / 0,5.")
    good_threshold = forms.DecimalField(label="Mức Tốt từ", min_value=0, max_value=1, decimal_places=3, localize=True)
    fair_threshold = forms.DecimalField(label="Mức Trung bình từ", min_value=0, max_value=1, decimal_places=3,
                                        localize=True)
    THRESHOLD_FIELDS = ("excellent_threshold", "good_threshold", "fair_threshold")

    def __init__(self, *args, authorities=None, locked_reason: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["authority"].queryset = authorities
        # Once the appraisal round has closed, the readings the results were computed under cannot change.
        self.locked_reason = locked_reason
        kind = self.instance.kind if self.instance.pk else Period.GRADING
        self.current = period_settings.defaults(kind) | ((self.instance.settings if self.instance.pk else None) or {})
        for setting in period_settings.SETTINGS:
            self.fields[setting.key] = _setting_field(setting)
        high, good, fair = (Decimal(t) for t in self.current["quality_thresholds"])
        self.initial.update(excellent_threshold=high, good_threshold=good, fair_threshold=fair,
                            **{s.key: _initial(s, self.current[s.key]) for s in period_settings.SETTINGS})

    def _stored(self, data, thresholds) -> dict:
        stored = {"quality_thresholds": [str(t) for t in thresholds]}
        for setting in period_settings.SETTINGS:
            if data.get(setting.key) is None and setting.kind != "bool":
                continue
            try:
                stored[setting.key] = setting.check(data[setting.key] if setting.kind != "bool"
                                                    else bool(data.get(setting.key)))
            except ValueError as exc:
                self.add_error(setting.key, str(exc))
        return stored

    def clean(self):
        data = super().clean()
        thresholds = [data.get(k) for k in self.THRESHOLD_FIELDS]
        if None not in thresholds and not (thresholds[0] >= thresholds[1] >= thresholds[2]):
            self.add_error("excellent_threshold", "Các mức chất lượng phải giảm dần: Xuất sắc ≥ Tốt ≥ Trung bình.")
        if None in thresholds:
            return data
        stored = self._stored(data, thresholds)
        for name, message in period_settings.cross_errors(stored).items():
            self.add_error(name, message)
        if self.locked_reason:
            for key, new in stored.items():
                if not _same(self.current.get(key), new):
                    field = "excellent_threshold" if key == "quality_thresholds" else key
                    self.add_error(field, f"Không thay đổi được: {self.locked_reason}")
            if data.get("kind") and data["kind"] != self.instance.kind:
                self.add_error("kind", f"Không thay đổi được: {self.locked_reason}")
        self.stored_settings = stored
        return data

    def save(self, commit=True):
        period = super().save(commit=False)
        period.settings = {**(period.settings or {}), **self.stored_settings}
        if commit:
            period.save()
        return period


def _same(a, b) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except Exception:
        return a == b


def _initial(setting: period_settings.Setting, value):
    return Decimal(str(value)) if setting.kind == "decimal" else value


def _setting_field(setting: period_settings.Setting) -> forms.Field:
    common = {"label": setting.label, "help_text": setting.help}
    if setting.kind == "bool":
        return forms.BooleanField(required=False, **common)
    if setting.kind == "choice":
        return forms.ChoiceField(choices=setting.choices, **common)
    return forms.DecimalField(min_value=setting.minimum, max_value=setting.maximum, decimal_places=3,
                              localize=True, **common)


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["block", "code", "name", "email"]

    def __init__(self, *args, blocks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if blocks is not None:
            self.fields["block"].queryset = blocks


class StaffImportForm(forms.Form):
    file = forms.FileField(label="Danh sách cán bộ (.xlsx: TT, Họ và tên, Chức vụ, Email, Quyền)")


class WindowForm(forms.Form):
    closes_at = VNDateTimeField(label="Hạn bổ sung")
    message = forms.CharField(label="Nội dung yêu cầu", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    nodes = forms.MultipleChoiceField(label="Tiêu chí được bổ sung", widget=forms.CheckboxSelectMultiple)


class ReorganisationImportForm(forms.Form):
    """A reorganisation sheet: uploaded (``file``, for the preview) or re-posted by the confirmation page
    (``data``, the previewed bytes in base64; the view also checks their digest against the session).
    ``cleaned_data["content"]`` holds the bytes and ``cleaned_data["confirm"]`` says which it was."""

    file = forms.FileField(label="Bảng sắp xếp tổ chức (.xlsx: Mã đơn vị cũ, Mã đơn vị mới, Ngày hiệu lực, "
                                 "Hình thức; Tên đơn vị mới, Khối, Căn cứ nếu có)", required=False)
    data = forms.CharField(widget=forms.HiddenInput, required=False, strip=True)

    def clean(self):
        import base64
        import binascii

        from .reorganisation import MAX_BYTES

        cleaned = super().clean()
        upload, data = cleaned.get("file"), cleaned.get("data")
        too_big = f"Tệp lớn hơn {MAX_BYTES // 1024} KB; bảng sắp xếp tổ chức không cần lớn như vậy."
        if upload:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(too_big)
            cleaned["content"], cleaned["confirm"] = upload.read(), False
        elif data:
            if len(data) > (MAX_BYTES // 3 + 1) * 4:
                raise forms.ValidationError(too_big)
            try:
                cleaned["content"] = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise forms.ValidationError("Dữ liệu xác nhận bị hỏng; hãy tải tệp lên lại.") from None
            cleaned["confirm"] = True
        else:
            raise forms.ValidationError("Hãy chọn tệp Excel bảng sắp xếp tổ chức.")
        return cleaned
