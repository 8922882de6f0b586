from django.urls import path  # noqa: F401

from chexian.incentives import views  # noqa: F401

app_name = "incentives"

urlpatterns = []
