from django.urls import path

from . import paper_views, views

app_name = "appraisal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thanh-vien/<int:member_id>/", views.queue, name="queue"),
    path("thanh-vien/<int:member_id>/bao-cao/<int:submission_id>/", views.unit_page, name="unit_page"),
    path("thanh-vien/<int:member_id>/bao-cao/<int:submission_id>/tieu-chi/<int:node_id>/",
         views.appraisal_save_view, name="appraisal_save"),
    path("thanh-vien/<int:member_id>/bao-cao/<int:submission_id>/tieu-chi/<int:node_id>/lich-su/",
         views.appraisal_history, name="appraisal_history"),
    path("thanh-vien/<int:member_id>/bao-cao/<int:submission_id>/chat-luong/<int:node_id>/",
         views.quality_save_view, name="quality_save"),
    path("thanh-vien/<int:member_id>/bao-cao/<int:submission_id>/bo-sung/", views.supplement_view,
         name="supplement"),
    path("thanh-vien/<int:member_id>/bao-cao/<int:submission_id>/xac-nhan-tu-cham/", views.self_scores_confirm_view,
         name="self_scores_confirm"),
    path("tai-lieu/<int:evidence_id>/", views.evidence_view, name="evidence"),
    path("don-vi/<int:submission_id>/yeu-cau/", views.unit_requests, name="unit_requests"),
    path("yeu-cau/<int:request_id>/tra-loi/", views.answer_view, name="answer"),
    path("don-vi/<int:submission_id>/ket-qua/", views.unit_results, name="unit_results"),
    path("lanh-dao/ky/<int:period_id>/", views.leader_forms, name="leader_forms"),
    path("lanh-dao/ky/<int:period_id>/don-vi/<int:unit_id>/", views.leader_form, name="leader_form"),
    path("chu-tich/ky/<int:period_id>/", views.chair_units, name="chair_units"),
    path("chu-tich/ky/<int:period_id>/bao-cao/<int:submission_id>/", views.chair_unit, name="chair_unit"),
    path("ky/<int:period_id>/", views.period_matrix, name="period_matrix"),
    path("ky/<int:period_id>/hoi-dong/", views.council, name="council"),
    path("ky/<int:period_id>/phieu-giay/<int:unit_id>/", views.tally, name="tally"),
    path("ky/<int:period_id>/excel/", views.export_xlsx, name="export_xlsx"),
    path("ky/<int:period_id>/bao-cao/<int:submission_id>/tieu-chi/<int:node_id>/quyet-dinh/", views.council_decision,
         name="council_decision"),
    # Paper dossiers (appraisal.paper): the secretariat, then the appraisal team
    path("ky/<int:period_id>/ho-so-giay/", paper_views.period_paper, name="paper_period"),
    path("ky/<int:period_id>/ho-so-giay/khoi/<int:block_id>/", paper_views.paper_block_view, name="paper_block"),
    path("ky/<int:period_id>/ho-so-giay/bao-cao/<int:submission_id>/", paper_views.dossier_view,
         name="paper_dossier"),
    path("ky/<int:period_id>/nhap-ho-so-giay/", paper_views.paper_queue, name="paper_queue"),
    path("ky/<int:period_id>/nhap-ho-so-giay/<int:submission_id>/", paper_views.paper_entry, name="paper_entry"),
    path("ky/<int:period_id>/nhap-ho-so-giay/<int:submission_id>/tieu-chi/<int:node_id>/",
         paper_views.paper_entry_save_view, name="paper_entry_save"),
    path("ky/<int:period_id>/nhap-ho-so-giay/<int:submission_id>/tieu-chi/<int:node_id>/tai-lieu/",
         paper_views.paper_evidence_view, name="paper_evidence"),
    path("ky/<int:period_id>/nhap-ho-so-giay/<int:submission_id>/hoan-tat/", paper_views.paper_send_view,
         name="paper_send"),
]
