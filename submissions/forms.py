from django import forms

from .models import Period, Unit


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

    def __init__(self, *args, authorities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if authorities is not None:
            self.fields["authority"].queryset = authorities
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]


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
