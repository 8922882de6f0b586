from django.urls import path

from chexian.insurers import views

app_name = "insurers"

urlpatterns = [
    path("", views.InsurerListView.as_view(), name="insurer_list"),
    path("contracts/", views.AgencyContractListView.as_view(), name="contract_list"),
    path("contracts/propose/", views.AgencyContractProposeView.as_view(), name="contract_propose"),
    path("contracts/<int:pk>/", views.AgencyContractDetailView.as_view(), name="contract_detail"),
    path("contracts/<int:pk>/approve/", views.AgencyContractApproveView.as_view(), name="contract_approve"),
    path("contracts/<int:pk>/reject/", views.AgencyContractRejectView.as_view(), name="contract_reject"),
    path(
        "contracts/<int:pk>/legal-review/",
        views.AgencyContractLegalReviewView.as_view(),
        name="contract_legal_review",
    ),
    path("contracts/<int:pk>/terminate/", views.AgencyContractTerminateView.as_view(), name="contract_terminate"),
    path("licences/", views.AgencyLicenceListView.as_view(), name="licence_list"),
    path("licences/add/", views.AgencyLicenceEditView.as_view(), name="licence_create"),
    path("licences/<int:pk>/", views.AgencyLicenceDetailView.as_view(), name="licence_detail"),
    path("licences/<int:pk>/edit/", views.AgencyLicenceEditView.as_view(), name="licence_edit"),
]
