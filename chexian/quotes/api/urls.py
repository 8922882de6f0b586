from rest_framework.routers import DefaultRouter

from chexian.quotes.api import views

router = DefaultRouter()
router.register("quotes", views.QuoteViewSet)

urlpatterns = router.urls
