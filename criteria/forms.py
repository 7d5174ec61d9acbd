from django import forms

from .spreadsheet import MAX_UPLOAD_BYTES


class FrameworkImportForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel (.xlsx)",
        help_text="Dùng tệp xuất từ nút “Tải Excel” của một bộ tiêu chí làm mẫu: trang “Khung” và trang “Tiêu chí”.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"Tệp lớn hơn {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload
