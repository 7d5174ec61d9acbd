from django.urls import path

from . import department_history, department_views, secretariat_views, signed_summary_views, views

app_name = "submissions"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("bao-cao/<int:pk>/", views.score_page, name="score_page"),
    path("bao-cao/<int:pk>/tieu-chi/<int:node_id>/luu/", views.entry_save_view, name="entry_save"),
    path("bao-cao/<int:pk>/tieu-chi/<int:node_id>/lich-su/", views.history, name="history"),
    path("bao-cao/<int:pk>/tieu-chi/<int:node_id>/tai-lieu/", views.evidence_upload, name="evidence_upload"),
    path("bao-cao/<int:pk>/tieu-chi/<int:node_id>/dung-lai-tai-lieu/", views.evidence_reuse,
         name="evidence_reuse"),
    path("bao-cao/<int:pk>/ra-soat/", views.review, name="review"),
    path("bao-cao/<int:pk>/in/", views.print_pdf, name="print_pdf"),
    path("bao-cao/<int:pk>/tong-hop/", views.summary_xlsx, name="summary_xlsx"),
    path("bao-cao/<int:pk>/phan-cong/", views.assignments, name="assignments"),
    path("bao-cao/<int:pk>/phong/", department_views.departments, name="departments"),
    path("bao-cao/<int:pk>/phong/lich-su/", department_history.department_history, name="department_history"),
    path("bao-cao/<int:pk>/bao-cao-tu-danh-gia/", views.self_report, name="self_report"),
    path("bao-cao/<int:pk>/bao-cao-tu-danh-gia/pdf/", views.self_report_pdf, name="self_report_pdf"),
    path("tai-lieu/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("bien-ban/<int:pk>/", views.minutes_download, name="minutes_download"),
    path("bao-cao/<int:pk>/bang-tong-hop-ky-so/", signed_summary_views.signed_summary_upload,
         name="signed_summary_upload"),
    path("bang-tong-hop-ky-so/<int:pk>/", signed_summary_views.signed_summary_download,
         name="signed_summary_download"),
    path("tai-lieu/<int:pk>/go/", views.evidence_remove, name="evidence_remove"),
    # The secretariat (Sở Nội vụ / Phòng Nội vụ)
    path("thuong-truc/", secretariat_views.period_list, name="period_list"),
    path("thuong-truc/ky/moi/", secretariat_views.period_edit, name="period_create"),
    path("thuong-truc/ky/<int:pk>/", secretariat_views.period_detail, name="period_detail"),
    path("thuong-truc/ky/<int:pk>/sua/", secretariat_views.period_edit, name="period_edit"),
    path("thuong-truc/don-vi/", secretariat_views.unit_list, name="unit_list"),
    path("thuong-truc/don-vi/<int:pk>/can-bo/", secretariat_views.staff_import_view, name="staff_import"),
    path("thuong-truc/lich-su-to-chuc/", secretariat_views.lineage_list, name="lineage_list"),
    path("thuong-truc/lich-su-to-chuc/<int:authority_id>/nhap/", secretariat_views.reorganisation_import_view,
         name="reorganisation_import"),
    path("thuong-truc/bao-cao/<int:pk>/bo-sung/", secretariat_views.window_open_view, name="window_open"),
]
