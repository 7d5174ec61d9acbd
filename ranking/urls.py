from django.urls import path

from . import lost_points_views, views

app_name = "ranking"

urlpatterns = [
    path("xep-loai/", views.periods_view, name="periods"),
    path("xep-loai/ky/<int:pk>/", views.period_view, name="period"),
    path("xep-loai/ky/<int:pk>/khoi/<int:block_id>/", views.block_view, name="block"),
    path("xep-loai/ky/<int:pk>/don-vi/<int:unit_id>/", views.facts_view, name="facts"),
    path("xep-loai/ky/<int:pk>/khoi/<int:block_id>/nguoi-dung-dau/", views.head_grades_view, name="head_grades"),
    path("xep-loai/ky/<int:pk>/excel/", views.workbook_view, name="workbook"),
    path("xep-loai/ky/<int:pk>/phu-luc/", views.annex_view, name="annex"),
    path("xep-loai/ky/<int:pk>/tao-bao-cao/", views.report_request, name="report_request"),
    path("xep-loai/ky/<int:pk>/tao-bao-cao/<int:job_id>/", views.report_job, name="report_job"),
    path("xep-loai/bao-cao/<int:submission_id>/diem-bi-tru/", views.lost_points_view, name="lost_points"),
    path("xep-loai/don-vi-truc-thuoc/<int:unit_id>/", views.subordinate_results, name="subordinate_results"),
    path("cong-khai/", views.public_list, name="public_list"),
    path("cong-khai/<int:version_id>/", views.public_detail, name="public_detail"),
    # The lost-points analysis (issue #13 item 4): ranking/lost_points.py.
    path("xep-loai/bao-cao/<int:submission_id>/diem-bi-mat/<slug:stage>/", lost_points_views.unit_page,
         name="lost_points_page"),
    path("xep-loai/bao-cao/<int:submission_id>/diem-bi-mat/<slug:stage>/tieu-chi/<int:node_id>/",
         lost_points_views.note_save, name="lost_points_note"),
    path("xep-loai/bao-cao/<int:submission_id>/diem-bi-mat/<slug:stage>/tai/<slug:fmt>/",
         lost_points_views.unit_report, name="lost_points_unit_report"),
    path("xep-loai/bao-cao/<int:submission_id>/diem-bi-mat-nam-truoc/", lost_points_views.previous_page,
         name="lost_points_previous"),
    path("xep-loai/bao-cao/<int:submission_id>/diem-bi-mat-nam-truoc/pdf/", lost_points_views.previous_pdf,
         name="lost_points_previous_pdf"),
    path("xep-loai/ky/<int:pk>/diem-bi-mat/", lost_points_views.period_page, name="lost_points_period"),
    path("xep-loai/ky/<int:pk>/diem-bi-mat/<slug:stage>/tai/<slug:fmt>/", lost_points_views.period_report,
         name="lost_points_period_report"),
]
