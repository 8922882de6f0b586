import pytest


@pytest.fixture(autouse=True)
def _catalog_urls(settings):
    settings.ROOT_URLCONF = "chexian.catalog.tests.urls"
