from rest_framework.routers import DefaultRouter

from chexian.renewals.api import views

router = DefaultRouter()
router.register("renewal-cases", views.RenewalCaseViewSet)
router.register("reminder-rules", views.ReminderRuleViewSet)

urlpatterns = router.urls
