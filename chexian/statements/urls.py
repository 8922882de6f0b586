from django.urls import path

from chexian.statements import views

app_name = "statements"

urlpatterns = [
    path("", views.StatementListView.as_view(), name="statement_list"),
    path("build/", views.BuildView.as_view(), name="build"),
    path("<int:pk>/", views.StatementDetailView.as_view(), name="statement_detail"),
    path("<int:pk>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("<int:pk>/export.<str:file_format>", views.ExportView.as_view(), name="export"),
]
