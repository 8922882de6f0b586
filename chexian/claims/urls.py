from django.urls import path

from chexian.claims import files, views

app_name = "claims"

urlpatterns = [
    path("", views.ClaimBoardView.as_view(), name="board"),
    path("cases/", views.ClaimListView.as_view(), name="claim_list"),
    path("add/", views.ClaimCreateView.as_view(), name="claim_create"),
    path("<int:pk>/", views.ClaimDetailView.as_view(), name="claim_detail"),
    path("<int:pk>/photos/", views.ClaimPhotoView.as_view(), name="claim_photos"),
    path("documents/<int:pk>/", files.document_file, name="document_file"),
    path("documents/<int:pk>/thumb/", files.document_thumb, name="document_thumb"),
    path("handovers/", views.HandoverListView.as_view(), name="handover_list"),
    path("handovers/add/", views.HandoverCreateView.as_view(), name="handover_create"),
    path("handovers/<int:pk>/", views.HandoverDetailView.as_view(), name="handover_detail"),
    path("handovers/<int:pk>/pdf/", views.handover_pdf, name="handover_pdf"),
    path("old-parts/add/", views.OldPartsCreateView.as_view(), name="old_parts_create"),
    path("tracking/", views.ClaimAgingView.as_view(), name="aging"),
]
