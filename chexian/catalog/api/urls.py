from rest_framework.routers import SimpleRouter

from chexian.catalog.api import views

# SimpleRouter: the API root view is the customers router's; a second one would shadow nothing.
router = SimpleRouter()
router.register("coverages", views.CoverageViewSet)
router.register("plan-templates", views.PlanTemplateViewSet)

urlpatterns = router.urls
