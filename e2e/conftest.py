"""Browser tests: Playwright (sync API) driving Debian's chromium against
Django's live server. Run apart from the unit tests:

    .venv/bin/pytest e2e -p no:cacheprovider --ds chexian.settings

The browser is the system's /usr/bin/chromium (apt), never one downloaded by
``playwright install``; without it every test here is skipped with a message,
or the run fails when CHEXIAN_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the test's own ORM
# calls (creating users and data) are still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chexian.settings")

# Importable however pytest was started (rootdir, cwd or an installed package).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CHEXIAN_REQUIRE_BROWSER") == "1":
        # CI sets it: there a skipped browser test would hide a missing install step.
        raise pytest.UsageError(f"CHEXIAN_REQUIRE_BROWSER=1 but {SKIP_REASON}")
    skip = pytest.mark.skip(reason=SKIP_REASON)
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # English pages, so the assertions on texts are stable (the site is Chinese first).
    return {**browser_context_args, "locale": "en-US", "extra_http_headers": {"Accept-Language": "en"}}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

