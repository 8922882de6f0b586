"""``chexian statements build --month YYYY-MM --user USERNAME [--store CODE]``.

Builds the month's commission statements (one per store × insurer) for the stores
the user manages, or for one store. Drafts are built again; statements already
sent are left as they are and listed. Exit status 2 for a month that is not over
or badly written, 1 when the user may not build them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from chexian.org.models import Store
from chexian.statements import services


class Command(BaseCommand):
    help = "Commission statements. `statements build --month YYYY-MM --user USERNAME [--store CODE]`."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        build = subcommands.add_parser("build", help="build a month's statements, one per store and insurer")
        build.add_argument("--month", required=True, help="the month, YYYY-MM (a month that is over)")
        build.add_argument("--user", required=True, help="username of the user building them (statement.manage)")
        build.add_argument("--store", help="code of one store (default: every store the user manages)")

    def handle(self, *args, verb, month, user, store=None, **options):
        try:
            actor = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user {user}", returncode=2) from None
        stores = None
        if store:
            try:
                stores = [Store.objects.get(code=store)]
            except Store.DoesNotExist:
                raise CommandError(f"No store with code {store}", returncode=2) from None
        try:
            result = services.build(actor=actor, month=month, stores=stores)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=1) from None
        for statement in result.created:
            self.stdout.write(f"built    {statement.number}  lines {statement.line_count:>6}  "
                              f"commission ¥{statement.commission}")
        for statement in result.rebuilt:
            self.stdout.write(f"rebuilt  {statement.number}  lines {statement.line_count:>6}  "
                              f"commission ¥{statement.commission}")
        for statement in result.kept:
            self.stdout.write(f"kept     {statement.number}  ({statement.get_state_display()}: not changed)")
        self.stdout.write(self.style.SUCCESS(
            f"{result.month:%Y-%m}: {len(result.created)} built, {len(result.rebuilt)} rebuilt, "
            f"{len(result.kept)} kept, {result.removed} empty drafts removed, {result.lines} lines"))
