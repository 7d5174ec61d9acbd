"""Dates typed and shown dd/mm/yyyy whatever the browser's language (issue #14 item 8): config/dates.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from config.dates import DATE_ERROR, DATETIME_ERROR, VNDateField, VNDateTimeField, parse_date, parse_datetime
from criteria.models import Framework
from submissions.models import Evidence, Period, PeriodBlock, Submission
from tests.factories import leaf, make_world, period_form_data
from tests.submissions.helpers import tiny_pdf

# --------------------------------------------------------------------------- pure


@pytest.mark.parametrize("text, expected", [
    ("05/12/2026", date(2026, 12, 5)), ("5/12/2026", date(2026, 12, 5)), (" 5/1/2026 ", date(2026, 1, 5)),
    ("29/02/2024", date(2024, 2, 29)), ("2026-12-05", date(2026, 12, 5)),  # ISO: old links and posts
    ("", None), ("   ", None), (None, None),
])
def test_parse_date_reads_day_month_year(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "29/02/2025", "12/31/2026", "2026/12/05", "05-12", "hôm nay",
                                  "05/12/26", "00/12/2026", "05/13/2026", "1" * 40])
def test_parse_date_refuses_anything_else_in_vietnamese(text):
    with pytest.raises(ValueError) as refused:
        parse_date(text)
    assert str(refused.value) == DATE_ERROR == "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 05/12/2026."


def test_parse_datetime_is_vietnam_time():
    moment = parse_datetime("05/12/2026 17:00")
    assert moment == timezone.make_aware(datetime(2026, 12, 5, 17, 0), timezone.get_default_timezone())
    assert moment.utcoffset().total_seconds() == 7 * 3600 and moment.astimezone(UTC).hour == 10
    assert parse_datetime("2026-12-05T17:00") == moment  # what a datetime-local input used to send
    assert parse_datetime("5/12/2026") == parse_datetime("05/12/2026 00:00") and parse_datetime("") is None
    for text in ("31/11/2026 17:00", "05/12/2026 25:00", "05/12/2026 17h", "12/31/2026 08:00"):
        with pytest.raises(ValueError, match="Thời điểm không hợp lệ"):
            parse_datetime(text)


# --------------------------------------------------------------------------- form


class _Form(forms.Form):
    name = forms.CharField()
    on = VNDateField(label="Ngày")
    at = VNDateTimeField(label="Lúc", required=False)


def test_the_field_shows_and_accepts_dd_mm_yyyy():
    html = str(_Form(initial={"on": date(2026, 12, 5), "at": parse_datetime("05/12/2026 17:00")}))
    assert 'value="05/12/2026"' in html and 'value="05/12/2026 17:00"' in html
    assert 'type="text"' in html and 'type="date"' not in html and "datetime-local" not in html
    assert 'inputmode="numeric"' in html and 'placeholder="dd/mm/yyyy"' in html and 'autocomplete="off"' in html
    form = _Form({"name": "A", "on": "5/12/2026", "at": "05/12/2026 17:00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == date(2026, 12, 5)
    assert timezone.localtime(form.cleaned_data["at"]).strftime("%d/%m/%Y %H:%M") == "05/12/2026 17:00"


def test_a_refused_date_keeps_the_typed_text_and_marks_only_that_field():
    form = _Form({"name": "A", "on": "31/02/2026", "at": "5/12/2026 8:30"})
    assert not form.is_valid()
    assert form.errors == {"on": [DATE_ERROR]}
    html = str(form)
    assert 'value="31/02/2026"' in html and 'value="5/12/2026 8:30"' in html and 'value="A"' in html
    assert html.count('aria-invalid="true"') == 1
    form = _Form({"name": "A", "on": "05/12/2026", "at": "12/31/2026 08:00"})
    assert not form.is_valid() and form.errors == {"at": [DATETIME_ERROR]}


# --------------------------------------------------------------------------- views (one per converted form)


@pytest.mark.django_db
def test_the_period_form_takes_dd_mm_yyyy(world, client_for):
    client = client_for(world.secretariat)
    page = client.get(reverse("submissions:period_create")).content.decode()
    assert 'type="date"' not in page and "datetime-local" not in page and 'placeholder="dd/mm/yyyy HH:MM"' in page
    response = client.post(reverse("submissions:period_create"), period_form_data(**{
        "authority": world.authority.pk, "code": "tn-2026", "name": "Đánh giá năm 2026", "year": 2026,
        "kind": "grading", "opens_at": "31/10/2026 08:00", "closes_at": "25/11/2026 17:00",
        "data_cutoff": "20/11/2026", f"fw_{world.block.pk}": Framework.objects.get(code="tn2024-so").pk,
        f"deadline_{world.block.pk}": "20/11/2026 17:00",
        "first_year": None,
    }))
    assert response.status_code == 302, response.content.decode()[:3000]
    period = Period.objects.get(code="tn-2026")
    assert period.data_cutoff == date(2026, 11, 20)
    assert timezone.localtime(period.closes_at).strftime("%d/%m/%Y %H:%M") == "25/11/2026 17:00"
    assert timezone.localtime(period.opens_at).strftime("%d/%m/%Y %H:%M") == "31/10/2026 08:00"
    own = PeriodBlock.objects.get(period=period, block=world.block).deadline
    assert timezone.localtime(own).strftime("%d/%m/%Y %H:%M") == "20/11/2026 17:00"
    # Shown back as typed: dd/mm/yyyy.
    edit = client.get(reverse("submissions:period_edit", args=[period.pk])).content.decode()
    assert 'value="25/11/2026 17:00"' in edit and 'value="20/11/2026"' in edit
    # A wrong order is refused under its field, what was typed kept.
    refused = client.post(reverse("submissions:period_edit", args=[period.pk]), period_form_data(**{
        "authority": world.authority.pk, "code": "tn-2026", "name": "Đánh giá năm 2026", "year": 2026,
        "kind": "grading", "opens_at": "31/10/2026 08:00", "closes_at": "11/25/2026 17:00",
        "data_cutoff": "20/11/2026", f"fw_{world.block.pk}": Framework.objects.get(code="tn2024-so").pk}))
    body = refused.content.decode()
    assert refused.status_code == 200 and "Thời điểm không hợp lệ" in body and 'value="11/25/2026 17:00"' in body


@pytest.mark.django_db
def test_evidence_upload_takes_dd_mm_yyyy(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    node = leaf(world.sub_a, "2.1")
    url = reverse("submissions:evidence_upload", args=[world.sub_a.pk, node.pk])
    client = client_for(world.officer_a)
    refused = client.post(url, {"file": SimpleUploadedFile("kh.pdf", tiny_pdf()), "doc_number": "30/KH-SXD",
                                "doc_date": "15/13/2024", "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")
    body = refused.content.decode()
    assert refused.status_code == 400 and "Ngày không hợp lệ" in body and 'value="15/13/2024"' in body
    assert not Evidence.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("kh.pdf", tiny_pdf()), "doc_number": "30/KH-SXD",
                                 "doc_date": "15/11/2024", "issuer": "Sở Xây dựng"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Evidence.objects.get().doc_date == date(2024, 11, 15)


@pytest.mark.django_db
def test_the_endorsement_date_on_the_review_page_takes_dd_mm_yyyy(client_for):
    from tests.decisive.test_prerequisites import fill

    w = make_world()
    fill(w, w.sub_a, w.officer_a)
    client = client_for(w.approver_a)
    url = reverse("submissions:review", args=[w.sub_a.pk])
    today = timezone.localdate()
    refused = client.post(url, {"step": "confirm", "proposed_grade": "HTTNV", "endorsed_on": "31/02/2024"})
    assert refused.status_code == 400 and 'value="31/02/2024"' in refused.content.decode()
    assert "Ngày không hợp lệ" in refused.content.decode()
    data = {"step": "send", "proposed_grade": "HTTNV", "endorsed_on": today.strftime("%d/%m/%Y")}
    client.post(url, data)
    sent = Submission.objects.get(pk=w.sub_a.pk)
    assert sent.status == "sent" and sent.endorsed_on == today


@pytest.mark.django_db
def test_a_supplementary_window_closes_at_a_time_typed_dd_mm_yyyy(world, client_for):
    from submissions.models import Window

    node = leaf(world.sub_a, "2.1")
    closes = (timezone.localtime() + timedelta(days=20)).replace(hour=17, minute=0, second=0, microsecond=0)
    response = client_for(world.secretariat).post(reverse("submissions:window_open", args=[world.sub_a.pk]), {
        "closes_at": closes.strftime("%d/%m/%Y %H:%M"), "message": "Bổ sung", "nodes": [str(node.pk)]})
    assert response.status_code == 302
    assert Window.objects.get().closes_at == closes
