from django.urls import path

from chexian.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportJobListView.as_view(), name="import_list"),
    path("new/", views.ImportJobCreateView.as_view(), name="import_new"),
    path("template/", views.ImportTemplateView.as_view(), name="import_template"),
    path("<int:pk>/", views.ImportJobDetailView.as_view(), name="import_detail"),
    path("<int:pk>/status/", views.ImportJobStatusView.as_view(), name="import_status"),
    path("<int:pk>/report/", views.ImportJobReportView.as_view(), name="import_report"),
    path("mappings/", views.ImportMappingListView.as_view(), name="mapping_list"),
    path("mappings/new/", views.ImportMappingCreateView.as_view(), name="mapping_create"),
]
