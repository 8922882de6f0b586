from rest_framework.routers import SimpleRouter

from chexian.imports.api import views

# No API root here: the customers' router already answers /api/.
router = SimpleRouter()
router.register("imports", views.ImportJobViewSet)

urlpatterns = router.urls
