"""The project's URLs plus the catalog's, for the tests, until ``chexian/urls.py``
includes them (then this adds nothing: the project's own patterns are used)."""

from django.urls import NoReverseMatch, include, path, reverse

from chexian import urls as project_urls


def _included(name: str) -> bool:
    try:
        reverse(name, urlconf=project_urls)
    except NoReverseMatch:
        return False
    return True


urlpatterns = list(project_urls.urlpatterns)
if not _included("catalog:coverage_list"):
    urlpatterns.insert(0, path("catalog/", include("chexian.catalog.urls")))
if not _included("coverage-list"):
    urlpatterns.insert(0, path("api/", include("chexian.catalog.api.urls")))
