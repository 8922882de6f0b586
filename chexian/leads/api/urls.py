from rest_framework.routers import DefaultRouter

from chexian.leads.api import views

router = DefaultRouter()
router.register("leads", views.LeadViewSet)

urlpatterns = router.urls
