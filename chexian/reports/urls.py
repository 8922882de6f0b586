from django.urls import path

from chexian.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("<str:code>/", views.ReportView.as_view(), name="report"),
    path("<str:code>/drill/<str:key>/", views.DrillView.as_view(), name="drill"),
]
urlpatterns.insert(2, path("close/", views.CloseView.as_view(), name="close"))
