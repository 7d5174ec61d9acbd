from django.urls import path

from . import views

app_name = "criteria"

urlpatterns = [
    path("", views.framework_list_view, name="framework_list"),
    path("nhap-excel/", views.framework_import_view, name="framework_import"),
    path("<slug:code>/", views.framework_detail_view, name="framework_detail"),
    path("<slug:code>/excel/", views.framework_export_xlsx_view, name="framework_export_xlsx"),
]
