from django.urls import path

from chexian.incentives import views

app_name = "incentives"

urlpatterns = [
    path("", views.IncentiveListView.as_view(), name="incentive_list"),
    path("policy/<int:policy_pk>/add/", views.IncentiveCreateView.as_view(), name="incentive_create"),
    path("<int:pk>/", views.IncentiveDetailView.as_view(), name="incentive_detail"),
    path("items/", views.GiftItemListView.as_view(), name="giftitem_list"),
    path("items/<int:pk>/", views.GiftItemEditView.as_view(), name="giftitem_edit"),
    path("compliance/", views.ComplianceReportView.as_view(), name="compliance"),
    path("compliance/export/", views.ComplianceExportView.as_view(), name="compliance_export"),
]
