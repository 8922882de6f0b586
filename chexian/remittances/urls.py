from django.urls import path

from chexian.remittances import views

app_name = "remittances"

urlpatterns = [
    path("", views.RemittanceListView.as_view(), name="remittance_list"),
    path("add/", views.RemittanceCreateView.as_view(), name="remittance_create"),
    path("import/", views.RemittanceImportView.as_view(), name="remittance_import"),
    path("unmatched/", views.UnmatchedLineListView.as_view(), name="unmatched_list"),
    path("<int:pk>/", views.RemittanceDetailView.as_view(), name="remittance_detail"),
]
