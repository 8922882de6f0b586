from rest_framework.routers import DefaultRouter

from chexian.remittances.api import views

router = DefaultRouter()
router.register("remittances", views.RemittanceViewSet)
router.register("remittance-lines", views.RemittanceLineViewSet)
router.register("remittance-allocations", views.AllocationViewSet)

urlpatterns = router.urls
