from django.urls import path

from chexian.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer_list"),
    path("add/", views.CustomerEditView.as_view(), name="customer_create"),
    path("export/", views.CustomerExportView.as_view(), name="customer_export"),
    path("choices/", views.CustomerChoicesView.as_view(), name="customer_choices"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("<int:pk>/edit/", views.CustomerEditView.as_view(), name="customer_edit"),
    path("<int:pk>/unmask/", views.CustomerUnmaskView.as_view(), name="customer_unmask"),
    path("<int:pk>/merge/", views.CustomerMergeView.as_view(), name="customer_merge"),
    path("vehicles/", views.VehicleListView.as_view(), name="vehicle_list"),
    path("vehicles/add/", views.VehicleEditView.as_view(), name="vehicle_create"),
    path("vehicles/export/", views.VehicleExportView.as_view(), name="vehicle_export"),
    path("vehicles/<int:pk>/", views.VehicleDetailView.as_view(), name="vehicle_detail"),
    path("vehicles/<int:pk>/edit/", views.VehicleEditView.as_view(), name="vehicle_edit"),
    path("vehicles/<int:pk>/transfer/", views.VehicleTransferView.as_view(), name="vehicle_transfer"),
]
