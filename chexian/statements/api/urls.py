from rest_framework.routers import DefaultRouter

from chexian.statements.api import views

router = DefaultRouter()
router.register("statements", views.StatementViewSet)

urlpatterns = router.urls
