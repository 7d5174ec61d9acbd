from django.urls import path

from . import views

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
]
