from rest_framework.routers import DefaultRouter

from chexian.policies.api import views

router = DefaultRouter()
router.register("policies", views.PolicyViewSet)

urlpatterns = router.urls
