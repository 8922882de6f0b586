from rest_framework.routers import DefaultRouter

from chexian.claims.api import views

router = DefaultRouter()
router.register("claims", views.ClaimCaseViewSet)

urlpatterns = router.urls
