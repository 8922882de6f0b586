"""The ``chexian`` console command: Django's management commands under one name.

``chexian run`` sets up and serves; ``chexian demo`` builds demo data;
``chexian help`` lists everything else (migrate, createsuperuser, …).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chexian.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "chexian"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
