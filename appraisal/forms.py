from django import forms

from submissions.models import Unit, User

from .models import CouncilMember


class MemberForm(forms.Form):
    """A council seat. The agency is picked from those the period's frameworks name ("Cơ quan thẩm định"),
    or typed when it is none of them."""

    user = forms.ModelChoiceField(label="Tài khoản", queryset=User.objects.filter(is_active=True).order_by("username"))
    role = forms.ChoiceField(label="Vai trò", choices=CouncilMember.ROLES, initial=CouncilMember.MEMBER)
    agency = forms.ChoiceField(label="Cơ quan thẩm định (theo bộ tiêu chí)", required=False, choices=[])
    agency_other = forms.CharField(label="hoặc cơ quan khác", max_length=255, required=False)
    keywords = forms.CharField(label="Từ khóa cơ quan thẩm định (tùy chọn)", max_length=255, required=False)
    home_unit = forms.ModelChoiceField(label="Đơn vị công tác (nếu có)", queryset=Unit.objects.none(),
                                       required=False)

    def __init__(self, *args, agencies: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "— Chọn —")] + [(a, a) for a in agencies]

    def clean(self):
        data = super().clean()
        picked, typed = data.get("agency", ""), (data.get("agency_other") or "").strip()
        if picked and typed:
            self.add_error("agency_other", "Chọn một cơ quan trong danh sách hoặc nhập cơ quan khác, không cả hai.")
        elif not picked and not typed:
            self.add_error("agency", "Hãy chọn cơ quan thẩm định.")
        data["agency"] = picked or typed
        return data


class RoundForm(forms.Form):
    """The period's Điều 9.5 calendar. No day of receipt: each unit's count starts from the day its own sheet
    was received (``appraisal.rules.unit_countdown``)."""

    allowed = forms.IntegerField(label="Số ngày làm việc (Điều 9.5)", min_value=1, max_value=365,
                                 help_text="Tính riêng cho từng đơn vị, từ ngày nhận được báo cáo của đơn vị đó "
                                           "(ngày gửi; báo cáo bị khóa khi hết hạn mà vẫn được thẩm định: ngày "
                                           "hết hạn).")
    holidays = forms.CharField(label="Ngày nghỉ lễ, Tết (mỗi dòng một ngày dd/mm/yyyy)", required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def clean_holidays(self):
        from config.dates import parse_date

        days = []
        for number, line in enumerate(self.cleaned_data["holidays"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            try:
                days.append(parse_date(line))  # config/dates.py: dd/mm/yyyy (or ISO)
            except ValueError:
                raise forms.ValidationError(f"Dòng {number}: “{line}” không phải ngày hợp lệ (dd/mm/yyyy).") from None
        return days
