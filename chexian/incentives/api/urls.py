from rest_framework.routers import SimpleRouter

from chexian.incentives.api import views

router = SimpleRouter()
router.register("incentives", views.IncentiveViewSet)
router.register("gift-items", views.GiftItemViewSet)

urlpatterns = router.urls
