from django.urls import path

from chexian.aftersales import views

app_name = "aftersales"

urlpatterns = [
    path("", views.ServiceOrderListView.as_view(), name="service_order_list"),
    path("add/", views.ServiceOrderCreateView.as_view(), name="service_order_create"),
    path("vehicles/", views.VehicleChoicesView.as_view(), name="vehicle_choices"),
    path("<int:pk>/", views.ServiceOrderDetailView.as_view(), name="service_order_detail"),
]
