from decimal import Decimal

from django import forms

from .models import DEFAULT_PERIOD_SETTINGS, UNSENT_CHOICES, Period, Unit


class EvidenceForm(forms.Form):
    file = forms.FileField(label="Tệp (PDF, Word, Excel, JPG, PNG)")
    doc_number = forms.CharField(label="Số, ký hiệu", max_length=100,
                                 widget=forms.TextInput(attrs={"placeholder": "30/KH-UBND"}))
    doc_date = forms.DateField(label="Ngày văn bản", input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                               widget=forms.DateInput(attrs={"type": "date"}))
    issuer = forms.CharField(label="Cơ quan ban hành", max_length=255)


class PeriodForm(forms.ModelForm):
    class Meta:
        model = Period
        fields = ["authority", "code", "name", "year", "kind", "opens_at", "closes_at", "data_cutoff"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "data_cutoff": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    # The per-period readings of the regulation (DOMAIN.md), stored in Period.settings.
    excellent_threshold = forms.DecimalField(label="Mức Xuất sắc của tiêu chí từ (điểm/tối đa)", min_value=0,
                                             max_value=1, decimal_places=3, localize=True)
    good_threshold = forms.DecimalField(label="Mức Tốt từ", min_value=0, max_value=1, decimal_places=3, localize=True)
    fair_threshold = forms.DecimalField(label="Mức Trung bình từ", min_value=0, max_value=1, decimal_places=3,
                                        localize=True)
    excellent_share = forms.DecimalField(label="Tỷ lệ tối đa Hoàn thành xuất sắc (0,20 = 20 %)", min_value=0,
                                         max_value=1, decimal_places=3, localize=True)
    nd2_kem_share = forms.DecimalField(label="Không hoàn thành khi quá tỷ lệ tiêu chí Nội dung II ở mức Kém",
                                       min_value=0, max_value=1, decimal_places=3, localize=True)
    first_year = forms.BooleanField(label="Năm đầu tiên đánh giá (Hội đồng chấm tối đa 8.1, 8.2)", required=False)
    explanation_citation_warning = forms.BooleanField(
        label="Nhắc khi giải trình chưa nêu Mục, Khoản, Điểm của tài liệu", required=False)
    unsent_at_deadline = forms.ChoiceField(
        label="Báo cáo chưa gửi khi hết hạn", choices=UNSENT_CHOICES,
        help_text="Mặc định: không thẩm định (hướng dẫn: từ 17 giờ ngày hết hạn phần mềm không nhận báo cáo; "
                  "không đánh giá đơn vị gửi báo cáo chậm).")
    SETTING_FIELDS = ("excellent_share", "nd2_kem_share", "first_year", "explanation_citation_warning",
                      "unsent_at_deadline")

    def __init__(self, *args, authorities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["authority"].queryset = authorities
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]
        current = {**DEFAULT_PERIOD_SETTINGS, **((self.instance.settings if self.instance.pk else None) or {})}
        high, good, fair = (Decimal(t) for t in current["quality_thresholds"])
        self.initial.update(excellent_threshold=high, good_threshold=good, fair_threshold=fair,
                            **{name: current[name] for name in self.SETTING_FIELDS})

    def clean(self):
        data = super().clean()
        thresholds = [data.get(k) for k in ("excellent_threshold", "good_threshold", "fair_threshold")]
        if None not in thresholds and not (thresholds[0] >= thresholds[1] >= thresholds[2]):
            raise forms.ValidationError("Các mức chất lượng phải giảm dần: Xuất sắc ≥ Tốt ≥ Trung bình.")
        return data

    def save(self, commit=True):
        period = super().save(commit=False)
        data = self.cleaned_data
        period.settings = {
            **(period.settings or {}),
            "quality_thresholds": [str(data[k]) for k in ("excellent_threshold", "good_threshold", "fair_threshold")],
            "excellent_share": str(data["excellent_share"]), "nd2_kem_share": str(data["nd2_kem_share"]),
            "first_year": data["first_year"], "explanation_citation_warning": data["explanation_citation_warning"],
            "unsent_at_deadline": data["unsent_at_deadline"],
        }
        if commit:
            period.save()
        return period


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
    closes_at = forms.DateTimeField(label="Hạn bổ sung", input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    message = forms.CharField(label="Nội dung yêu cầu", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    nodes = forms.MultipleChoiceField(label="Tiêu chí được bổ sung", widget=forms.CheckboxSelectMultiple)
