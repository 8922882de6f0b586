"""docs/permissions.md is generated from the matrix; this keeps the two from drifting."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_permissions_page_matches_the_matrix():
    root = Path(settings.BASE_DIR)
    generated = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(root / "docs" / "_gen_permissions.py")],
        capture_output=True, text=True, check=True, cwd=root,
    ).stdout
    committed = (root / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert generated == committed, "regenerate: .venv/bin/python docs/_gen_permissions.py > docs/permissions.md"
