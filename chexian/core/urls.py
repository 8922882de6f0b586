from django.urls import path

from chexian.core import views

app_name = "core"

urlpatterns = [
    path("", views.AuditLogListView.as_view(), name="auditlog_list"),
]
