from rest_framework.routers import SimpleRouter

from chexian.aftersales.api import views

# No API root here: the customers' router already answers /api/.
router = SimpleRouter()
router.register("service-orders", views.ServiceOrderViewSet)

urlpatterns = router.urls
