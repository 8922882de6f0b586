from django.urls import path

from chexian.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.CoverageListView.as_view(), name="coverage_list"),
    path("templates/", views.PlanTemplateListView.as_view(), name="template_list"),
    path("templates/<int:pk>/", views.PlanTemplateDetailView.as_view(), name="template_detail"),
]
