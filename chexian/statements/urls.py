from django.urls import path  # noqa: F401

from chexian.statements import views  # noqa: F401

app_name = "statements"

urlpatterns = []
