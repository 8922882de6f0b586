from rest_framework.routers import DefaultRouter

from chexian.blankforms.api import views

router = DefaultRouter()
router.register("blank-forms", views.BlankFormViewSet)

urlpatterns = router.urls
