import datetime as dt

from django.core.management.base import BaseCommand

from chexian.core.daily import run_daily


class Command(BaseCommand):
    help = (
        "Run the daily job: mark policies whose period has ended and quotes whose figures have lapsed as "
        "expired (each change audited). Idempotent: a second run the same day changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None,
                            help="run for this day (YYYY-MM-DD) instead of today")

    def handle(self, *args, date, **options):
        def report(result):
            self.stdout.write(f"{result.name}: {result.changed} ({result.seconds:.2f} s)")

        run_daily(date, on_step=report)
