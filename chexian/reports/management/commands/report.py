"""``chexian report NAME (--store CODE | --group) --period 2026-05 --format json|xlsx|pdf``.

Runs one report through the engine, as the pages and the API do. JSON goes to
standard output (or ``--output``); Excel and PDF to ``--output`` or
``NAME-PERIOD.xlsx`` / ``.pdf`` in the current folder. Without ``--user`` the
command reads as the server's operator (every store); with it, as that user.
Exit status 2 for an unknown report, a bad or future period, a store out of
reach or an unknown definition.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from chexian.reports import engine, formats


class _Operator:
    """The server's operator: every store (like a superuser), named in the audit log as the command."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None

    def get_username(self):
        return "chexian report"

    def get_full_name(self):
        return "chexian report"


class Command(BaseCommand):
    help = ("Run a report: `report NAME --store CODE --period 2026-05 --format json|xlsx|pdf` (or --group). "
            "`report --list` lists the reports.")

    # Reports in the site's language (Chinese by default), not the commands' usual English.
    leave_locale_alone = True

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the report's code, e.g. renewal_rate")
        parser.add_argument("--list", action="store_true", help="list the reports and their options")
        parser.add_argument("--store", help="store code")
        parser.add_argument("--group", action="store_true", help="the whole group")
        parser.add_argument("--period", default="", help="2026-05-14, 2026-05, 2026-Q2 or 2026 (default: this month)")
        parser.add_argument("--format", default="json", choices=["json", "xlsx", "pdf"])
        parser.add_argument("--definition", help="renewal rate: cohort (default), fleet or yearly")
        parser.add_argument("--user", help="run as this user (their stores only)")
        parser.add_argument("--output", help="file to write (default: standard output for JSON)")

    def handle(self, *args, name, list, store, group, period, format, definition, user, output, **options):
        from django.conf import settings
        from django.utils import translation

        translation.activate(settings.LANGUAGE_CODE)
        if list or not name:
            for code in sorted(engine.REGISTRY):
                report = engine.REGISTRY[code]()
                extra = "".join(f"  --{k} {'|'.join(v)}" for k, v in report.options.items())
                self.stdout.write(f"{code:28} {report.title}{extra}")
            return
        actor = _Operator()
        if user:
            try:
                actor = get_user_model().objects.get(username=user, is_active=True)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No active user {user}", returncode=2) from None
        params = {"store": store, "group": "1" if group else "", "period": period, "definition": definition}
        try:
            asked = engine.resolve(actor, name, params)
            result = asked.run()
        except engine.ReportError as exc:
            raise CommandError(str(exc), returncode=2) from None
        content = formats.render(result, format, user=actor if user else None)
        if format == "json" and not output:
            self.stdout.write(content.decode())
            return
        path = Path(output or f"{asked.report.code}-{asked.period.label}.{format}")
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content):,} bytes)")
