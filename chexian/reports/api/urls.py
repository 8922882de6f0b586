from django.urls import path

from chexian.reports.api import views

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="api-report-list"),
    path("reports/<str:code>/", views.ReportView.as_view(), name="api-report"),
]
