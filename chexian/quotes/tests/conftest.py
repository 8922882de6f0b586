import pytest


@pytest.fixture(autouse=True)
def _quotes_urls(settings):
    settings.ROOT_URLCONF = "chexian.quotes.tests.urls"
