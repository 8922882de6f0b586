"""``chexian import remittances FILE --store CODE --insurer CODE_OR_NAME --user USERNAME``.

The ``remittances`` subcommand of the ``import`` command
(``imports/management/commands/import.py`` adds the parser and calls ``run``):
the insurer's remittance list becomes one remittance, all or nothing, and is
matched automatically unless ``--no-auto-match``. Prints the counts and every
problem (row, column, rule); exit status 1 when the file was refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import CommandError
from django.db.models import Q

from chexian.core.commandline import file_store_user
from chexian.insurers.models import Insurer
from chexian.org.permissions import can
from chexian.remittances import services
from chexian.remittances.choices import Purpose
from chexian.remittances.importer import ImportRefused


def add_parser(subcommands):
    parser = subcommands.add_parser(
        "remittances", help="an insurer's remittance list (回款明细), matched to claim cases",
        description="Import an insurer's remittance list (.xlsx, .xls or .csv, GBK or UTF-8) as one remittance, "
                    "all or nothing, and match its lines to claim cases where report number and amount agree.",
    )
    parser.add_argument("file", help="the .xlsx, .xls or .csv file")
    parser.add_argument("--store", required=True, help="code of the store the money was paid to")
    parser.add_argument("--insurer", required=True, help="code, short name or name of the paying insurer")
    parser.add_argument("--user", required=True, help="username of the importing user (needs remittance.add)")
    parser.add_argument("--received-on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="day the money was received (default: the latest payment date in the file)")
    parser.add_argument("--reference", default="", help="the bank transfer's reference (回款流水号)")
    parser.add_argument("--purpose", choices=Purpose.values, default=Purpose.CLAIMS,
                        help="what the money pays (default: claims)")
    parser.add_argument("--no-auto-match", action="store_true", help="import only; match later on the page")
    return parser


def _insurer(value: str) -> Insurer:
    found = list(Insurer.objects.filter(Q(code=value.strip().upper()) | Q(short_name=value) | Q(name=value))[:2])
    if len(found) != 1:
        names = ", ".join(f"{i.code} ({i.short_name})" for i in Insurer.objects.filter(is_active=True))
        raise CommandError(f"No single insurer {value!r}; use one of: {names}")
    return found[0]


def run(command, *, file, store, insurer, user, received_on=None, reference="", purpose=Purpose.CLAIMS,
        no_auto_match=False, **_options):
    path, store_obj, actor = file_store_user(file, store, user)
    insurer_obj = _insurer(insurer)

    with path.open("rb") as handle:
        try:
            remittance = services.import_remittance(
                actor=actor, store=store_obj, insurer=insurer_obj, file=File(handle, name=path.name),
                purpose=purpose, received_on=received_on, reference=reference)
        except ImportRefused as exc:
            command.stdout.write(command.style.ERROR(f"Refused: {path.name}. Nothing was imported."))
            for problem in exc.problems:
                command.stdout.write(f"  {problem}  ({problem.code})")
            raise CommandError(f"{len(exc.problems)} problem(s) in {path.name}", returncode=1) from None
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("; ".join(messages), returncode=1) from None

    lines = remittance.lines.count()
    command.stdout.write(command.style.SUCCESS(
        f"Remittance {remittance.number}: {path.name} → {store_obj.code}, {insurer_obj.short_name}, "
        f"received {remittance.received_on.isoformat()}"))
    command.stdout.write(f"  lines {lines}, total ¥{remittance.total_amount}")
    if no_auto_match or not can(actor, "remittance.match", store_obj.pk):
        command.stdout.write(f"  auto-matched 0 (not run), left unmatched {lines}")
        return
    counts = services.auto_match(actor=actor, remittance=remittance)
    amount: Decimal = counts["amount"]
    command.stdout.write(f"  auto-matched {counts['matched']} (¥{amount}), left unmatched {counts['unmatched']}")
