"""The project's URLs plus the quotes pages and API, for the tests, until (and
unless) ``chexian/urls.py`` includes them itself; then this adds nothing."""

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
if not _includes(urlpatterns, "chexian.quotes.urls"):
    urlpatterns.append(path("quotes/", include("chexian.quotes.urls")))
if not _includes(urlpatterns, "chexian.quotes.api.urls"):
    urlpatterns.insert(0, path("api/", include("chexian.quotes.api.urls")))
# The "Issue policy" link of a chosen quote leads into the policies pages.
if not _includes(urlpatterns, "chexian.policies.urls"):
    try:
        urlpatterns.append(path("policies/", include("chexian.policies.urls")))
    except ImportError:  # the policies pages are not written yet: the link test skips
        pass
