from django.urls import path

from chexian.policies import views

app_name = "policies"

urlpatterns = [
    path("", views.PolicyListView.as_view(), name="policy_list"),
    path("export/", views.PolicyExportView.as_view(), name="policy_export"),
    path("issue/", views.PolicyIssueView.as_view(), name="policy_issue"),
    path("issue/preview/", views.PolicyIssuePreviewView.as_view(), name="policy_issue_preview"),
    path("issue/vehicles/", views.VehicleChoicesView.as_view(), name="vehicle_choices"),
    path("<int:pk>/", views.PolicyDetailView.as_view(), name="policy_detail"),
    path("<int:pk>/endorse/", views.PolicyEndorseView.as_view(), name="policy_endorse"),
    path("<int:pk>/cancel/", views.PolicyCancelView.as_view(), name="policy_cancel"),
]
