from rest_framework.routers import DefaultRouter

from chexian.customers.api import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet)
router.register("vehicles", views.VehicleViewSet)
router.register("vehicle-ownerships", views.VehicleOwnershipViewSet)

urlpatterns = router.urls
