"""Only this app's API, to check its part of the OpenAPI schema on its own (the
project-wide check in customers' tests covers every app together)."""

from django.urls import include, path

urlpatterns = [path("api/", include("chexian.remittances.api.urls"))]
