"""The project's URLs plus this app's pages and API, for the tests, until
``chexian/urls.py`` includes them itself; then this adds nothing."""

from django.urls import URLResolver, include, path

from chexian import urls as project


def _includes(patterns, module: str) -> bool:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            name = getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
            if name == module or (not isinstance(name, str) and _includes(pattern.url_patterns, module)):
                return True
    return False


urlpatterns = list(project.urlpatterns)
if not _includes(urlpatterns, "chexian.imports.urls"):
    urlpatterns.append(path("imports/", include("chexian.imports.urls")))
if not _includes(urlpatterns, "chexian.imports.api.urls"):
    urlpatterns.append(path("api/", include("chexian.imports.api.urls")))
