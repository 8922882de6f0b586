from rest_framework.routers import DefaultRouter

from chexian.insurers.api import views

router = DefaultRouter()
router.register("insurers", views.InsurerViewSet)
router.register("contracts", views.AgencyContractViewSet)
router.register("licences", views.AgencyLicenceViewSet)

urlpatterns = router.urls
